#include "runtime/pack/sections.h"

#include <nlohmann/json.hpp>

#include "runtime/guest/wimg_abi.h"
#include "runtime/inject/interpreter.h"
#include "support/utf8.h"

namespace wimg::pack {

using nlohmann::json;

namespace {

// Typed field access that never throws: every mismatch is a clean error.
struct Fields {
  std::string what;  // "<file>: wimg.manifest"
  Error fail(const std::string& why) const { return make_error(ErrorKind::Corrupt, what + ": " + why); }

  Result<const json*> get(const json& obj, const char* key) const {
    if (!obj.is_object() || !obj.contains(key)) return fail(std::string("missing \"") + key + "\"");
    return &obj[key];
  }
  Result<std::uint64_t> uint(const json& obj, const char* key, std::uint64_t max = UINT64_MAX) const {
    WIMG_ASSIGN(const json* v, get(obj, key));
    if (!v->is_number_unsigned() || v->get<std::uint64_t>() > max) return fail(std::string("bad \"") + key + "\"");
    return v->get<std::uint64_t>();
  }
  Result<std::string> string(const json& obj, const char* key) const {
    WIMG_ASSIGN(const json* v, get(obj, key));
    if (!v->is_string()) return fail(std::string("\"") + key + "\" must be a string");
    return v->get<std::string>();
  }
  Result<Digest> digest(const json& obj, const char* key) const {
    WIMG_ASSIGN(std::string s, string(obj, key));
    auto d = Digest::parse(s);
    if (!d.ok()) return fail(std::string("\"") + key + "\": " + d.error().message);
    return d;
  }
  Result<std::vector<std::string>> strings(const json& v, const char* key) const {
    if (!v.is_array()) return fail(std::string("\"") + key + "\" must be a list of strings");
    std::vector<std::string> out;
    for (const auto& s : v) {
      if (!s.is_string()) return fail(std::string("\"") + key + "\" must be a list of strings");
      out.push_back(s.get<std::string>());
    }
    return out;
  }
  Result<std::optional<std::vector<std::string>>> strings_or_null(const json& obj, const char* key) const {
    WIMG_ASSIGN(const json* v, get(obj, key));
    if (v->is_null()) return std::optional<std::vector<std::string>>();
    WIMG_ASSIGN(auto list, strings(*v, key));
    return std::optional<std::vector<std::string>>(std::move(list));
  }
};

json list_or_null(const std::optional<std::vector<std::string>>& v) {
  return v ? json(*v) : json(nullptr);
}

Status check_utf8(const PackManifest& m) {
  std::vector<const std::string*> all{&m.config.workdir};
  for (const auto* list : {&m.config.env, &m.config.mounts, &m.config.volumes}) {
    for (const auto& s : *list) all.push_back(&s);
  }
  for (const auto* list : {&m.config.entrypoint, &m.config.cmd}) {
    if (*list) {
      for (const auto& s : **list) all.push_back(&s);
    }
  }
  for (const auto& [k, v] : m.config.labels) {
    all.push_back(&k);
    all.push_back(&v);
  }
  for (const auto& l : m.layers) all.push_back(&l.created_by);
  for (const auto& h : m.history) all.push_back(&h.created_by);
  for (const std::string* s : all) {
    if (!utf8::valid(*s)) return make_error(ErrorKind::Input, "image config value \"" + *s + "\" is not valid UTF-8");
  }
  return {};
}

Status decode_config(const json& c, PackedConfig& out, const Fields& f) {
  if (!c.is_object()) return f.fail("config must be an object");
  WIMG_ASSIGN(out.entrypoint, f.strings_or_null(c, "entrypoint"));
  WIMG_ASSIGN(out.cmd, f.strings_or_null(c, "cmd"));
  WIMG_ASSIGN(const json* env, f.get(c, "env"));
  WIMG_ASSIGN(out.env, f.strings(*env, "env"));
  WIMG_ASSIGN(const json* mounts, f.get(c, "mounts"));
  WIMG_ASSIGN(out.mounts, f.strings(*mounts, "mounts"));
  if (c.contains("volumes")) {
    WIMG_ASSIGN(out.volumes, f.strings(c["volumes"], "volumes"));
  }
  WIMG_ASSIGN(out.workdir, f.string(c, "workdir"));
  WIMG_ASSIGN(const json* labels, f.get(c, "labels"));
  if (!labels->is_object()) return f.fail("\"labels\" must be an object");
  for (const auto& [k, v] : labels->items()) {
    if (!v.is_string()) return f.fail("label values must be strings");
    out.labels[k] = v.get<std::string>();
  }
  return {};
}

Status decode_layers(const json& list, PackManifest& m, const Fields& f) {
  if (!list.is_array()) return f.fail("\"layers\" must be a list");
  for (const auto& l : list) {
    PackedLayer p;
    WIMG_ASSIGN(p.digest, f.digest(l, "digest"));
    WIMG_ASSIGN(std::uint64_t slot, f.uint(l, "slot", WIMG_SLOTS - 1));
    p.slot = static_cast<std::uint32_t>(slot);
    WIMG_ASSIGN(p.files, f.uint(l, "files"));
    WIMG_ASSIGN(p.bytes, f.uint(l, "bytes"));
    WIMG_ASSIGN(p.created_by, f.string(l, "created_by"));
    m.layers.push_back(std::move(p));
  }
  return {};
}

Status decode_history(const json& list, PackManifest& m, const Fields& f) {
  if (!list.is_array()) return f.fail("\"history\" must be a list");
  for (const auto& h : list) {
    PackedHistory p;
    WIMG_ASSIGN(p.created_by, f.string(h, "created_by"));
    WIMG_ASSIGN(const json* empty, f.get(h, "empty_layer"));
    if (!empty->is_boolean()) return f.fail("\"empty_layer\" must be a boolean");
    p.empty_layer = empty->get<bool>();
    m.history.push_back(std::move(p));
  }
  return {};
}

}  // namespace

std::string encode_runtime_section(const RuntimeSection& r) {
  json j{{"base", r.base.str()},       {"first_slot", r.first_slot}, {"region_pages", r.region_pages},
         {"runtime", r.runtime.str()}, {"slots", r.slots},           {"version", r.version}};
  if (!r.abi.empty()) j["abi"] = r.abi;
  return j.dump();
}

Result<RuntimeSection> decode_runtime_section(std::string_view text, std::string_view shown) {
  Fields f{std::string(shown) + ": custom section " + std::string(kRuntimeSectionName)};
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return f.fail("not a JSON object");
  RuntimeSection r;
  WIMG_ASSIGN(std::uint64_t version, f.uint(j, "version"));
  if (version != 1) return f.fail("unsupported version " + std::to_string(version));
  WIMG_ASSIGN(r.base, f.digest(j, "base"));
  WIMG_ASSIGN(r.runtime, f.digest(j, "runtime"));
  WIMG_ASSIGN(std::uint64_t first, f.uint(j, "first_slot", UINT32_MAX));
  WIMG_ASSIGN(std::uint64_t pages, f.uint(j, "region_pages", UINT32_MAX));
  WIMG_ASSIGN(std::uint64_t slots, f.uint(j, "slots"));
  if (slots != WIMG_SLOTS)
    return f.fail("has " + std::to_string(slots) + " slots, this wimg uses " + std::to_string(WIMG_SLOTS));
  r.first_slot = static_cast<std::uint32_t>(first);
  r.region_pages = static_cast<std::uint32_t>(pages);
  r.slots = WIMG_SLOTS;
  if (j.contains("abi")) {
    if (!j["abi"].is_string() || inject::interpreter_of_command_abi(j["abi"].get<std::string>()) == nullptr) {
      return f.fail("unknown \"abi\" " + j["abi"].dump());
    }
    r.abi = j["abi"].get<std::string>();
  }
  return r;
}

Result<std::string> encode_pack_manifest(const PackManifest& m) {
  WIMG_TRY(check_utf8(m));
  json j;
  j["schemaVersion"] = 1;
  j["mediaType"] = kPackedMediaType;
  j["created"] = m.created;
  j["base"] = json{{"digest", m.base.str()}};
  if (m.base_size) j["base"]["size"] = *m.base_size;
  j["prepared"] = json{{"digest", m.prepared.str()}, {"size", m.prepared_size}};
  j["runtime"] = m.runtime.str();
  j["layers"] = json::array();
  for (const auto& l : m.layers) {
    j["layers"].push_back({{"digest", l.digest.str()},
                           {"slot", l.slot},
                           {"files", l.files},
                           {"bytes", l.bytes},
                           {"created_by", l.created_by}});
  }
  j["config"] = json{{"entrypoint", list_or_null(m.config.entrypoint)},
                     {"cmd", list_or_null(m.config.cmd)},
                     {"env", m.config.env},
                     {"workdir", m.config.workdir},
                     {"mounts", m.config.mounts},
                     {"labels", m.config.labels}};
  if (!m.config.volumes.empty()) j["config"]["volumes"] = m.config.volumes;
  j["history"] = json::array();
  for (const auto& h : m.history)
    j["history"].push_back({{"created_by", h.created_by}, {"empty_layer", h.empty_layer}});
  return j.dump();  // std::map-backed objects: keys sorted, no whitespace
}

Result<PackManifest> decode_pack_manifest(std::string_view text, std::string_view shown) {
  Fields f{std::string(shown) + ": custom section " + std::string(kManifestSectionName)};
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return f.fail("not a JSON object");
  WIMG_ASSIGN(std::uint64_t schema, f.uint(j, "schemaVersion"));
  if (schema != 1) return f.fail("unsupported schemaVersion " + std::to_string(schema));
  WIMG_ASSIGN(std::string media, f.string(j, "mediaType"));
  if (media != kPackedMediaType) return f.fail("unexpected mediaType \"" + media + "\"");
  PackManifest m;
  WIMG_ASSIGN(const json* created, f.get(j, "created"));
  if (!created->is_number_integer()) return f.fail("\"created\" must be an integer");
  m.created = created->get<std::int64_t>();
  WIMG_ASSIGN(const json* base, f.get(j, "base"));
  WIMG_ASSIGN(m.base, f.digest(*base, "digest"));
  if (base->contains("size")) {
    WIMG_ASSIGN(m.base_size, f.uint(*base, "size"));
  }
  WIMG_ASSIGN(const json* prepared, f.get(j, "prepared"));
  WIMG_ASSIGN(m.prepared, f.digest(*prepared, "digest"));
  WIMG_ASSIGN(m.prepared_size, f.uint(*prepared, "size"));
  WIMG_ASSIGN(m.runtime, f.digest(j, "runtime"));
  WIMG_ASSIGN(const json* layers, f.get(j, "layers"));
  WIMG_TRY(decode_layers(*layers, m, f));
  WIMG_ASSIGN(const json* config, f.get(j, "config"));
  WIMG_TRY(decode_config(*config, m.config, f));
  WIMG_ASSIGN(const json* history, f.get(j, "history"));
  WIMG_TRY(decode_history(*history, m, f));
  return m;
}

}  // namespace wimg::pack
