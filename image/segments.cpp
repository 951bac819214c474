#include "image/segments.h"

#include <fcntl.h>
#include <lz4.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "image/cache_entry.h"
#include "support/fs.h"

namespace wimg::image {

namespace {

std::string cache_root(const store::Store& store) { return store.cache_dir() + "/segments"; }

// A store object copied out verified (store::Store::stream).
class ObjectSource final : public wasm::ByteSource {
 public:
  ObjectSource(const store::Store& store, Digest d, std::uint64_t size) : store_(store), d_(d), size_(size) {}
  std::uint64_t size() const override { return size_; }
  Status copy_to(const wasm::Sink& out) const override { return store_.stream(d_, out); }

 private:
  const store::Store& store_;
  Digest d_;
  std::uint64_t size_;
};

// The bytes of this layer's contents that the layers below do not hold.
std::uint64_t own_bytes(const std::vector<layers::Entry>& entries, const pack::Placements& below) {
  std::set<Digest> seen;
  std::uint64_t n = 0;
  for (const auto& e : entries) {
    if (e.kind == layers::Kind::File && below.count(e.digest) == 0 && seen.insert(e.digest).second) n += e.size;
  }
  return n;
}

Status read_exactly(int fd, std::string& buf, const std::string& shown) {
  std::size_t got = 0;
  while (got < buf.size()) {
    const ssize_t r = ::pread(fd, buf.data() + got, buf.size() - got, static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fs::os_error("cannot read", shown, errno);
    if (r == 0) return make_error(ErrorKind::Corrupt, shown + ": shorter than its head");
    got += static_cast<std::size_t>(r);
  }
  return {};
}

// A cached segment of `l` in `slot`, its placements added; nullopt on a miss.
std::optional<std::uint64_t> lookup(const store::Store& store, const std::string& entry, const SegmentLayer& l,
                                    std::uint32_t slot, pack::Placements& placements, Digest* object,
                                    std::string_view shown) {
  auto d = read_cache_entry(entry);
  if (!d) return std::nullopt;
  auto size = store.size_of(*d);
  auto fd = fs::open_file(store.object_path(*d), O_RDONLY);
  if (!size.ok() || !fd.ok()) return std::nullopt;
  std::string head(pack::segment_head_size(l.index, *l.entries), '\0');
  if (*size < head.size() || !read_exactly(fd->get(), head, store.object_path(*d))) return std::nullopt;
  pack::Placements tried = placements;
  if (!pack::place_from_head(head, *size, l.index, *l.entries, slot, tried, shown)) return std::nullopt;
  placements = std::move(tried);
  *object = *d;
  return *size;
}

// Renders a segment into a store object and names it in `entry`.
Result<std::pair<Digest, std::uint64_t>> render_cached(store::Store& store, const std::string& entry,
                                                       const SegmentLayer& l, std::uint32_t slot,
                                                       const pack::ContentStream& read, pack::Placements& placements,
                                                       std::string_view shown) {
  WIMG_ASSIGN(auto temp, store.make_temp("segment-"));
  auto& [path, fd] = temp;
  pack::FileSegmentOut out(fd.get(), path);
  Status built = pack::build_segment(l.index, *l.entries, slot, read, placements, out, shown);
  if (built) built = out.finish();
  if (!built) {
    ::unlink(path.c_str());
    return std::move(built).error();
  }
  const std::uint64_t size = out.size();
  WIMG_ASSIGN(Digest d, store.put_temp(path, std::move(fd)));
  WIMG_TRY(write_cache_entry(entry, d, fs::Durability::Fsync));
  return std::make_pair(d, size);
}

std::string chain_prefix() {
  return "wimg-segment " + std::to_string(pack::kSegmentVersion) + " lz4 " + std::to_string(LZ4_versionNumber()) + "\n";
}

}  // namespace

Result<std::unique_ptr<RenderedSegments>> render_segments(store::Store& store, const std::vector<SegmentLayer>& layers,
                                                          std::string_view shown) {
  auto out = std::make_unique<RenderedSegments>();
  // Every content object is re-hashed as it is read into a segment: a
  // flipped byte on disk fails the render with the object's digest.
  const pack::ContentStream read = [&store](const Digest& d, std::uint64_t, const pack::ChunkFn& chunk) {
    return store.stream(d, chunk);
  };
  std::string chain = chain_prefix();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const SegmentLayer& l = layers[i];
    const auto slot = static_cast<std::uint32_t>(i + 1);
    chain += l.digest.str() + "\n";
    if (own_bytes(*l.entries, out->placements) < kCachedSegmentBytes) {
      pack::StringSegmentOut seg;
      WIMG_TRY(pack::build_segment(l.index, *l.entries, slot, read, out->placements, seg, shown));
      out->in_memory.push_back(std::make_unique<std::string>(std::move(seg.bytes)));
      out->pieces.push_back(pack::SegmentPiece{*out->in_memory.back(), nullptr});
      continue;
    }
    const std::string entry = fs::join(cache_root(store), l.digest.hex() + "-" + sha256_of(chain).hex());
    Digest object;
    std::optional<std::uint64_t> size = lookup(store, entry, l, slot, out->placements, &object, shown);
    if (!size) {
      WIMG_ASSIGN(auto made, render_cached(store, entry, l, slot, read, out->placements, shown));
      object = made.first;
      size = made.second;
    }
    out->sources.push_back(std::make_unique<ObjectSource>(store, object, *size));
    out->pieces.push_back(pack::SegmentPiece{{}, out->sources.back().get()});
  }
  return out;
}

Result<std::vector<SegmentEntry>> list_segment_entries(const store::Store& store) {
  return list_cache<Digest>(cache_root(store), [](std::string_view name) -> std::optional<Digest> {
    if (name.size() != 129 || name[64] != '-') return std::nullopt;
    auto layer = Digest::parse(name.substr(0, 64), /*allow_bare=*/true);
    if (!layer.ok()) return std::nullopt;
    return *layer;
  });
}

}  // namespace wimg::image
