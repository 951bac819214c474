#include "image/manifest.h"

#include <nlohmann/json.hpp>

#include "support/utf8.h"

namespace wimg::image {

void Config::set_env(const std::string& key, const std::string& value) {
  for (auto& e : env) {
    if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=') {
      e = key + "=" + value;
      return;
    }
  }
  env.push_back(key + "=" + value);
}

using nlohmann::json;

std::uint64_t Manifest::total_bytes() const {
  std::uint64_t n = base ? base->size : 0;
  for (const auto& l : layers) n += l.bytes;
  return n;
}

namespace {

// Offset of the first byte that does not decode as UTF-8.
std::optional<std::size_t> first_invalid(std::string_view s) {
  for (std::size_t i = 0, len = 0; i < s.size(); i += len) {
    if (!utf8::decode_at(s, i, &len)) return i;
  }
  return std::nullopt;
}

}  // namespace

Status check_text(const Manifest& m) {
  std::vector<std::pair<std::string, const std::string*>> all{{"WORKDIR", &m.config.workdir}};
  for (const auto& e : m.config.env) all.emplace_back("ENV", &e);
  for (const auto& d : m.config.mounts) all.emplace_back("MOUNT", &d);
  for (const auto& d : m.config.volumes) all.emplace_back("VOLUME", &d);
  if (m.config.entrypoint) {
    for (const auto& a : *m.config.entrypoint) all.emplace_back("ENTRYPOINT", &a);
  }
  if (m.config.cmd) {
    for (const auto& a : *m.config.cmd) all.emplace_back("CMD", &a);
  }
  for (const auto& [k, v] : m.config.labels) {
    all.emplace_back("LABEL key", &k);
    all.emplace_back("LABEL value", &v);
  }
  for (const auto& l : m.layers) all.emplace_back("layer description", &l.created_by);
  for (const auto& h : m.history) all.emplace_back("history", &h.created_by);
  for (const auto& [what, s] : all) {
    if (auto bad = first_invalid(*s)) {
      return make_error(ErrorKind::Input, "image config: " + what + " text is not valid UTF-8 (byte " +
                                              std::to_string(*bad) + " of " + std::to_string(s->size()) + ")");
    }
  }
  return {};
}

std::string encode_manifest(const Manifest& m) {
  json j;
  j["schemaVersion"] = 1;
  j["mediaType"] = kManifestMediaType;
  j["created"] = m.created;
  j["base"] = m.base ? json{{"digest", m.base->digest.str()}, {"size", m.base->size}} : json(nullptr);
  j["layers"] = json::array();
  for (const auto& l : m.layers) {
    j["layers"].push_back({{"digest", l.digest.str()}, {"files", l.files}, {"bytes", l.bytes}, {"created_by", l.created_by}});
  }
  json c;
  c["env"] = m.config.env;
  c["entrypoint"] = m.config.entrypoint ? json(*m.config.entrypoint) : json(nullptr);
  c["cmd"] = m.config.cmd ? json(*m.config.cmd) : json(nullptr);
  c["workdir"] = m.config.workdir;
  c["labels"] = m.config.labels;
  if (!m.config.mounts.empty()) c["mounts"] = m.config.mounts;
  if (!m.config.volumes.empty()) c["volumes"] = m.config.volumes;
  j["config"] = c;
  j["history"] = json::array();
  for (const auto& h : m.history) j["history"].push_back({{"created_by", h.created_by}, {"empty_layer", h.empty_layer}});
  // nlohmann::json objects are std::map-backed: keys come out sorted.
  return j.dump();
}

