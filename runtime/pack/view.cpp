#include "runtime/pack/view.h"

#include <algorithm>
#include <cstring>
#include <deque>

#include "layers/path.h"
#include "runtime/guest/wimg_abi.h"
#include "support/le.h"

namespace wimg::pack {

namespace {

constexpr std::uint64_t kMaxU32 = 0xffffffffu;

std::uint32_t name_hash(std::uint32_t parent, std::string_view name) {
  return wimg_hash(parent, reinterpret_cast<const unsigned char*>(name.data()), static_cast<unsigned int>(name.size()));
}

std::uint64_t align4(std::uint64_t n) {
  return (n + 3) & ~std::uint64_t{3};
}

// --- encoder ------------------------------------------------------------

struct Node {
  const layers::MergedEntry* entry = nullptr;  // nullptr: the root
  std::uint32_t parent = 0;
  std::uint32_t first_child = 0;
  std::uint32_t child_count = 0;
  std::uint32_t hash = 0;  // the path hash (wimg_abi.h §5)
};

std::string_view name_of(const Node& n) {
  return n.entry == nullptr ? std::string_view() : layers::base_of(n.entry->entry.path);
}

// Breadth-first numbering; children of each directory in name order.
std::vector<Node> number_nodes(const layers::Overlay& o) {
  std::vector<Node> nodes(1);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const bool is_dir = nodes[i].entry == nullptr || nodes[i].entry->entry.kind == layers::Kind::Dir;
    if (!is_dir) continue;
    std::string_view path = nodes[i].entry == nullptr ? std::string_view() : nodes[i].entry->entry.path;
    nodes[i].first_child = static_cast<std::uint32_t>(nodes.size() - 1);  // index into children = node - 1
    for (const layers::MergedEntry* c : o.children(path)) {
      nodes.push_back(Node{c, static_cast<std::uint32_t>(i), 0, 0});
      ++nodes[i].child_count;
    }
  }
  return nodes;
}

std::uint32_t mode_of(const Node& n) {
  if (n.entry == nullptr) return kModeDir | 0755;
  const layers::Entry& e = n.entry->entry;
  switch (e.kind) {
    case layers::Kind::Dir:
      return kModeDir | e.mode;
    case layers::Kind::Symlink:
      return kModeSymlink | e.mode;
    default:
      return kModeFile | e.mode;
  }
}

void put_list(std::string& out, const std::vector<std::string>& list) {
  le::put(out, static_cast<std::uint32_t>(list.size()));
  for (const auto& s : list) le::put_str(out, s);
}

std::string encode_config(const ViewConfig& c) {
  std::string out;
  for (const auto* list : {&c.entrypoint, &c.cmd, &c.env, &c.preopens, &c.workdir, &c.fs}) put_list(out, *list);
  return out;
}

struct Regions {
  std::uint64_t nodes_off = WIMG_VIEW_HEADER_SIZE, buckets_off = 0, children_off = 0, strings_off = 0;
  std::uint64_t strings_len = 0, config_off = 0, config_len = 0, slot_sizes_off = 0, total = 0;
  std::uint32_t bucket_count = 1, slot_count = 0;
};

Regions plan_regions(std::size_t node_count, std::uint64_t strings_len, std::uint64_t config_len,
                     std::size_t slot_count) {
  Regions r;
  while (2ull * r.bucket_count < node_count) r.bucket_count *= 2;
  r.buckets_off = r.nodes_off + std::uint64_t{WIMG_VIEW_NODE_SIZE} * node_count;
  r.children_off = r.buckets_off + 4ull * (r.bucket_count + 1);
  r.strings_off = r.children_off + 4ull * (node_count - 1);
  r.strings_len = strings_len;
  r.config_off = align4(r.strings_off + strings_len);
  r.config_len = config_len;
  r.slot_sizes_off = align4(r.config_off + config_len);
  r.slot_count = static_cast<std::uint32_t>(slot_count);
  r.total = r.slot_sizes_off + 4ull * slot_count;
  return r;
}

void put_header(std::string& out, const Regions& r, std::uint32_t node_count) {
  out.append(WIMG_VIEW_MAGIC, 8);
  for (std::uint64_t v :
       {std::uint64_t{WIMG_VIEW_VERSION}, std::uint64_t{r.slot_count}, std::uint64_t{node_count},
        std::uint64_t{r.bucket_count}, r.nodes_off, r.buckets_off, r.children_off, r.strings_off, r.strings_len,
        r.config_off, r.config_len, r.slot_sizes_off, std::uint64_t{0}, std::uint64_t{0}}) {
    le::put(out, static_cast<std::uint32_t>(v));
  }
}

// The per-node fields that depend on the strings and placements.
struct NodeData {
  std::uint32_t name_off = 0, name_len = 0, slot = 0;
  std::uint64_t offset = 0, size = 0;
};

Result<std::vector<NodeData>> lay_out_strings(const std::vector<Node>& nodes, const Placements& placements,
                                              std::string& strings) {
  std::vector<NodeData> data(nodes.size());
  for (std::size_t i = 1; i < nodes.size(); ++i) {
    const layers::Entry& e = nodes[i].entry->entry;
    std::string_view name = layers::base_of(e.path);
    data[i].name_off = static_cast<std::uint32_t>(strings.size());
    data[i].name_len = static_cast<std::uint32_t>(name.size());
    strings += name;
    if (e.kind == layers::Kind::Symlink) {
      data[i].offset = strings.size();
      data[i].size = e.target.size();
      strings += e.target;
    } else if (e.kind == layers::Kind::File) {
      auto it = placements.find(e.digest);
      if (it == placements.end()) {
        return make_error(ErrorKind::Input, "view: file " + e.path + ": content " + e.digest.str() + " is in no slot");
      }
      data[i].slot = it->second.slot | (it->second.lz4 ? WIMG_NODE_LZ4 : 0u);
      data[i].offset = it->second.offset;
      data[i].size = it->second.size;
    }
    if (strings.size() > kMaxU32) return make_error(ErrorKind::Input, "view: names and link targets exceed 4 GiB");
  }
  return data;
}

// Path hashes (parents come first breadth-first), then the non-root nodes
// renumbered in (hash, path) order, so each bucket's nodes are a run. The
// children array keeps the breadth-first layout (a dir's first_child is
// unchanged) and holds the new numbers.
struct Ordered {
  std::vector<Node> nodes;
  std::vector<std::uint32_t> children;
};

Ordered order_by_hash(std::vector<Node> bfs) {
  for (std::size_t i = 1; i < bfs.size(); ++i) bfs[i].hash = name_hash(bfs[bfs[i].parent].hash, name_of(bfs[i]));
  std::vector<std::uint32_t> order(bfs.size() - 1);
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = static_cast<std::uint32_t>(k + 1);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    if (bfs[a].hash != bfs[b].hash) return bfs[a].hash < bfs[b].hash;
    return bfs[a].entry->entry.path < bfs[b].entry->entry.path;  // unique: a total order
  });
  std::vector<std::uint32_t> renumber(bfs.size(), 0);
  for (std::size_t k = 0; k < order.size(); ++k) renumber[order[k]] = static_cast<std::uint32_t>(k + 1);
  Ordered o;
  o.nodes.resize(bfs.size());
  for (std::size_t i = 0; i < bfs.size(); ++i) {
    o.nodes[renumber[i]] = bfs[i];
    o.nodes[renumber[i]].parent = renumber[bfs[i].parent];
  }
  o.children.assign(renumber.begin() + 1, renumber.end());
  return o;
}

