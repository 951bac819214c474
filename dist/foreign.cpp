#include "dist/foreign.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "layers/path.h"

namespace wimg::dist {

using nlohmann::json;

namespace {

Error bad(const std::string& where, const std::string& why) { return make_error(ErrorKind::Corrupt, where + ": " + why); }

// "2024-05-06T12:34:56[.fraction](Z|+hh:mm|-hh:mm)" -> seconds since the epoch.
std::optional<std::int64_t> parse_rfc3339(const std::string& s) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &consumed) != 6 || consumed != 19) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    do ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9');
  }
  std::int64_t offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int hh = 0, mm = 0, n = 0;
    if (std::sscanf(s.c_str() + i + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 || n != 5) return std::nullopt;
    offset = (s[i] == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm)) - offset;
}

Result<std::vector<std::string>> strings(const json& v, const std::string& where, const std::string& field) {
  if (!v.is_array()) return bad(where, "config." + field + " is not a list of strings");
  std::vector<std::string> out;
  for (const auto& s : v) {
    if (!s.is_string()) return bad(where, "config." + field + " is not a list of strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

// An absolute guest directory in canonical form ("/a/b"), "/" for the root.
Result<std::string> guest_dir(const std::string& p, const std::string& where, const std::string& field) {
  if (!p.starts_with("/")) return bad(where, "config." + field + " \"" + p + "\" is not an absolute path");
  auto n = layers::normalize_member_name(std::string_view(p).substr(1));
  if (!n.ok()) return bad(where, "config." + field + ": " + n.error().message);
  return "/" + *n;
}

Status parse_run_config(const json& c, ForeignConfig& f, const std::string& where) {
  if (c.contains("Env") && !c["Env"].is_null()) {
    WIMG_ASSIGN(f.env, strings(c["Env"], where, "Env"));
    for (const auto& e : f.env) {
      if (e.find('=') == std::string::npos || e.front() == '=') return bad(where, "config.Env entry \"" + e + "\" is not KEY=VALUE");
    }
  }
  if (c.contains("Entrypoint") && !c["Entrypoint"].is_null()) {
    WIMG_ASSIGN(f.entrypoint, strings(c["Entrypoint"], where, "Entrypoint"));
  }
  if (c.contains("Cmd") && !c["Cmd"].is_null()) {
    WIMG_ASSIGN(f.cmd, strings(c["Cmd"], where, "Cmd"));
  }
  if (c.contains("WorkingDir") && c["WorkingDir"].is_string() && !c["WorkingDir"].get<std::string>().empty()) {
    WIMG_ASSIGN(f.workdir, guest_dir(c["WorkingDir"].get<std::string>(), where, "WorkingDir"));
  }
  if (c.contains("Labels") && c["Labels"].is_object()) {
    for (const auto& [k, v] : c["Labels"].items()) {
      if (!v.is_string()) return bad(where, "config.Labels[\"" + k + "\"] is not a string");
      f.labels[k] = v.get<std::string>();
    }
  }
  if (c.contains("Volumes") && c["Volumes"].is_object()) {
    for (const auto& [k, v] : c["Volumes"].items()) {
      WIMG_ASSIGN(std::string dir, guest_dir(k, where, "Volumes"));
      if (dir == "/") return bad(where, "config.Volumes: the root cannot be a volume");
      f.volumes.push_back(dir);
    }
  }
  return {};
}

}  // namespace

bool is_wimg_config(const json& config) { return config.contains("wimg"); }

Result<ForeignConfig> parse_foreign_config(const json& config, const std::string& where) {
  ForeignConfig f;
  std::string os = config.value("os", json("")).is_string() ? config.value("os", "") : "";
  std::string arch = config.value("architecture", json("")).is_string() ? config.value("architecture", "") : "";
  f.platform = os.empty() && arch.empty() ? "unknown" : os + "/" + arch;
  if (config.contains("created") && config["created"].is_string()) {
    f.created = parse_rfc3339(config["created"].get<std::string>());
    if (!f.created) return bad(where, "created \"" + config["created"].get<std::string>() + "\" is not an RFC 3339 time");
  }
  if (config.contains("config") && config["config"].is_object()) WIMG_TRY(parse_run_config(config["config"], f, where));
  if (config.contains("history") && config["history"].is_array()) {
    for (const auto& h : config["history"]) {
      if (!h.is_object()) return bad(where, "a history item is not an object");
      image::HistoryItem item;
      item.created_by = h.value("created_by", json("")).is_string() ? h.value("created_by", "") : "";
      item.empty_layer = h.value("empty_layer", json(false)).is_boolean() && h.value("empty_layer", false);
      f.history.push_back(std::move(item));
    }
  }
  return f;
}

Error foreign_without_base(const ForeignConfig& f, std::size_t layers, const std::string& where) {
  return make_error(ErrorKind::Input,
                    where + ": not a wimg image (its config has no \"wimg\" object: made by another tool, a " + f.platform +
                        " image of " + std::to_string(layers) + (layers == 1 ? " layer" : " layers") +
                        " without a WebAssembly base module); import its layers onto a wimg base image with "
                        "`wimg load --base IMAGE` or `wimg pull --base IMAGE` (e.g. --base ruby:3.4)");
}

image::Manifest foreign_manifest(image::Manifest base, const ForeignConfig& f, std::vector<image::LayerRef> layers,
                                 const Digest& oci_manifest) {
  image::Manifest m = std::move(base);
  if (f.created) m.created = *f.created;
  for (const auto& e : f.env) {
    auto eq = e.find('=');
    m.config.set_env(e.substr(0, eq), e.substr(eq + 1));
  }
  // The image's final Entrypoint/Cmd replace the base's; an Entrypoint
  // without a Cmd drops the base's Cmd, as ENTRYPOINT does after FROM.
  if (f.entrypoint) {
    m.config.entrypoint = f.entrypoint;
    m.config.cmd = f.cmd;
  } else if (f.cmd) {
    m.config.cmd = f.cmd;
  }
  if (!f.workdir.empty()) m.config.workdir = f.workdir;
  for (const auto& [k, v] : f.labels) m.config.labels[k] = v;
  for (const auto& v : f.volumes) {
    if (std::find(m.config.volumes.begin(), m.config.volumes.end(), v) == m.config.volumes.end()) m.config.volumes.push_back(v);
  }
  // Each layer is described by its history item when the history has one
  // per layer (as Docker, BuildKit and umoci write it); else by its place.
  std::size_t with_layer = 0;
  for (const auto& h : f.history) with_layer += h.empty_layer ? 0 : 1;
  const bool described = with_layer == layers.size();
  m.history.push_back({"IMPORT OCI image " + oci_manifest.str() + " (" + f.platform + ")", true});
  if (described) {
    std::size_t i = 0;
    for (const auto& h : f.history) {
      if (!h.empty_layer) layers[i++].created_by = h.created_by;
      m.history.push_back(h);
    }
  } else {
    for (std::size_t i = 0; i < layers.size(); ++i) {
      layers[i].created_by = "OCI layer " + std::to_string(i + 1) + " of " + oci_manifest.str();
      m.history.push_back({layers[i].created_by, false});
    }
  }
  for (auto& l : layers) m.layers.push_back(std::move(l));
  return m;
}

}  // namespace wimg::dist
