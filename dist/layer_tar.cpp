#include "dist/layer_tar.h"

#include <zlib.h>

#include "dist/tar.h"

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

Result<std::string> gzip(std::string_view bytes) {
  if (bytes.size() > 0xffffffffu) return make_error(ErrorKind::Input, "gzip: a layer tar over 4 GiB is not supported");
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper; zlib writes mtime 0 and no name.
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return make_error(ErrorKind::Io, "gzip: deflateInit2 failed");
  }
  std::string out(deflateBound(&z, bytes.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int r = deflate(&z, Z_FINISH);
  std::size_t n = z.total_out;
  deflateEnd(&z);
  if (r != Z_STREAM_END) return make_error(ErrorKind::Io, "gzip: deflate failed");
  out.resize(n);
  return out;
}

}  // namespace wimg::dist
