#include "dist/layer_tar.h"

#include <libdeflate.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "dist/tar.h"
#include "support/jobs.h"

namespace wimg::dist {

namespace {

std::string whiteout_name(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".wh." + path;
  return path.substr(0, slash + 1) + ".wh." + path.substr(slash + 1);
}

Status put_entry(TarWriter& tar, const store::Store& store, const layers::Entry& e, std::int64_t mtime) {
  using layers::Kind;
  switch (e.kind) {
    case Kind::Dir:
      return tar.dir(e.path, e.mode, mtime);
    case Kind::Opaque:
      WIMG_TRY(tar.dir(e.path, e.mode, mtime));
      return tar.file(e.path + "/.wh..wh..opq", 0, mtime, {});
    case Kind::Symlink:
      return tar.symlink(e.path, e.target, mtime);
    case Kind::Whiteout:
      return tar.file(whiteout_name(e.path), 0, mtime, {});
    case Kind::File: {
      WIMG_ASSIGN(std::string data, store.get(e.digest));
      return tar.file(e.path, e.mode, mtime, data);
    }
  }
  return make_error(ErrorKind::Corrupt, "layer entry \"" + e.path + "\" has an unknown kind");
}

}  // namespace

Result<std::string> write_layer_tar(const store::Store& store, const std::vector<layers::Entry>& entries,
                                    std::int64_t mtime) {
  TarWriter tar;
  for (const auto& e : entries) WIMG_TRY(put_entry(tar, store, e, mtime));
  return tar.finish();
}

namespace {

constexpr std::size_t kGzipMember = 1 << 20;  // input bytes per gzip member
constexpr int kGzipLevel = 6;

struct CompressorCloser {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

// One member: libdeflate's gzip of `in` (its header: mtime 0, no name).
Result<std::string> gzip_member(std::string_view in) {
  std::unique_ptr<libdeflate_compressor, CompressorCloser> c(libdeflate_alloc_compressor(kGzipLevel));
  if (!c) return make_error(ErrorKind::Io, "gzip: cannot allocate a compressor");
  std::string out(libdeflate_gzip_compress_bound(c.get(), in.size()), '\0');
  std::size_t n = libdeflate_gzip_compress(c.get(), in.data(), in.size(), out.data(), out.size());
  if (n == 0) return make_error(ErrorKind::Io, "gzip: compression failed");
  out.resize(n);
  return out;
}

struct DecompressorCloser {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

}  // namespace

std::optional<std::string> gunzip(std::string_view gz, std::size_t limit) {
  if (gz.size() < 18 || static_cast<unsigned char>(gz[0]) != 0x1f || static_cast<unsigned char>(gz[1]) != 0x8b) {
    return std::nullopt;
  }
  std::unique_ptr<libdeflate_decompressor, DecompressorCloser> d(libdeflate_alloc_decompressor());
  if (!d) return std::nullopt;
  // First guess: the last member's size field (exact for one member), at
  // least 4x the input; doubled while a member does not fit.
  std::size_t last = 0;
  for (int i = 3; i >= 0; --i) last = (last << 8) | static_cast<unsigned char>(gz[gz.size() - 4 + i]);
  std::string out(std::min(limit, std::max(last, gz.size() * 4)), '\0');
  std::size_t in_pos = 0, out_len = 0;
  while (in_pos < gz.size()) {
    std::size_t used = 0, made = 0;
    auto r = libdeflate_gzip_decompress_ex(d.get(), gz.data() + in_pos, gz.size() - in_pos, out.data() + out_len,
                                           out.size() - out_len, &used, &made);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
      if (out.size() >= limit) return std::nullopt;
      out.resize(std::min(limit, out.size() * 2));
      continue;
    }
    if (r != LIBDEFLATE_SUCCESS) return std::nullopt;
    in_pos += used;
    out_len += made;
  }
  out.resize(out_len);
  return out;
}

std::string gzip_recipe() { return std::string("gzip1m-") + std::to_string(kGzipLevel) + " libdeflate-" + LIBDEFLATE_VERSION_STRING; }

Result<std::string> gzip(std::string_view bytes, unsigned threads) {
  std::size_t members = bytes.empty() ? 1 : (bytes.size() + kGzipMember - 1) / kGzipMember;
  std::vector<std::string> parts(members);
  {
    Jobs jobs(std::min<std::size_t>(threads == 0 ? 1 : threads, members));
    for (std::size_t i = 0; i < members; ++i) {
      jobs.add([&, i]() -> Status {
        WIMG_ASSIGN(parts[i], gzip_member(bytes.substr(std::min(bytes.size(), i * kGzipMember), kGzipMember)));
        return {};
      });
    }
    WIMG_TRY(jobs.wait());
  }
  std::size_t total = 0;
  for (const auto& p : parts) total += p.size();
  std::string out;
  out.reserve(total);
  for (const auto& p : parts) out += p;
  return out;
}

}  // namespace wimg::dist
