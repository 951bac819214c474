// Helpers for unit tests: temp dirs, file writing, crafted archives.
#pragma once

#include <string>
#include <vector>

#include "store/store.h"

namespace wimg::test {

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& content, int mode = 0644);
void make_dirs(const std::string& path);
std::string read_file(const std::string& path);

// Every file and directory under root (relative, sorted) with sizes: a
// snapshot used to prove that a failed operation left a store unchanged.
std::vector<std::string> snapshot(const std::string& root);

// One member of a crafted archive. Names go in verbatim (no sanitising),
// which is the point: tests feed hostile names to the importer.
struct Member {
  enum Type { File, Dir, Symlink, Hardlink, Fifo } type = File;
  std::string name;
  std::string data;    // File content
  std::string target;  // Symlink / Hardlink target
  int mode = 0644;
};

// format: "pax", "ustar", "gnutar", "zip"; filter: "", "gzip", "bzip2", "xz", "zstd".
void write_archive(const std::string& path, const std::vector<Member>& members, const std::string& format = "pax",
                   const std::string& filter = "");

}  // namespace wimg::test
