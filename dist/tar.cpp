#include "dist/tar.h"

#include <archive.h>
#include <archive_entry.h>

namespace wimg::dist {

namespace {

struct EntryCloser {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

la_ssize_t append_cb(archive*, void* client, const void* buf, size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

Error tar_error(archive* a, const std::string& member) {
  const char* msg = archive_error_string(a);
  return make_error(ErrorKind::Io, "writing tar member \"" + member + "\": " + (msg ? msg : "failed"));
}

}  // namespace

TarWriter::TarWriter() : a_(archive_write_new()), out_(std::make_unique<std::string>()) {
  archive_write_set_format_pax_restricted(a_);
  archive_write_set_bytes_per_block(a_, 512);
  open_ = archive_write_open2(a_, out_.get(), nullptr, append_cb, nullptr, nullptr) == ARCHIVE_OK;
}

TarWriter::~TarWriter() { archive_write_free(a_); }

Status TarWriter::add(const std::string& name, unsigned type, std::uint32_t mode, std::int64_t mtime,
                      const std::string& link, std::string_view data) {
  if (!open_) return tar_error(a_, name);
  std::unique_ptr<archive_entry, EntryCloser> e(archive_entry_new());
  archive_entry_update_pathname_utf8(e.get(), name.c_str());
  archive_entry_set_filetype(e.get(), type);
  archive_entry_set_perm(e.get(), mode);
  archive_entry_set_mtime(e.get(), mtime, 0);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
  if (type == AE_IFLNK) archive_entry_update_symlink_utf8(e.get(), link.c_str());
  if (archive_write_header(a_, e.get()) != ARCHIVE_OK) return tar_error(a_, name);
  if (!data.empty() && archive_write_data(a_, data.data(), data.size()) != static_cast<la_ssize_t>(data.size())) {
    return tar_error(a_, name);
  }
  return {};
}

Status TarWriter::dir(const std::string& name, std::uint32_t mode, std::int64_t mtime) {
  return add(name + "/", AE_IFDIR, mode, mtime, {}, {});
}
Status TarWriter::file(const std::string& name, std::uint32_t mode, std::int64_t mtime, std::string_view data) {
  return add(name, AE_IFREG, mode, mtime, {}, data);
}
Status TarWriter::symlink(const std::string& name, const std::string& target, std::int64_t mtime) {
  return add(name, AE_IFLNK, 0777, mtime, target, {});
}

Result<std::string> TarWriter::finish() {
  if (!open_ || archive_write_close(a_) != ARCHIVE_OK) return tar_error(a_, "(end of archive)");
  open_ = false;
  return std::move(*out_);
}

}  // namespace wimg::dist