// start[b]: the first node of bucket b (bucket_count + 1 of them).
std::vector<std::uint32_t> bucket_starts(const std::vector<Node>& nodes, std::uint32_t bucket_count) {
  std::vector<std::uint32_t> starts(std::size_t{bucket_count} + 1);
  std::size_t i = 1;
  for (std::uint32_t b = 0; b <= bucket_count; ++b) {
    while (i < nodes.size() && wimg_bucket(nodes[i].hash, bucket_count) < b) ++i;
    starts[b] = static_cast<std::uint32_t>(i);
  }
  return starts;
}

// name_head: the name's first WIMG_NAME_HEAD bytes, zero-padded.
void put_name_head(std::string& out, std::string_view name) {
  const std::size_t head = std::min<std::size_t>(name.size(), WIMG_NAME_HEAD);
  out.append(name.substr(0, head));
  out.append(WIMG_NAME_HEAD - head, '\0');
}

}  // namespace

Result<std::string> encode_view(const ViewInput& in) {
  const Ordered ordered = order_by_hash(number_nodes(*in.overlay));
  const std::vector<Node>& nodes = ordered.nodes;
  std::string strings;
  WIMG_ASSIGN(std::vector<NodeData> data, lay_out_strings(nodes, *in.placements, strings));
  const std::string config = encode_config(in.config);
  if (in.layer_slot_sizes.size() + 1 > WIMG_SLOTS) {
    return make_error(ErrorKind::Input, "view: " + std::to_string(in.layer_slot_sizes.size()) +
                                            " layers, more than the " + std::to_string(WIMG_SLOTS - 1) +
                                            " a binary can hold");
  }
  const Regions r = plan_regions(nodes.size(), strings.size(), config.size(), in.layer_slot_sizes.size() + 1);
  if (r.total > kMaxU32)
    return make_error(ErrorKind::Input, "view: " + std::to_string(r.total) + " bytes, more than a slot can hold");
  const std::vector<std::uint32_t> starts = bucket_starts(nodes, r.bucket_count);

  std::string out;
  out.reserve(r.total);
  put_header(out, r, static_cast<std::uint32_t>(nodes.size()));
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    for (std::uint32_t v :
         {n.parent, data[i].name_off, data[i].name_len, mode_of(n), n.first_child, n.child_count, data[i].slot,
          n.hash}) {
      le::put(out, v);
    }
    put_name_head(out, name_of(n));
    for (std::uint64_t v : {data[i].offset, data[i].size, in.mtime_ns}) le::put(out, v);
  }
  for (std::uint32_t v : starts) le::put(out, v);
  for (std::uint32_t c : ordered.children) le::put(out, c);
  out += strings;
  out.resize(r.config_off, '\0');
  out += config;
  out.resize(r.slot_sizes_off, '\0');
  le::put(out, static_cast<std::uint32_t>(r.total));
  for (std::uint32_t s : in.layer_slot_sizes) le::put(out, s);
  return out;
}

