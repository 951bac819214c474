#include "dist/layer_tar.h"

#include <zlib.h>

#include <algorithm>
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

constexpr std::size_t kGzipBlock = 128 << 10;  // input bytes per independently compressed block
constexpr std::size_t kWindow = 32 << 10;      // deflate's window: the dictionary each block gets

struct Deflated {
  std::string bytes;
  uLong crc = 0;
};

// Raw deflate of one block, primed with the 32 KiB before it; every block
// but the last ends with a sync flush (byte-aligned, not final).
Result<Deflated> deflate_block(std::string_view all, std::size_t begin, std::size_t end) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return make_error(ErrorKind::Io, "gzip: deflateInit2 failed");
  }
  if (begin > 0) {
    std::size_t from = begin > kWindow ? begin - kWindow : 0;
    deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(all.data() + from), static_cast<uInt>(begin - from));
  }
  const bool last = end == all.size();
  Deflated out;
  out.bytes.resize(deflateBound(&z, end - begin) + 16);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(all.data() + begin));
  z.avail_in = static_cast<uInt>(end - begin);
  z.next_out = reinterpret_cast<Bytef*>(out.bytes.data());
  z.avail_out = static_cast<uInt>(out.bytes.size());
  int r = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
  std::size_t n = z.total_out;
  deflateEnd(&z);
  if (r != (last ? Z_STREAM_END : Z_OK) || z.avail_in != 0) return make_error(ErrorKind::Io, "gzip: deflate failed");
  out.bytes.resize(n);
  out.crc = crc32(0, reinterpret_cast<const Bytef*>(all.data() + begin), static_cast<uInt>(end - begin));
  return out;
}

void put_le32(std::string& s, uLong v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

Result<std::string> gzip(std::string_view bytes, unsigned threads) {
  if (bytes.size() > 0xffffffffu) return make_error(ErrorKind::Input, "gzip: a layer tar over 4 GiB is not supported");
  std::size_t blocks = bytes.empty() ? 1 : (bytes.size() + kGzipBlock - 1) / kGzipBlock;
  std::vector<Deflated> parts(blocks);
  {
    Jobs jobs(std::min<std::size_t>(threads == 0 ? 1 : threads, blocks));
    for (std::size_t i = 0; i < blocks; ++i) {
      jobs.add([&, i]() -> Status {
        std::size_t begin = i * kGzipBlock;
        WIMG_ASSIGN(parts[i], deflate_block(bytes, begin, std::min(bytes.size(), begin + kGzipBlock)));
        return {};
      });
    }
    WIMG_TRY(jobs.wait());
  }
  // The gzip wrapper zlib writes for level 6: mtime 0, no name, XFL 0, OS 3 (Unix).
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  uLong crc = crc32(0, nullptr, 0);
  for (std::size_t i = 0; i < blocks; ++i) {
    out += parts[i].bytes;
    std::size_t len = std::min(bytes.size(), (i + 1) * kGzipBlock) - std::min(bytes.size(), i * kGzipBlock);
    crc = crc32_combine(crc, parts[i].crc, static_cast<z_off_t>(len));
  }
  put_le32(out, crc);
  put_le32(out, static_cast<uLong>(bytes.size()));
  return out;
}

}  // namespace wimg::dist
