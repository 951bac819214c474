#include "test_util.h"

#include <archive.h>
#include <archive_entry.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace wimg::test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/wimg-test-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  // Objects are read-only; make everything writable before removing.
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0755);
  }
  std::filesystem::remove_all(path_, ec);
}

void make_dirs(const std::string& path) { std::filesystem::create_directories(path); }

void write_file(const std::string& path, const std::string& content, int mode) {
  make_dirs(std::filesystem::path(path).parent_path());
  ::unlink(path.c_str());
  std::ofstream f(path, std::ios::binary);
  f << content;
  f.close();
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> snapshot(const std::string& root) {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::recursive_directory_iterator(root)) {
    std::string rel = std::filesystem::relative(e.path(), root).string();
    if (rel == "lock" || rel == "refs.lock") continue;  // lock files are created on first use
    out.push_back(rel + (e.is_regular_file() ? " " + std::to_string(e.file_size()) : "/"));
  }
  std::sort(out.begin(), out.end());
  return out;
}

void write_archive(const std::string& path, const std::vector<Member>& members, const std::string& format,
                   const std::string& filter) {
  archive* a = archive_write_new();
  if (format == "zip") {
    archive_write_set_format_zip(a);
  } else if (format == "ustar") {
    archive_write_set_format_ustar(a);
  } else if (format == "gnutar") {
    archive_write_set_format_gnutar(a);
  } else {
    archive_write_set_format_pax_restricted(a);
  }
  if (filter == "gzip") archive_write_add_filter_gzip(a);
  if (filter == "bzip2") archive_write_add_filter_bzip2(a);
  if (filter == "xz") archive_write_add_filter_xz(a);
  if (filter == "zstd") archive_write_add_filter_zstd(a);
  if (archive_write_open_filename(a, path.c_str()) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a));
  for (const auto& m : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_copy_pathname(e, m.name.c_str());
    archive_entry_set_perm(e, static_cast<mode_t>(m.mode));
    archive_entry_set_mtime(e, 1700000000, 0);
    switch (m.type) {
      case Member::File:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(m.data.size()));
        break;
      case Member::Dir:
        archive_entry_set_filetype(e, AE_IFDIR);
        break;
      case Member::Symlink:
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_copy_symlink(e, m.target.c_str());
        break;
      case Member::Hardlink:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_copy_hardlink(e, m.target.c_str());
        break;
      case Member::Fifo:
        archive_entry_set_filetype(e, AE_IFIFO);
        break;
    }
    if (archive_write_header(a, e) < ARCHIVE_WARN) throw std::runtime_error(archive_error_string(a));
    if (m.type == Member::File && !m.data.empty()) archive_write_data(a, m.data.data(), m.data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

}  // namespace wimg::test
