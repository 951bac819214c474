#include "runtime/pack/assemble.h"

#include <set>

#include "layers/index.h"
#include "layers/overlay.h"
#include "layers/path.h"
#include "runtime/guest/wimg_abi.h"
#include "runtime/pack/upper.h"
#include "runtime/pack/view.h"
#include "runtime/wasm/module.h"
#include "runtime/wasm/writer.h"

namespace wimg::pack {

namespace {

Error input(std::string_view shown, const std::string& why) {
  return make_error(ErrorKind::Input, std::string(shown) + ": " + why);
}

Result<RuntimeSection> runtime_of(const wasm::Module& m, std::string_view shown) {
  if (!m.custom_sections(kManifestSectionName).empty()) {
    return input(shown, "is already a packed image (it has a " + std::string(kManifestSectionName) + " section)");
  }
  auto rs = m.custom_sections(kRuntimeSectionName);
  if (rs.size() != 1) {
    return input(shown, "is not a prepared base: it has " + std::to_string(rs.size()) + " \"" +
                            std::string(kRuntimeSectionName) + "\" sections, expected 1");
  }
  WIMG_ASSIGN(RuntimeSection r, decode_runtime_section(m.content(*rs[0]), shown));
  if (std::uint64_t{r.first_slot} + WIMG_SLOTS > m.data.size()) {
    return input(shown, "its runtime section names slots " + std::to_string(r.first_slot) + ".." +
                            std::to_string(std::uint64_t{r.first_slot} + WIMG_SLOTS - 1) + " but it has " +
                            std::to_string(m.data.size()) + " data segments");
  }
  for (std::uint32_t i = 0; i < WIMG_SLOTS; ++i) {
    const wasm::DataSegment& d = m.data[r.first_slot + i];
    if (d.mode != wasm::DataMode::Passive || d.data_size != 0) {
      return input(shown, "slot " + std::to_string(i) + " (data segment " + std::to_string(r.first_slot + i) +
                              ") is not an empty passive segment");
    }
  }
  return r;
}

Status check_spec(const PackSpec& spec, std::string_view shown) {
  if (spec.layers.size() > WIMG_SLOTS - 1) {
    return input(shown, std::to_string(spec.layers.size()) + " layers, at most " + std::to_string(WIMG_SLOTS - 1) +
                            " fit one binary");
  }
  // Every node's mtime is created * 10^9 ns, a u64.
  if (spec.created < 0 || spec.created > 18'000'000'000) return input(shown, "created time out of range");
  return {};
}

// Entries given by value (assemble's callers): they must hash to their digest.
Status check_layer_digests(const PackSpec& spec) {
  for (const PackLayer& l : spec.layers) {
    WIMG_ASSIGN(std::string index, layers::encode_index(l.entries));
    if (sha256_of(index) != l.digest) {
      return make_error(ErrorKind::Corrupt,
                        "layer " + l.digest.str() + ": its entries hash to " + sha256_of(index).str());
    }
  }
  return {};
}

// The manifest names the prepared base by its prepared form. The writer
// copies every byte but the data section's header and the slots' entries,
// and re-encodes those with minimal LEB128s, so the form is never longer
// than the base and is the base byte for byte exactly when it is as long
// (binaryen writes minimal LEB128s: wimg's own prepared bases always are).
// Only a base prepared elsewhere with padded LEB128s pays a second hash.
Result<PackManifest> manifest_of(const PackSpec& spec, const RuntimeSection& rt, const wasm::Module& prepared,
                                 std::string_view shown) {
  PackManifest m;
  m.base = rt.base;
  m.base_size = spec.base_size;
  WIMG_ASSIGN(wasm::PlannedModule form, plan_prepared_form(prepared, rt.first_slot, shown));
  if (form.size() == prepared.bytes.size()) {
    m.prepared = spec.prepared_digest ? *spec.prepared_digest : sha256_of(prepared.bytes);
    m.prepared_size = prepared.bytes.size();
  } else {
    WIMG_ASSIGN(PreparedForm f, prepared_form(prepared, rt.first_slot, shown));
    m.prepared = f.digest;
    m.prepared_size = f.size;
  }
  m.runtime = rt.runtime;
  m.created = spec.created;
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    const PackLayer& l = spec.layers[i];
    const layers::LayerStats st = layers::stats_of(l.entries);
    m.layers.push_back({l.digest, static_cast<std::uint32_t>(i + 1), st.files, st.bytes, l.created_by});
    m.history.push_back({l.created_by, false});
  }
  if (!spec.history.empty()) m.history = spec.history;
  m.config = spec.config;
  return m;
}

}  // namespace

Result<wasm::PlannedModule> plan_prepared_form(const wasm::Module& m, std::uint32_t first_slot,
                                               std::string_view shown) {
  wasm::Edits edits;
  edits.remove_custom.emplace_back(kManifestSectionName);
  for (std::uint32_t i = 0; i < WIMG_SLOTS; ++i) edits.replace_passive.push_back({first_slot + i, {}, nullptr});
  return wasm::plan_module(m, edits, shown);
}

Result<PreparedForm> prepared_form(const wasm::Module& m, std::uint32_t first_slot, std::string_view shown) {
  WIMG_ASSIGN(wasm::PlannedModule form, plan_prepared_form(m, first_slot, shown));
  Sha256 h;
  WIMG_TRY(form.write_to([&h](std::string_view b) -> Status {
    h.update(b);
    return {};
  }));
  return PreparedForm{h.finish(), form.size()};
}

Result<ViewConfig> view_config(const PackedConfig& c) {
  ViewConfig v;
  WIMG_ASSIGN(v.fs, upper_setting(c.labels));
  if (!c.volumes.empty()) {
    if (v.fs.empty()) v.fs.emplace_back();  // "": the runtime's default setting
    v.fs.insert(v.fs.end(), c.volumes.begin(), c.volumes.end());
  }
  v.entrypoint = c.entrypoint.value_or(std::vector<std::string>{});
  v.cmd = c.cmd.value_or(std::vector<std::string>{});
  v.env = c.env;
  v.preopens.push_back("/");
  for (const auto& m : c.mounts) v.preopens.push_back(m);
  if (!c.workdir.empty()) v.workdir.push_back(c.workdir);
  return v;
}

namespace {

// What MOUNT and VOLUME paths share: absolute, canonical, not "/", given
// once. Names the path as `what PATH: why` (kind: the caller's); the path
// without its leading "/" in *rel.
Status check_guest_dir(const std::string& p, std::string_view what, ErrorKind kind, std::string_view root_why,
                       std::set<std::string>& seen, std::string* rel) {
  auto bad = [&](std::string_view why) { return make_error(kind, std::string(what) + " " + p + ": " + std::string(why)); };
  if (p.empty() || p.front() != '/') return bad("must be an absolute guest path");
  *rel = p.substr(1);
  if (rel->empty()) return bad(root_why);
  if (!layers::check_path(*rel, p).ok()) return bad("is not canonical (no \".\", \"..\", \"//\" or trailing \"/\")");
  if (!seen.insert(p).second) return bad("given twice");
  return {};
}

Error not_a_dir(std::string_view what, const std::string& p, ErrorKind kind, const layers::MergedEntry& e) {
  return make_error(kind, std::string(what) + " " + p + ": is a " + std::string(layers::kind_name(e.entry.kind)) +
                              " in the image, not a directory");
}

}  // namespace

Status check_mounts(const std::vector<std::string>& mounts, const layers::Overlay& overlay) {
  std::set<std::string> seen;
  std::string rel;
  for (const std::string& m : mounts) {
    WIMG_TRY(check_guest_dir(m, "--mount", ErrorKind::Usage, "\"/\" is always the first preopen", seen, &rel));
    const layers::MergedEntry* e = overlay.find(rel);
    if (e == nullptr) return make_error(ErrorKind::NotFound, "--mount " + m + ": no such directory in the image");
    if (e->entry.kind != layers::Kind::Dir) return not_a_dir("--mount", m, ErrorKind::Usage, *e);
  }
  return {};
}

Status check_volumes(const std::vector<std::string>& volumes, const layers::Overlay& overlay) {
  std::set<std::string> seen;
  std::string rel;
  for (const std::string& v : volumes) {
    WIMG_TRY(check_guest_dir(v, "VOLUME", ErrorKind::Input, "the root cannot be a volume", seen, &rel));
    // Missing is fine (the runtime creates it); in the image it and its
    // parents must be directories.
    for (std::string p = rel;; p = p.substr(0, p.rfind('/'))) {
      const layers::MergedEntry* e = overlay.find(p);
      if (e != nullptr && e->entry.kind != layers::Kind::Dir) return not_a_dir("VOLUME", "/" + p, ErrorKind::Input, *e);
      if (p.find('/') == std::string::npos) break;
    }
  }
  return {};
}

Result<std::unique_ptr<AssembledModule>> plan_assembly(std::string_view prepared, const PackSpec& spec,
                                                       const std::vector<SegmentPiece>& segments,
                                                       const Placements& placements, std::string_view shown) {
  auto out = std::make_unique<AssembledModule>();
  WIMG_ASSIGN(out->module_, wasm::parse_module(prepared, shown));
  WIMG_ASSIGN(RuntimeSection rt, runtime_of(out->module_, shown));
  WIMG_TRY(check_spec(spec, shown));
  if (segments.size() != spec.layers.size()) return input(shown, "one segment per layer is needed");
  std::vector<std::vector<layers::Entry>> stack;
  for (const PackLayer& l : spec.layers) stack.push_back(l.entries);
  const layers::Overlay overlay = layers::Overlay::merge(stack);
  WIMG_TRY(check_mounts(spec.config.mounts, overlay));
  WIMG_TRY(check_volumes(spec.config.volumes, overlay));

  ViewInput vin;
  vin.overlay = &overlay;
  vin.placements = &placements;
  WIMG_ASSIGN(vin.config, view_config(spec.config));
  for (const auto& s : segments) {
    if (s.size() > 0xffffffffu) return input(shown, "a layer segment is larger than a segment can hold (4 GiB)");
    vin.layer_slot_sizes.push_back(static_cast<std::uint32_t>(s.size()));
  }
  vin.mtime_ns = static_cast<std::uint64_t>(spec.created) * 1'000'000'000u;
  WIMG_ASSIGN(out->view_, encode_view(vin));
  WIMG_ASSIGN(PackManifest manifest, manifest_of(spec, rt, out->module_, shown));
  WIMG_ASSIGN(out->manifest_, encode_pack_manifest(manifest));

  wasm::Edits edits;
  edits.replace_passive.push_back({rt.first_slot, out->view_, nullptr});
  for (std::size_t i = 0; i < segments.size(); ++i) {
    edits.replace_passive.push_back(
        {static_cast<std::uint32_t>(rt.first_slot + 1 + i), segments[i].bytes, segments[i].source});
  }
  edits.add_custom.push_back({std::string(kManifestSectionName), out->manifest_});
  WIMG_ASSIGN(out->plan_, wasm::plan_module(out->module_, edits, shown));
  return out;
}

Result<std::string> assemble(std::string_view prepared, const PackSpec& spec, const ContentReader& read,
                             std::string_view shown) {
  WIMG_TRY(check_spec(spec, shown));
  WIMG_TRY(check_layer_digests(spec));
  std::vector<std::vector<layers::Entry>> stack;
  for (const PackLayer& l : spec.layers) stack.push_back(l.entries);
  WIMG_ASSIGN(BuiltSegments segs, build_segments(stack, read, 1, shown));
  std::vector<SegmentPiece> pieces;
  for (const auto& s : segs.segments) pieces.push_back({s, nullptr});
  WIMG_ASSIGN(auto planned, plan_assembly(prepared, spec, pieces, segs.placements, shown));
  std::string out;
  out.reserve(planned->size());
  WIMG_TRY(planned->write_to([&out](std::string_view b) -> Status {
    out.append(b);
    return {};
  }));
  return out;
}

}  // namespace wimg::pack
