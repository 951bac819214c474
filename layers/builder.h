// Accumulates the entries of one layer from a tree walk or an archive and
// enforces the rules that make a layer well-formed:
//   - OCI whiteouts on input: ".wh.<name>" becomes a whiteout of <name>,
//     ".wh..wh..opq" makes its directory opaque;
//   - missing parent directories are implied (mode 0755);
//   - a later entry for the same path replaces an earlier one (tar order),
//     except that a non-empty directory cannot be replaced by a non-directory;
//   - nothing may be placed below a file, symlink or whiteout (this is what
//     stops "symlink, then a file written through it");
//   - a hard link must name a regular file that appeared earlier.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "layers/entry.h"
#include "support/result.h"

namespace wimg::layers {

class LayerBuilder {
 public:
  // `source` names the input in errors ("ctx/" or "app.tar").
  explicit LayerBuilder(std::string source) : source_(std::move(source)) {}

  // `path` must be canonical (normalize first). Names are interpreted for
  // OCI whiteouts here, so callers pass raw member names through.
  Status add_dir(const std::string& path, std::uint32_t mode);
  Status add_file(const std::string& path, std::uint32_t mode, const Digest& digest, std::uint64_t size);
  Status add_symlink(const std::string& path, const std::string& target);
  Status add_hardlink(const std::string& path, const std::string& target_path);

  // The finished, canonical entry list (sorted by path).
  Result<std::vector<Entry>> finish() const;

 private:
  Status place(Entry e);
  Status ensure_parents(std::string_view path);
  Status check_replace(const Entry& existing, const Entry& incoming) const;
  bool has_children(const std::string& path) const;
  Error error(std::string_view path, const std::string& why) const;

  std::string source_;
  std::map<std::string, Entry> entries_;  // std::string orders bytewise
};

}  // namespace wimg::layers