// --- decoder ------------------------------------------------------------

namespace {

struct Header {
  std::uint32_t version, slot_count, node_count, bucket_count, nodes_off, buckets_off, children_off, strings_off,
      strings_len, config_off, config_len, slot_sizes_off, reserved0, reserved1;
};

class Decoder {
 public:
  Decoder(std::string_view bytes, std::string_view shown) : b_(bytes), shown_(shown) {}
  Error fail(const std::string& why) const {
    return make_error(ErrorKind::Corrupt, std::string(shown_) + ": view: " + why);
  }

  Result<DecodedView> run() {
    WIMG_TRY(read_header());
    WIMG_TRY(read_arrays());
    WIMG_TRY(read_nodes());
    WIMG_TRY(check_tree());
    WIMG_TRY(check_hashes());
    WIMG_TRY(read_config());
    return std::move(v_);
  }

 private:
  // [off, off + n) must lie inside the view.
  Status region(std::uint64_t off, std::uint64_t n, const char* what) const {
    if (off > b_.size() || n > b_.size() - off) {
      return fail(std::string(what) + " (bytes " + std::to_string(off) + ".." + std::to_string(off + n) +
                  ") lies outside the view's " + std::to_string(b_.size()) + " bytes");
    }
    return {};
  }
  std::uint32_t u32_at(std::size_t off) const {
    std::uint32_t v = 0;
    le::Reader(b_, off).get(&v);
    return v;
  }
  std::uint64_t u64_at(std::size_t off) const {
    std::uint64_t v = 0;
    le::Reader(b_, off).get(&v);
    return v;
  }
  std::vector<std::uint32_t> u32_array(std::size_t off, std::size_t n) const {
    std::vector<std::uint32_t> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = u32_at(off + 4 * i);
    return out;
  }

