// The content-addressed store.
//
// Layout (format version 1):
//   <root>/version                      "wimg-store 1\n"
//   <root>/lock                         flock: shared by writers, exclusive by prune
//   <root>/objects/sha256/<2hex>/<62hex> immutable blob, mode 0444, name = sha256(bytes)
//   <root>/refs.json                    {"refs":{"<name>:<tag>":"sha256:<hex>",...}}
//   <root>/refs.lock                    flock held around every refs.json update
//   <root>/tmp/                         in-flight temp files and batch dirs
//   <root>/objects/sha256/<2hex>/.tmp-* in-flight objects of known digest
//   <root>/cache/stat/<hex>             per-tree stat caches (layers/statcache.h)
//   <root>/cache/segments/<layer>-<chain> rendered layer segments (image/segments.h)
//   <root>/cache/run/<hex>-<key>.wasm   images rendered by `wimg run` (cli/cmd_run.cpp),
//                                       with "<...>.wasm.sha256" beside each
//   <root>/tmp/corrupt-<hex>-*          objects found corrupt, moved aside (Store::quarantine)
//   <root>/cache/runner/wasi-run-*.mjs  the node runner embedded in wimg (cli/cmd_run.cpp)
//
// Commit protocol: bytes go to a temp file on the same filesystem — in the
// object's shard directory when the digest is known in advance (as git does
// for loose objects, so the final rename stays within one directory), else
// under tmp/ — are hashed as written, flushed (fsync, or one syncfs per batch), checked
// for size, renamed into objects/ without overwriting (an existing object
// with that name is the same bytes: success), and the shard directory is
// fsynced. A crash leaves only garbage under tmp/, which prune removes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/digest.h"
#include "support/fs.h"
#include "support/result.h"

namespace wimg::store {

// Temp files inside shard directories start with this; never an object name.
constexpr std::string_view kShardTempPrefix = ".tmp-";

// Where the store lives: --store, else $WIMG_STORE, else $XDG_DATA_HOME/wimg,
// else $HOME/.local/share/wimg. Environment values are passed in, not read.
struct RootSources {
  std::optional<std::string> flag;
  const char* wimg_store = nullptr;
  const char* xdg_data_home = nullptr;
  const char* home = nullptr;
};
Result<std::string> resolve_root(const RootSources& src);

class Store {
 public:
  // Opens (creating if needed) the store at root.
  static Result<Store> open(const std::string& root);

  const std::string& root() const { return root_; }
  std::string object_path(const Digest& d) const;
  std::string tmp_dir() const { return root_ + "/tmp"; }
  std::string cache_dir() const { return root_ + "/cache"; }

  bool has(const Digest& d) const;
  // Size of a stored object, or NotFound.
  Result<std::uint64_t> size_of(const Digest& d) const;
  // Reads an object; when verify is set, re-hashes it and fails as Corrupt on
  // mismatch (see corrupt_error).
  Result<std::string> get(const Digest& d, bool verify = true) const;
  // The same mapped, not copied (fs::map_file), and always verified.
  Result<fs::Bytes> get_mapped(const Digest& d) const;
  // get_mapped's two halves, for a caller that overlaps them: the mapping
  // alone, then check_mapped (re-hashed; Corrupt and moved aside as
  // get_mapped does), at once or as a PendingCheck on a second thread
  // while the bytes are used, as long as nothing made of them is trusted
  // (an output moved into place) before it passed.
  Result<fs::Bytes> map_unchecked(const Digest& d) const;
  Status check_mapped(const Digest& d, std::string_view bytes) const;
  // The same without holding the object: its bytes go to `chunk` in pieces
  // of at most `chunk_size` (the size the object had when opened; a
  // callback error stops the read). Verified: the bytes are re-hashed as
  // read, and a mismatch fails as Corrupt after the last piece, so a caller
  // that writes the pieces out must not commit them before this returns.
  using ChunkFn = std::function<Status(std::string_view)>;
  Status stream(const Digest& d, const ChunkFn& chunk, std::size_t chunk_size = std::size_t{1} << 20) const;
  // A corrupt object is moved aside into tmp/ (prune removes it) the moment
  // a read finds it: writers skip content whose object exists, so only then
  // can a later add of the same content store it afresh. Returns where it went.
  Result<std::string> quarantine(const Digest& d) const;
  // The Corrupt error for d, naming its digest, after quarantining it.
  Error corrupt_error(const Digest& d) const;
  // Stores bytes as one object with a full durable commit.
  Result<Digest> put(std::string_view bytes);
  // The same for bytes already written to a temp file of make_temp (`fd`
  // open on it): hashed from the file, made durable and installed under
  // its digest; the temp file is gone afterwards, whatever happens.
  Result<Digest> put_temp(const std::string& temp_path, fs::UniqueFd fd);

  // Writers hold this (shared) for as long as they create objects that are
  // not yet reachable; prune takes it exclusively.
  Result<fs::FileLock> writer_lock() const;
  Result<fs::FileLock> exclusive_lock() const;

  // Every object in the store (digest from its file name).
  Status for_each_object(const std::function<Status(const Digest&, const std::string& path)>& fn) const;
  // Removes an object. Only call under exclusive_lock().
  Status remove_object(const Digest& d);
  // Leftovers of writers: top-level entries under tmp/ and ".tmp-*" files in
  // shard directories (full paths, sorted).
  Result<std::vector<std::string>> temp_entries() const;
  Result<std::uint64_t> count_tmp() const;
  // Removes everything under tmp/; returns the number of top-level entries
  // removed. Only call under exclusive_lock().
  Result<std::uint64_t> clear_tmp();

  // Refs: "<name>:<tag>" -> image manifest digest.
  Result<std::map<std::string, Digest>> read_refs() const;
  // Applies fn to the refs map under refs.lock and writes it back atomically
  // (nothing is written when fn leaves the map as it was).
  Status update_refs(const std::function<Status(std::map<std::string, Digest>&)>& fn);

  // Creates a fresh temp file under tmp/; returns its path and fd.
  Result<std::pair<std::string, fs::UniqueFd>> make_temp(std::string_view prefix) const;
  // Moves a complete, flushed temp file into objects/ as d. Returns false when
  // the object already existed (temp removed). Does not fsync the shard dir.
  Result<bool> install_temp(const std::string& temp_path, const Digest& d);
  std::string shard_dir(const Digest& d) const;
  // Creates "<shard of d>/.tmp-<tag>" (mode 0444, opened for writing),
  // creating the shard directory if needed.
  Result<std::pair<std::string, fs::UniqueFd>> make_shard_temp(const Digest& d, std::string_view tag) const;

 private:
  Store(std::string root, fs::UniqueFd objects_dir)
      : root_(std::move(root)), objects_dir_(std::make_shared<fs::UniqueFd>(std::move(objects_dir))) {}
  std::string root_;
  // objects/sha256 kept open: existence checks resolve two path components
  // instead of the whole absolute path (most of an unchanged tree's cost).
  std::shared_ptr<fs::UniqueFd> objects_dir_;
};

// Store::check_mapped of a mapping on a second thread (the hasher that
// stream() hashes behind with), so the caller works on the bytes
// meanwhile. wait() gives the result, computed once; a default-constructed
// one has nothing to check. The destructor waits.
class PendingCheck {
 public:
  PendingCheck();
  PendingCheck(const Store& store, const Digest& d, fs::Bytes bytes);
  ~PendingCheck();
  PendingCheck(const PendingCheck&) = delete;
  PendingCheck& operator=(const PendingCheck&) = delete;
  Status wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wimg::store