namespace {

struct Decoder {
  std::string_view shown;
  Error fail(const std::string& why) const {
    return make_error(ErrorKind::Corrupt, "image manifest " + std::string(shown) + ": " + why);
  }
};

Result<std::optional<std::vector<std::string>>> string_list_or_null(const json& v, const Decoder& d, const char* key) {
  if (v.is_null()) return std::optional<std::vector<std::string>>{};
  if (!v.is_array()) return d.fail(std::string(key) + " must be a list of strings or null");
  std::vector<std::string> out;
  for (const auto& s : v) {
    if (!s.is_string()) return d.fail(std::string(key) + " must be a list of strings");
    out.push_back(s.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<Digest> digest_field(const json& obj, const Decoder& d, const char* where) {
  if (!obj.is_object() || !obj.contains("digest") || !obj["digest"].is_string()) return d.fail(std::string(where) + " lacks a digest");
  auto r = Digest::parse(obj["digest"].get<std::string>());
  if (!r.ok()) return d.fail(std::string(where) + ": " + r.error().message);
  return r;
}

Result<std::uint64_t> uint_field(const json& obj, const Decoder& d, const char* key) {
  if (!obj.contains(key) || !obj[key].is_number_unsigned()) return d.fail(std::string("missing or bad \"") + key + "\"");
  return obj[key].get<std::uint64_t>();
}

Status decode_config(const json& c, Manifest& m, const Decoder& d) {
  if (!c.is_object()) return d.fail("config must be an object");
  const json env = c.value("env", json::array());
  if (!env.is_array()) return d.fail("config.env must be a list of strings");
  for (const auto& e : env) {
    if (!e.is_string()) return d.fail("config.env must be a list of strings");
    m.config.env.push_back(e.get<std::string>());
  }
  WIMG_ASSIGN(m.config.entrypoint, string_list_or_null(c.value("entrypoint", json(nullptr)), d, "config.entrypoint"));
  WIMG_ASSIGN(m.config.cmd, string_list_or_null(c.value("cmd", json(nullptr)), d, "config.cmd"));
  const json wd = c.value("workdir", json(""));
  if (!wd.is_string()) return d.fail("config.workdir must be a string");
  m.config.workdir = wd.get<std::string>();
  const json labels = c.value("labels", json::object());
  if (!labels.is_object()) return d.fail("config.labels must be an object");
  for (const auto& [k, v] : labels.items()) {
    if (!v.is_string()) return d.fail("config.labels values must be strings");
    m.config.labels[k] = v.get<std::string>();
  }
  const json volumes = c.value("volumes", json::array());
  if (!volumes.is_array()) return d.fail("config.volumes must be a list of strings");
  for (const auto& e : volumes) {
    if (!e.is_string()) return d.fail("config.volumes must be a list of strings");
    m.config.volumes.push_back(e.get<std::string>());
  }
  const json mounts = c.value("mounts", json::array());
  if (!mounts.is_array()) return d.fail("config.mounts must be a list of strings");
  for (const auto& e : mounts) {
    if (!e.is_string()) return d.fail("config.mounts must be a list of strings");
    m.config.mounts.push_back(e.get<std::string>());
  }
  return {};
}

}  // namespace

Result<Manifest> decode_manifest(std::string_view text, std::string_view shown) {
  Decoder d{shown};
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return d.fail("not a JSON object");
  if (j.value("schemaVersion", 0) != 1) return d.fail("unsupported schemaVersion");
  if (j.value("mediaType", std::string()) != kManifestMediaType) return d.fail("unexpected mediaType");
  Manifest m;
  if (j.contains("created") && j["created"].is_number_integer()) m.created = j["created"].get<std::int64_t>();
  if (j.contains("base") && !j["base"].is_null()) {
    BaseRef b;
    WIMG_ASSIGN(b.digest, digest_field(j["base"], d, "base"));
    WIMG_ASSIGN(b.size, uint_field(j["base"], d, "size"));
    m.base = b;
  }
  if (!j.contains("layers") || !j["layers"].is_array()) return d.fail("layers must be a list");
  for (const auto& l : j["layers"]) {
    LayerRef r;
    WIMG_ASSIGN(r.digest, digest_field(l, d, "layer"));
    WIMG_ASSIGN(r.files, uint_field(l, d, "files"));
    WIMG_ASSIGN(r.bytes, uint_field(l, d, "bytes"));
    r.created_by = l.value("created_by", std::string());
    m.layers.push_back(std::move(r));
  }
  WIMG_TRY(decode_config(j.value("config", json::object()), m, d));
  const json history = j.value("history", json::array());
  if (!history.is_array()) return d.fail("history must be a list");
  for (const auto& h : history) {
    if (!h.is_object()) return d.fail("history items must be objects");
    m.history.push_back({h.value("created_by", std::string()), h.value("empty_layer", false)});
  }
  return m;
}

}  // namespace wimg::image