  Status read_header() {
    if (b_.size() < WIMG_VIEW_HEADER_SIZE) return fail("shorter than its 64-byte header");
    if (b_.substr(0, 8) != std::string_view(WIMG_VIEW_MAGIC, 8)) return fail("bad magic (not \"WIMGVIEW\")");
    std::uint32_t f[14];
    for (std::size_t i = 0; i < 14; ++i) f[i] = u32_at(8 + 4 * i);
    h_ = Header{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13]};
    if (h_.version != WIMG_VIEW_VERSION) return fail("unsupported version " + std::to_string(h_.version));
    if (h_.reserved0 != 0 || h_.reserved1 != 0) return fail("reserved header fields are not 0");
    if (h_.slot_count < 1 || h_.slot_count > WIMG_SLOTS)
      return fail("slot_count " + std::to_string(h_.slot_count) + " out of range");
    if (h_.node_count < 1) return fail("no root node");
    if (h_.bucket_count == 0 || (h_.bucket_count & (h_.bucket_count - 1)) != 0 || h_.bucket_count > (1u << 28)) {
      return fail("bucket_count " + std::to_string(h_.bucket_count) + " is not a power of two up to 2^28");
    }
    WIMG_TRY(region(h_.slot_sizes_off, 4ull * h_.slot_count, "slot sizes"));
    v_.slot_sizes = u32_array(h_.slot_sizes_off, h_.slot_count);
    if (v_.slot_sizes[0] != b_.size()) {
      return fail("is " + std::to_string(b_.size()) + " bytes, its header says " + std::to_string(v_.slot_sizes[0]));
    }
    return {};
  }

  Status read_arrays() {
    WIMG_TRY(region(h_.nodes_off, std::uint64_t{WIMG_VIEW_NODE_SIZE} * h_.node_count, "node table"));
    WIMG_TRY(region(h_.buckets_off, 4ull * (std::uint64_t{h_.bucket_count} + 1), "bucket starts"));
    WIMG_TRY(region(h_.children_off, 4ull * (h_.node_count - 1), "children array"));
    WIMG_TRY(region(h_.strings_off, h_.strings_len, "strings"));
    WIMG_TRY(region(h_.config_off, h_.config_len, "config block"));
    v_.starts = u32_array(h_.buckets_off, std::size_t{h_.bucket_count} + 1);
    v_.children = u32_array(h_.children_off, h_.node_count - 1);
    strings_ = b_.substr(h_.strings_off, h_.strings_len);
    return {};
  }

  Result<std::string_view> string_at(std::uint64_t off, std::uint64_t len, const std::string& what) const {
    if (off > strings_.size() || len > strings_.size() - off) return fail(what + " lies outside the strings");
    return strings_.substr(off, len);
  }

