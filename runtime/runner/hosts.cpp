#include "runtime/runner/hosts.h"

#include <charconv>

#include "runtime/pack/upper.h"

namespace wimg::runner {

std::string_view host_name(Host h) {
  switch (h) {
    case Host::Wasmtime:
      return "wasmtime";
    case Host::Wasmer:
      return "wasmer";
    case Host::Wasmedge:
      return "wasmedge";
    case Host::Node:
      return "node";
  }
  return "?";
}

Result<Host> parse_host(std::string_view name) {
  for (Host h : kHostOrder) {
    if (host_name(h) == name) return h;
  }
  return make_error(ErrorKind::Usage,
                    "--host " + std::string(name) + ": unknown WASI host (wasmtime, wasmer, wasmedge or node)");
}

namespace {

// Strips a trailing ":ro" / ":rw" mode; true for ":ro".
bool take_mode(std::string_view& s) {
  for (std::string_view m : {":ro", ":rw"}) {
    if (s.size() > m.size() && s.ends_with(m)) {
      s.remove_suffix(m.size());
      return m == ":ro";
    }
  }
  return false;
}

}  // namespace

Result<DirMap> parse_dir(std::string_view spec) {
  std::string_view rest = spec;
  const bool ro = take_mode(rest);
  auto sep = rest.find("::");
  DirMap d{std::string(rest.substr(0, sep)), std::string(sep == std::string_view::npos ? rest : rest.substr(sep + 2)),
           ro};
  if (d.host.empty() || d.guest.empty()) {
    return make_error(ErrorKind::Usage, "--dir " + std::string(spec) + ": expected HOST::GUEST or HOST, then :ro or :rw");
  }
  if (ro && d.guest.find(':') != std::string::npos) {  // WIMG_READONLY separates paths with ':'
    return make_error(ErrorKind::Usage, "--dir " + std::string(spec) + ": a read-only guest path cannot contain ':'");
  }
  return d;
}

Result<DirMap> parse_volume(std::string_view spec) {
  std::string_view rest = spec;
  const bool ro = take_mode(rest);
  auto sep = rest.find(':');
  if (sep == std::string_view::npos || sep == 0 || sep + 1 == rest.size() ||
      rest.find(':', sep + 1) != std::string_view::npos) {
    return make_error(ErrorKind::Usage, "-v " + std::string(spec) + ": expected HOST:GUEST[:ro|:rw]");
  }
  return DirMap{std::string(rest.substr(0, sep)), std::string(rest.substr(sep + 1)), ro};
}

namespace {

// A module path that looks like an option would be taken for one.
std::string module_arg(const std::string& m) { return m.starts_with("-") ? "./" + m : m; }

}  // namespace

std::vector<std::string> host_argv(Host h, const std::string& program, const std::string& runner,
                                   const RunRequest& r) {
  std::vector<std::string> v{program};
  std::vector<std::string> env = r.env;
  std::string readonly;
  for (const auto& d : r.dirs) {
    if (d.ro) readonly += (readonly.empty() ? "" : ":") + d.guest;
  }
  if (!readonly.empty()) env.push_back(std::string(kReadonlyVar) + "=" + readonly);
  if (r.upper) env.push_back(std::string(pack::kUpperVar) + "=" + *r.upper);
  auto add = [&v](std::string_view opt, std::string val) {
    v.emplace_back(opt);
    v.push_back(std::move(val));
  };
  switch (h) {
    case Host::Wasmtime:  // wasmtime run [--dir HOST::GUEST] [--env K=V] FILE ARGS...
      v.emplace_back("run");
      for (const auto& d : r.dirs) add("--dir", d.host + "::" + d.guest);
      for (const auto& e : env) add("--env", e);
      v.push_back(module_arg(r.module));
      break;
    case Host::Wasmer:  // wasmer run [--mapdir GUEST:HOST] [--env K=V] FILE -- ARGS...
      v.emplace_back("run");
      for (const auto& d : r.dirs) add("--mapdir", d.guest + ":" + d.host);
      for (const auto& e : env) add("--env", e);
      v.push_back(module_arg(r.module));
      v.emplace_back("--");
      break;
    case Host::Wasmedge:  // wasmedge [--dir GUEST:HOST] [--env K=V] FILE ARGS...
      for (const auto& d : r.dirs) add("--dir", d.guest + ":" + d.host);
      for (const auto& e : env) add("--env", e);
      v.push_back(module_arg(r.module));
      break;
    case Host::Node:  // node wasi-run.mjs [--dir HOST::GUEST] [--env K=V] -- FILE ARGS...
      v.push_back(runner);
      for (const auto& d : r.dirs) add("--dir", d.host + "::" + d.guest);
      for (const auto& e : env) add("--env", e);
      if (r.clock) add("--clock", std::to_string(*r.clock));
      if (r.seed) add("--seed", *r.seed);
      v.emplace_back("--");
      v.push_back(r.module);
      break;
  }
  v.insert(v.end(), r.args.begin(), r.args.end());
  return v;
}

std::optional<int> node_major(std::string_view out) {
  if (!out.starts_with("v")) return std::nullopt;
  int major = 0;
  auto [p, ec] = std::from_chars(out.data() + 1, out.data() + out.size(), major);
  if (ec != std::errc() || p == out.data() + 1 || p == out.data() + out.size() || *p != '.') return std::nullopt;
  return major;
}

}  // namespace wimg::runner
