// A reproducible tar written into memory: pax (restricted) headers — plain
// ustar unless a name or link needs more —, 512-byte blocks, uid/gid 0, no
// owner names; the caller gives every mtime. Used for OCI layer tars and
// image layout archives.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "support/result.h"

struct archive;

namespace wimg::dist {

class TarWriter {
 public:
  TarWriter();
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  Status dir(const std::string& name, std::uint32_t mode, std::int64_t mtime);
  Status file(const std::string& name, std::uint32_t mode, std::int64_t mtime, std::string_view data);
  Status symlink(const std::string& name, const std::string& target, std::int64_t mtime);
  // Ends the archive and hands over its bytes.
  Result<std::string> finish();

 private:
  Status add(const std::string& name, unsigned type, std::uint32_t mode, std::int64_t mtime, const std::string& link,
             std::string_view data);
  archive* a_ = nullptr;
  std::unique_ptr<std::string> out_;  // stable address for libarchive's callback
  bool open_ = false;
};

}  // namespace wimg::dist
