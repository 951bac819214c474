#include "layers/archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>

#include "layers/path.h"
#include "support/jobs.h"

namespace wimg::layers {

namespace {

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveCloser>;

ArchivePtr open_reader() {
  ArchivePtr a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  archive_read_support_format_zip(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_lzma(a.get());
  archive_read_support_filter_zstd(a.get());
  return a;
}

Error archive_error(const std::string& path, archive* a, std::string_view what) {
  const char* msg = archive_error_string(a);
  return make_error(ErrorKind::Input,
                    path + ": " + std::string(what) + (msg != nullptr ? std::string(": ") + msg : std::string()));
}

// Each data block of the current member with its offset (negative offsets
// are refused here).
Status for_each_block(archive* a, const std::string& path, const std::string& member,
                      const std::function<Status(std::uint64_t, const void*, std::size_t)>& fn) {
  for (;;) {
    const void* buf = nullptr;
    size_t len = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(a, &buf, &len, &offset);
    if (r == ARCHIVE_EOF) return {};
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return archive_error(path, a, "member \"" + quote_path(member) + "\"");
    if (offset < 0) return make_error(ErrorKind::Input, path + ": member \"" + quote_path(member) + "\": negative offset");
    WIMG_TRY(fn(static_cast<std::uint64_t>(offset), buf, len));
  }
}

// Members up to this size are read whole: hashed by the reader (the layer
// needs digests in member order) and written beside their final name by a
// worker, so creating the object's file (the costly part on ext4) overlaps
// with decompressing the next members, and content already stored is
// never written again.
constexpr std::uint64_t kWholeMember = 1 << 20;

struct Reader {
  store::Batch& batch;
  const ImportOptions& opts;
  Jobs* writers;  // nullptr: write on the reading thread
};

// A small, non-sparse member's bytes, in one piece.
Result<std::optional<Digest>> store_whole(archive* a, archive_entry* e, const std::string& path,
                                          const std::string& member, Reader& rd, std::uint64_t* size) {
  if (archive_entry_sparse_count(e) > 0 || archive_entry_size_is_set(e) == 0 || archive_entry_size(e) < 0 ||
      static_cast<std::uint64_t>(archive_entry_size(e)) > kWholeMember) {
    return std::optional<Digest>();
  }
  auto bytes = std::make_shared<std::string>();
  bytes->reserve(static_cast<std::size_t>(archive_entry_size(e)));
  WIMG_TRY(for_each_block(a, path, member, [&](std::uint64_t offset, const void* buf, std::size_t len) -> Status {
    if (offset != bytes->size() || bytes->size() + len > kWholeMember) {
      return make_error(ErrorKind::Input, path + ": member \"" + quote_path(member) + "\": data out of order");
    }
    bytes->append(static_cast<const char*>(buf), len);
    return {};
  }));
  *size = bytes->size();
  Digest d = sha256_of(*bytes);
  if (rd.writers == nullptr) {
    WIMG_TRY(rd.batch.add_hashed(*bytes, d));
  } else {
    rd.writers->add([&batch = rd.batch, bytes, d]() -> Status {
      WIMG_TRY(batch.add_hashed(*bytes, d));
      return {};
    });
  }
  return std::optional<Digest>(d);
}

// The object is the logical file: a sparse member's holes (between data
// blocks and up to its recorded size) are zeros, streamed, never held in
// memory, so a tree and its tar give the same digest whatever the tar's
// sparse encoding.
Result<Digest> store_data(archive* a, archive_entry* e, const std::string& path, const std::string& member,
                          store::Batch& batch, std::uint64_t* size) {
  WIMG_ASSIGN(auto writer, batch.begin());
  WIMG_TRY(for_each_block(a, path, member, [&](std::uint64_t offset, const void* buf, std::size_t len) -> Status {
    if (offset < writer.size()) {
      return make_error(ErrorKind::Input, path + ": member \"" + quote_path(member) + "\": sparse map out of order");
    }
    if (auto st = writer.write_zeros(offset - writer.size()); !st) return st;
    return writer.write(buf, len);
  }));
  // Only a sparse member's recorded size is its logical size: padding any
  // other member would hide a short member and let a few bytes of a hostile
  // archive declare gigabytes of zeros.
  if (archive_entry_sparse_count(e) > 0 && archive_entry_size_is_set(e) != 0) {
    auto recorded = static_cast<std::uint64_t>(std::max<la_int64_t>(archive_entry_size(e), 0));
    if (recorded > writer.size()) WIMG_TRY(writer.write_zeros(recorded - writer.size()));
  }
  *size = writer.size();
  return writer.finish();
}

Status add_member(archive* a, archive_entry* e, const std::string& path, Reader& rd, LayerBuilder& builder) {
  const ImportOptions& opts = rd.opts;
  const char* raw = archive_entry_pathname(e);
  if (raw == nullptr) return make_error(ErrorKind::Input, path + ": a member has no name");
  std::string member(raw);
  auto normalized = normalize_member_name(member);
  if (!normalized.ok()) return make_error(ErrorKind::Input, path + ": " + normalized.error().message);
  const std::string& name = *normalized;
  auto mode = static_cast<std::uint32_t>(archive_entry_perm(e)) & 0777;

  if (const char* hl = archive_entry_hardlink(e); hl != nullptr) {
    auto target = normalize_member_name(hl);
    if (!target.ok()) return make_error(ErrorKind::Input, path + ": hard link \"" + quote_path(member) + "\": " + target.error().message);
    if (name.empty() || target->empty()) return make_error(ErrorKind::Input, path + ": hard link involving the archive root");
    return builder.add_hardlink(name, *target);
  }
  switch (archive_entry_filetype(e)) {
    case AE_IFDIR:
      if (name.empty()) return {};  // "./": the root itself has no entry
      return builder.add_dir(name, mode);
    case AE_IFREG: {
      if (name.empty()) return make_error(ErrorKind::Input, path + ": member \"" + quote_path(member) + "\" names the root as a file");
      std::uint64_t size = 0;
      WIMG_ASSIGN(std::optional<Digest> whole, store_whole(a, e, path, member, rd, &size));
      if (whole) return builder.add_file(name, mode, *whole, size);
      WIMG_ASSIGN(Digest d, store_data(a, e, path, member, rd.batch, &size));
      return builder.add_file(name, mode, d, size);
    }
    case AE_IFLNK: {
      const char* t = archive_entry_symlink(e);
      if (name.empty() || t == nullptr) return make_error(ErrorKind::Input, path + ": bad symlink member \"" + quote_path(member) + "\"");
      return builder.add_symlink(name, t);
    }
    default:
      if (opts.warn) opts.warn(path + ": skipping \"" + quote_path(member) + "\": not a regular file, directory or symlink");
      return {};
  }
}

}  // namespace

bool looks_like_archive(const std::string& path) {
  ArchivePtr a = open_reader();
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) return false;
  archive_entry* e = nullptr;
  int r = archive_read_next_header(a.get(), &e);
  return r == ARCHIVE_OK || r == ARCHIVE_WARN || r == ARCHIVE_EOF;
}

namespace {

Status read_each(archive* a, const std::string& path, Reader& rd, LayerBuilder& builder);

Status read_members(archive* a, const std::string& path, store::Batch& batch, LayerBuilder& builder,
                    const ImportOptions& opts) {
  std::optional<Jobs> writers;
  if (opts.threads > 1) writers.emplace(opts.threads);
  Reader rd{batch, opts, writers ? &*writers : nullptr};
  WIMG_TRY(read_each(a, path, rd, builder));
  return writers ? writers->wait() : Status{};
}

Status read_each(archive* a, const std::string& path, Reader& rd, LayerBuilder& builder) {
  for (;;) {
    if (rd.writers != nullptr && rd.writers->failed()) return rd.writers->wait();
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) break;
    if (r == ARCHIVE_WARN) {
      // Name conversion problems arrive as warnings; a name that could not be
      // decoded is refused rather than stored mangled.
      const char* msg = archive_error_string(a);
      if (msg != nullptr && std::string_view(msg).find("convert") != std::string_view::npos) {
        return archive_error(path, a, "member name");
      }
    } else if (r != ARCHIVE_OK) {
      return archive_error(path, a, "cannot read archive");
    }
    WIMG_TRY(add_member(a, e, path, rd, builder));
  }
  return {};
}

}  // namespace

Status read_archive(const std::string& path, store::Batch& batch, LayerBuilder& builder, const ImportOptions& opts) {
  ArchivePtr a = open_reader();
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return archive_error(path, a.get(), "not a supported archive (tar, tar.gz/bz2/xz/zst, zip)");
  }
  return read_members(a.get(), path, batch, builder, opts);
}

Status read_archive_memory(std::string_view bytes, const std::string& name, store::Batch& batch, LayerBuilder& builder,
                           const ImportOptions& opts) {
  ArchivePtr a = open_reader();
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    return archive_error(name, a.get(), "not a supported archive (tar, tar.gz/bz2/xz/zst, zip)");
  }
  return read_members(a.get(), name, batch, builder, opts);
}

}  // namespace wimg::layers
