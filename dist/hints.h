// Where blobs were last seen on a registry: hints for cross-repository
// mounts (a push to team/app of a base already in team/ruby mounts it
// instead of uploading it again). Kept per registry host in
//   <store>/cache/dist/<sha256 hex of the host>    lines "sha256:<hex> <repo>\n"
// appended after every upload, HEAD hit, mount and pull; no fsync, never
// trusted: a stale hint only makes the registry answer the mount with a
// plain upload session. Unparsable lines are skipped. Thread-safe (parallel
// blob transfers record into one).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "store/store.h"
#include "support/digest.h"

namespace wimg::dist {

class BlobHints {
 public:
  BlobHints(const store::Store& store, const std::string& host);
  // A repository other than `not_repo` that had d.
  std::optional<std::string> repo_for(const Digest& d, const std::string& not_repo) const;
  void record(const Digest& d, const std::string& repo);

 private:
  std::string file_;
  mutable std::mutex mu_;
  std::map<Digest, std::set<std::string>> seen_;
};

}  // namespace wimg::dist
