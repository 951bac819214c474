#include "runtime/pack/packed.h"

#include <algorithm>
#include <map>

#include "runtime/guest/wimg_abi.h"
#include "runtime/pack/assemble.h"
#include "runtime/pack/compress.h"

namespace wimg::pack {

namespace {

Error corrupt(std::string_view shown, const std::string& why) {
  return make_error(ErrorKind::Corrupt, std::string(shown) + ": " + why);
}

Result<std::string_view> one_section(const wasm::Module& m, std::string_view name, std::string_view shown) {
  auto s = m.custom_sections(name);
  if (s.empty()) {
    return make_error(ErrorKind::Input,
                      std::string(shown) + ": not a packed wimg binary (no \"" + std::string(name) + "\" section)");
  }
  if (s.size() > 1)
    return corrupt(shown, "has " + std::to_string(s.size()) + " \"" + std::string(name) + "\" sections");
  return m.content(*s[0]);
}

// Slot bytes, with the unused slots checked empty.
Status read_slots(PackedImage& p, std::string_view shown) {
  const std::uint32_t first = p.runtime.first_slot;
  if (std::uint64_t{first} + WIMG_SLOTS > p.module.data.size()) {
    return corrupt(shown, "has " + std::to_string(p.module.data.size()) + " data segments, its slots need " +
                              std::to_string(std::uint64_t{first} + WIMG_SLOTS));
  }
  const std::size_t used = 1 + p.manifest.layers.size();
  if (used > WIMG_SLOTS) return corrupt(shown, "manifest lists too many layers");
  for (std::uint32_t i = 0; i < WIMG_SLOTS; ++i) {
    const wasm::DataSegment& d = p.module.data[first + i];
    if (d.mode != wasm::DataMode::Passive)
      return corrupt(shown, "slot " + std::to_string(i) + " is not a passive segment");
    if (i >= used && d.data_size != 0) return corrupt(shown, "unused slot " + std::to_string(i) + " is not empty");
    if (i < used) p.slots.push_back(p.module.segment_bytes(d));
  }
  return {};
}

// The manifest, the view's slot sizes and the segments must agree.
Status check_agreement(const PackedImage& p, std::string_view shown) {
  if (p.manifest.runtime != p.runtime.runtime || p.manifest.base != p.runtime.base) {
    return corrupt(shown, "manifest and runtime section name different runtimes or bases");
  }
  if (p.view.slot_sizes.size() != p.slots.size()) {
    return corrupt(shown, "view counts " + std::to_string(p.view.slot_sizes.size()) + " slots, the manifest " +
                              std::to_string(p.slots.size()));
  }
  for (std::size_t i = 0; i < p.slots.size(); ++i) {
    if (p.view.slot_sizes[i] != p.slots[i].size()) {
      return corrupt(shown, "slot " + std::to_string(i) + " is " + std::to_string(p.slots[i].size()) +
                                " bytes, the view says " + std::to_string(p.view.slot_sizes[i]));
    }
  }
  for (std::size_t i = 0; i < p.manifest.layers.size(); ++i) {
    if (p.manifest.layers[i].slot != i + 1)
      return corrupt(shown, "manifest layer " + std::to_string(i) + " is not in slot " + std::to_string(i + 1));
  }
  return {};
}

const ContentRow* find_row(const DecodedSegment& s, const Digest& d) {
  auto it = std::lower_bound(s.contents.begin(), s.contents.end(), d,
                             [](const ContentRow& r, const Digest& x) { return r.digest < x; });
  return it != s.contents.end() && it->digest == d ? &*it : nullptr;
}

// Identical bytes once per binary: a content lives in the lowest slot that
// has it, and every later row points exactly there.
Status check_dedup(const PackedImage& p, std::string_view shown) {
  std::map<Digest, Placement> first;
  for (std::size_t i = 0; i < p.segments.size(); ++i) {
    const auto slot = static_cast<std::uint32_t>(i + 1);
    for (const ContentRow& r : p.segments[i].contents) {
      auto it = first.find(r.digest);
      const bool here = r.at.slot == slot;
      if ((it == first.end()) != here || (it != first.end() && it->second != r.at)) {
        return corrupt(shown, "slot " + std::to_string(slot) + ": content " + r.digest.str() +
                                  " is not placed once, in the lowest slot that has it");
      }
      if (here) first.emplace(r.digest, r.at);
    }
  }
  return {};
}

Placements placements_of(const PackedImage& p) {
  Placements out;
  for (std::size_t i = 0; i < p.segments.size(); ++i) {
    for (const ContentRow& r : p.segments[i].contents) {
      if (r.at.slot == i + 1) out.emplace(r.digest, r.at);
    }
  }
  return out;
}

}  // namespace

bool looks_like_wasm(std::string_view bytes) {
  return bytes.substr(0, 4) == std::string_view("\0asm", 4);
}

Result<PackedImage> open_packed(std::shared_ptr<const std::string> file, std::string_view shown) {
  PackedImage p;
  p.file = std::move(file);
  if (!looks_like_wasm(*p.file)) return make_error(ErrorKind::Input, std::string(shown) + ": not a WebAssembly module");
  WIMG_ASSIGN(p.module, wasm::parse_module(*p.file, shown));
  WIMG_ASSIGN(std::string_view rt, one_section(p.module, kRuntimeSectionName, shown));
  WIMG_ASSIGN(p.runtime, decode_runtime_section(rt, shown));
  WIMG_ASSIGN(std::string_view man, one_section(p.module, kManifestSectionName, shown));
  WIMG_ASSIGN(p.manifest, decode_pack_manifest(man, shown));
  WIMG_TRY(read_slots(p, shown));
  WIMG_ASSIGN(p.view, decode_view(p.slots[0], shown));
  WIMG_TRY(check_agreement(p, shown));
  std::vector<std::vector<layers::Entry>> stack;
  for (std::size_t i = 1; i < p.slots.size(); ++i) {
    WIMG_ASSIGN(DecodedSegment seg, decode_segment(p.slots[i], static_cast<std::uint32_t>(i), shown));
    // Checked on open, not only by --verify: ls, cat and export show the
    // layers the manifest names, or nothing (indexes are small to hash).
    const Digest named = p.manifest.layers[i - 1].digest;
    if (const Digest actual = sha256_of(seg.index); actual != named) {
      return corrupt(shown, "layer " + std::to_string(i - 1) + " (slot " + std::to_string(i) + "): index hashes to " +
                                actual.str() + ", the manifest says " + named.str());
    }
    stack.push_back(seg.entries);
    p.segments.push_back(std::move(seg));
  }
  WIMG_TRY(check_dedup(p, shown));
  p.overlay = layers::Overlay::merge(stack);
  return p;
}

Result<std::string> PackedImage::content(std::size_t layer, const Digest& d, std::string_view shown) const {
  const std::string who = std::string(shown) + ": layer " + std::to_string(layer) + " (" +
                          (layer < manifest.layers.size() ? manifest.layers[layer].digest.str() : "?") + ")";
  const ContentRow* r = layer < segments.size() ? find_row(segments[layer], d) : nullptr;
  if (r == nullptr) return make_error(ErrorKind::Corrupt, who + ": no content " + d.str());
  // decode_segment and check_dedup placed every row inside its slot.
  std::string_view stored = slots[r->at.slot].substr(r->at.offset, r->at.stored);
  std::string bytes;
  if (r->at.lz4) {
    WIMG_ASSIGN(bytes, decompress_content(stored, r->at.size,
                                          who + ": content " + d.str() + " (slot " + std::to_string(r->at.slot) + ")"));
  } else {
    bytes.assign(stored);
  }
  if (bytes.size() != r->at.size) {
    return make_error(ErrorKind::Corrupt, who + ": content " + d.str() + " (slot " + std::to_string(r->at.slot) +
                                              ") has " + std::to_string(bytes.size()) + " bytes, its row says " +
                                              std::to_string(r->at.size));
  }
  const Digest actual = sha256_of(bytes);
  if (actual != d) {
    return make_error(ErrorKind::Corrupt, who + ": content " + d.str() + " (slot " + std::to_string(r->at.slot) +
                                              ") hashes to " + actual.str());
  }
  return bytes;
}

Result<PackVerifyReport> verify_packed(const PackedImage& p, std::string_view shown) {
  PackVerifyReport rep;
  for (std::size_t i = 0; i < p.segments.size(); ++i) {
    const PackedLayer& l = p.manifest.layers[i];
    const std::string who =
        std::string(shown) + ": layer " + std::to_string(i) + " (slot " + std::to_string(i + 1) + ")";
    const Digest actual = sha256_of(p.segments[i].index);
    if (actual != l.digest) {
      return make_error(ErrorKind::Corrupt,
                        who + ": index hashes to " + actual.str() + ", the manifest says " + l.digest.str());
    }
    const layers::LayerStats st = layers::stats_of(p.segments[i].entries);
    if (st.files != l.files || st.bytes != l.bytes) {
      return make_error(ErrorKind::Corrupt,
                        who + " " + l.digest.str() + ": manifest file count or size disagrees with its index");
    }
    for (const ContentRow& r : p.segments[i].contents) {
      if (r.at.slot != i + 1) continue;
      WIMG_TRY(p.content(i, r.digest, shown));
      ++rep.contents;
      rep.bytes += r.at.size;
    }
    ++rep.layers;
  }
  const Placements placements = placements_of(p);
  ViewInput vin;
  vin.overlay = &p.overlay;
  vin.placements = &placements;
  WIMG_ASSIGN(vin.config, view_config(p.manifest.config));
  for (std::size_t i = 1; i < p.slots.size(); ++i)
    vin.layer_slot_sizes.push_back(static_cast<std::uint32_t>(p.slots[i].size()));
  if (p.manifest.created < 0) return corrupt(shown, "negative created time");
  vin.mtime_ns = static_cast<std::uint64_t>(p.manifest.created) * 1'000'000'000u;
  WIMG_ASSIGN(std::string view, encode_view(vin));
  if (view != p.slots[0]) return corrupt(shown, "the view (slot 0) does not match the layers and the config");
  // Every byte outside the slots and the manifest: the prepared base.
  WIMG_ASSIGN(PreparedForm form, prepared_form(p.module, p.runtime.first_slot, shown));
  if (form.digest != p.manifest.prepared || form.size != p.manifest.prepared_size) {
    return corrupt(shown, "the prepared base (every byte outside the slots and the manifest) hashes to " +
                              form.digest.str() + " (" + std::to_string(form.size) + " bytes), the manifest says " +
                              p.manifest.prepared.str() + " (" + std::to_string(p.manifest.prepared_size) + " bytes)");
  }
  rep.prepared_bytes = form.size;
  return rep;
}

}  // namespace wimg::pack