  Status read_nodes() {
    v_.nodes.resize(h_.node_count);
    for (std::uint32_t i = 0; i < h_.node_count; ++i) {
      const std::size_t at = h_.nodes_off + std::size_t{WIMG_VIEW_NODE_SIZE} * i;
      ViewNode& n = v_.nodes[i];
      n.parent = u32_at(at);
      const std::uint32_t name_off = u32_at(at + 4), name_len = u32_at(at + 8);
      n.mode = u32_at(at + 12);
      n.first_child = u32_at(at + 16);
      n.child_count = u32_at(at + 20);
      const std::uint32_t slot = u32_at(at + 24);
      n.slot = slot & WIMG_NODE_SLOT_MASK;
      n.lz4 = (slot & WIMG_NODE_LZ4) != 0;
      if ((slot & ~(WIMG_NODE_SLOT_MASK | WIMG_NODE_LZ4)) != 0 ||
          ((n.mode & kModeTypeMask) != kModeFile && slot != n.slot)) {
        return fail("node " + std::to_string(i) + ": bad slot field " + std::to_string(slot));
      }
      n.hash = u32_at(at + 28);
      n.offset = u64_at(at + 40);
      n.size = u64_at(at + 48);
      n.mtime_ns = u64_at(at + 56);
      const std::string who = "node " + std::to_string(i);
      WIMG_ASSIGN(n.name, string_at(name_off, name_len, who + " name"));
      std::string head;
      put_name_head(head, n.name);
      if (b_.substr(at + 32, WIMG_NAME_HEAD) != head) return fail(who + ": name_head differs from the name");
      WIMG_TRY(check_node(i, n, who));
    }
    return {};
  }

  Status check_node(std::uint32_t i, ViewNode& n, const std::string& who) const {
    if (n.parent >= h_.node_count) return fail(who + ": parent " + std::to_string(n.parent) + " out of range");
    if (i == 0 && (n.parent != 0 || !n.name.empty() || (n.mode & kModeTypeMask) != kModeDir)) {
      return fail("node 0 is not a root directory");
    }
    if (i != 0 && !layers::check_path(n.name, who).ok()) return fail(who + ": bad name");
    if (i != 0 && n.name.find('/') != std::string_view::npos) return fail(who + ": name contains '/'");
    if ((n.mode & ~(kModeTypeMask | 07777u)) != 0) return fail(who + ": bad mode " + std::to_string(n.mode));
    const std::uint32_t type = n.mode & kModeTypeMask;
    if (type == kModeDir) {
      if (n.first_child > v_.children.size() || n.child_count > v_.children.size() - n.first_child) {
        return fail(who + ": children lie outside the children array");
      }
      if (n.slot != 0 || n.offset != 0 || n.size != 0) return fail(who + ": a directory with content");
    } else if (type == kModeFile) {
      if (n.child_count != 0 || n.slot == 0 || n.slot >= h_.slot_count)
        return fail(who + ": bad slot " + std::to_string(n.slot));
      // Compressed: at least the stored form's chunk count and end array
      // (wimg_abi.h §6) inside the slot; the segment's content table has
      // the stored length, and --verify rebuilds the view from it.
      const std::uint64_t chunks = n.size / WIMG_LZ4_CHUNK + (n.size % WIMG_LZ4_CHUNK != 0 ? 1 : 0);
      const std::uint64_t extent = n.lz4 ? 4 + 4 * chunks : n.size;
      if (n.offset > v_.slot_sizes[n.slot] || extent > v_.slot_sizes[n.slot] - n.offset) {
        return fail(who + ": content lies outside slot " + std::to_string(n.slot));
      }
    } else if (type == kModeSymlink) {
      if (n.child_count != 0 || n.slot != 0 || n.size == 0) return fail(who + ": bad symlink");
      WIMG_ASSIGN(n.target, string_at(n.offset, n.size, who + " link target"));
    } else {
      return fail(who + ": unknown file type in mode " + std::to_string(n.mode));
    }
    return {};
  }

  // Every node reachable from the root exactly once, through children
  // lists whose entries name their directory as parent, sorted by name.
  Status check_tree() const {
    std::vector<bool> seen(h_.node_count, false);
    std::deque<std::uint32_t> todo{0};
    seen[0] = true;
    std::size_t visited = 1;
    while (!todo.empty()) {
      const std::uint32_t d = todo.front();
      todo.pop_front();
      const ViewNode& dir = v_.nodes[d];
      if ((dir.mode & kModeTypeMask) != kModeDir) continue;
      for (std::uint32_t k = 0; k < dir.child_count; ++k) {
        const std::uint32_t c = v_.children[dir.first_child + k];
        const std::string who = "child " + std::to_string(k) + " of node " + std::to_string(d);
        if (c == 0 || c >= h_.node_count || seen[c]) return fail(who + ": bad or repeated node index");
        if (v_.nodes[c].parent != d) return fail(who + ": node " + std::to_string(c) + " names another parent");
        if (k > 0 && !(v_.nodes[v_.children[dir.first_child + k - 1]].name < v_.nodes[c].name)) {
          return fail(who + ": children are not sorted by name");
        }
        seen[c] = true;
        ++visited;
        todo.push_back(c);
      }
    }
    if (visited != h_.node_count) return fail(std::to_string(h_.node_count - visited) + " nodes are not in the tree");
    return {};
  }

