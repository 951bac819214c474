#include "layers/index.h"

#include <algorithm>
#include <cstring>

#include "layers/path.h"
#include "support/le.h"

namespace wimg::layers {

namespace {
constexpr std::string_view kMagic = "WIMGLAYR";

Status check_entry(const Entry& e, std::string_view shown) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::Input, std::string(shown) + ": entry \"" + quote_path(e.path) + "\": " + why);
  };
  if (auto s = check_path(e.path, e.path); !s) return bad(s.error().message);
  if (e.mode > 0777) return bad("mode has bits beyond 0777");
  switch (e.kind) {
    case Kind::Dir:
    case Kind::Opaque:
      if (e.size != 0) return bad("directory with a non-zero size");
      break;
    case Kind::Whiteout:
      if (e.size != 0 || e.mode != 0) return bad("whiteout with a size or mode");
      break;
    case Kind::File:
      break;
    case Kind::Symlink:
      if (e.target.empty() || e.target.size() > kMaxPath) return bad("symlink target must be 1..4095 bytes");
      if (e.target.find('\0') != std::string::npos) return bad("symlink target contains NUL");
      if (e.size != e.target.size()) return bad("symlink size differs from its target length");
      break;
    default:
      return bad("unknown kind " + std::to_string(static_cast<int>(e.kind)));
  }
  if (e.kind != Kind::Symlink && !e.target.empty()) return bad("link target on a non-symlink");
  if (e.kind != Kind::File && e.digest != Digest{}) return bad("content digest on a non-file");
  return {};
}
}  // namespace

char kind_letter(Kind k) {
  switch (k) {
    case Kind::Dir: return 'd';
    case Kind::File: return 'f';
    case Kind::Symlink: return 'l';
    case Kind::Whiteout: return 'w';
    case Kind::Opaque: return 'o';
  }
  return '?';
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Dir: return "dir";
    case Kind::File: return "file";
    case Kind::Symlink: return "symlink";
    case Kind::Whiteout: return "whiteout";
    case Kind::Opaque: return "opaque";
  }
  return "unknown";
}

LayerStats stats_of(const std::vector<Entry>& entries) {
  LayerStats s;
  for (const auto& e : entries) {
    if (e.kind == Kind::File) {
      ++s.files;
      s.bytes += e.size;
    }
  }
  return s;
}

Status check_canonical(const std::vector<Entry>& entries, std::string_view shown) {
  // Sorted order puts a directory before all its descendants, so a stack of
  // open directories is enough to check that every parent exists.
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    WIMG_TRY(check_entry(e, shown));
    if (i > 0 && !(entries[i - 1].path < e.path)) {
      return make_error(ErrorKind::Input, std::string(shown) + ": entries not sorted or duplicated at \"" +
                                              quote_path(e.path) + "\"");
    }
  }
  // Parent check: binary search among earlier entries.
  for (const Entry& e : entries) {
    std::string_view parent = parent_of(e.path);
    if (parent.empty()) continue;
    auto it = std::lower_bound(entries.begin(), entries.end(), parent,
                               [](const Entry& x, std::string_view p) { return x.path < p; });
    if (it == entries.end() || it->path != parent || (it->kind != Kind::Dir && it->kind != Kind::Opaque)) {
      return make_error(ErrorKind::Input, std::string(shown) + ": entry \"" + quote_path(e.path) +
                                              "\" has no parent directory entry \"" + quote_path(parent) + "\"");
    }
  }
  return {};
}

Result<std::string> encode_index(const std::vector<Entry>& entries) {
  WIMG_TRY(check_canonical(entries, "layer"));
  std::string out;
  out.reserve(24 + entries.size() * 64);
  out += kMagic;
  le::put(out, kIndexVersion);
  le::put<std::uint64_t>(out, entries.size());
  for (const Entry& e : entries) {
    out += static_cast<char>(e.kind);
    le::put_str(out, e.path);
    le::put(out, e.mode);
    le::put(out, e.size);
    if (e.kind == Kind::File) out.append(reinterpret_cast<const char*>(e.digest.bytes.data()), 32);
    if (e.kind == Kind::Symlink) le::put_str(out, e.target);
  }
  return out;
}

Result<std::vector<Entry>> decode_index(std::string_view bytes, std::string_view shown) {
  auto bad = [&](std::size_t at, const std::string& why) {
    return make_error(ErrorKind::Corrupt,
                      std::string(shown) + ": invalid layer index at byte " + std::to_string(at) + ": " + why);
  };
  le::Reader r(bytes);
  std::string_view magic;
  std::uint32_t version = 0;
  std::uint64_t count = 0;
  if (!r.bytes(8, &magic) || magic != kMagic) return bad(0, "bad magic (not a wimg layer index)");
  if (!r.get(&version) || version != kIndexVersion) return bad(8, "unsupported version " + std::to_string(version));
  if (!r.get(&count)) return bad(12, "truncated header");
  // Each entry takes at least 18 bytes (kind, a 1-byte path, mode, size):
  // a hostile count cannot force a huge allocation.
  if (count > r.left() / 18) return bad(12, "entry count " + std::to_string(count) + " exceeds the data");
  std::vector<Entry> entries;
  entries.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    std::size_t at = r.pos();
    Entry e;
    std::uint8_t kind;
    std::string_view path;
    if (!r.get(&kind) || !r.str(&path) || !r.get(&e.mode) || !r.get(&e.size)) return bad(at, "truncated entry");
    if (kind < 1 || kind > 5) return bad(at, "unknown kind " + std::to_string(kind));
    e.kind = static_cast<Kind>(kind);
    e.path = std::string(path);
    if (e.kind == Kind::File) {
      std::string_view d;
      if (!r.bytes(32, &d)) return bad(at, "truncated digest");
      std::memcpy(e.digest.bytes.data(), d.data(), 32);
    } else if (e.kind == Kind::Symlink) {
      std::string_view t;
      if (!r.str(&t)) return bad(at, "truncated symlink target");
      e.target = std::string(t);
    }
    entries.push_back(std::move(e));
  }
  if (r.left() != 0) return bad(r.pos(), "trailing bytes");
  if (auto s = check_canonical(entries, shown); !s) {
    return make_error(ErrorKind::Corrupt, "invalid layer index: " + s.error().message);
  }
  return entries;
}

}  // namespace wimg::layers