  // Every path hash right (the root's 0), the non-root nodes sorted by
  // hash, and the bucket starts exactly their runs.
  Status check_hashes() const {
    if (v_.nodes[0].hash != 0) return fail("the root's hash is not 0");
    for (std::uint32_t i = 1; i < h_.node_count; ++i) {
      const ViewNode& n = v_.nodes[i];
      if (n.hash != name_hash(v_.nodes[n.parent].hash, n.name)) return fail("node " + std::to_string(i) + ": wrong hash");
      if (i > 1 && v_.nodes[i - 1].hash > n.hash) return fail("node " + std::to_string(i) + ": not sorted by hash");
    }
    std::uint32_t i = 1;
    for (std::uint32_t b = 0; b <= h_.bucket_count; ++b) {
      while (i < h_.node_count && wimg_bucket(v_.nodes[i].hash, h_.bucket_count) < b) ++i;
      if (v_.starts[b] != i) return fail("bucket " + std::to_string(b) + ": wrong start");
    }
    return {};
  }

  Status read_config() {
    le::Reader r(b_.substr(h_.config_off, h_.config_len));
    for (auto* list :
         {&v_.config.entrypoint, &v_.config.cmd, &v_.config.env, &v_.config.preopens, &v_.config.workdir, &v_.config.fs}) {
      std::uint32_t count = 0;
      if (!r.get(&count) || count > r.left() / 4) return fail("config block is truncated");
      for (std::uint32_t i = 0; i < count; ++i) {
        std::string_view s;
        if (!r.str(&s)) return fail("config block is truncated");
        list->emplace_back(s);
      }
    }
    if (r.left() != 0) return fail("config block has " + std::to_string(r.left()) + " trailing bytes");
    if (v_.config.workdir.size() > 1) return fail("config block has more than one workdir");
    for (std::size_t i = 1; i < v_.config.fs.size(); ++i) {
      if (v_.config.fs[i].empty() || v_.config.fs[i].front() != '/') return fail("config block has a volume that is not an absolute path");
    }
    return {};
  }

  std::string_view b_;
  std::string_view shown_;
  Header h_{};
  std::string_view strings_;
  DecodedView v_;
};

}  // namespace

Result<DecodedView> decode_view(std::string_view bytes, std::string_view shown) {
  return Decoder(bytes, shown).run();
}

std::optional<std::uint32_t> DecodedView::lookup(std::uint32_t dir, std::string_view name) const {
  if (dir >= nodes.size() || starts.size() < 2) return std::nullopt;
  const std::uint32_t h = name_hash(nodes[dir].hash, name);
  const std::uint32_t b = wimg_bucket(h, static_cast<std::uint32_t>(starts.size() - 1));
  for (std::uint32_t n = std::max(starts[b], 1u); n < starts[b + 1] && n < nodes.size(); ++n) {
    if (nodes[n].hash == h && nodes[n].parent == dir && nodes[n].name == name) return n;
  }
  return std::nullopt;
}

std::string DecodedView::path_of(std::uint32_t node) const {
  std::vector<std::string_view> parts;
  for (std::uint32_t n = node; n != 0 && n < nodes.size() && parts.size() < nodes.size(); n = nodes[n].parent) {
    parts.push_back(nodes[n].name);
  }
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!out.empty()) out += '/';
    out += *it;
  }
  return out;
}

}  // namespace wimg::pack
