#include "base/import.h"

#include <ctime>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <nlohmann/json.hpp>

#include "image/base.h"
#include "image/images.h"
#include "runtime/inject/ruby_base.h"
#include "support/fs.h"

namespace wimg::base {

namespace {

// Where a base comes from, after fetching: the interpreter module and the
// module whose embedded tree is taken out (the same one for a local file).
struct Source {
  std::string shown;      // "npm:@ruby/3.4-wasm-wasi@2.10.1" or the path
  std::string origin;     // what history says it came from (no host paths: digests stay the same everywhere)
  std::string base;       // bytes of the base module
  std::string with_tree;  // bytes of the module that embeds the tree (empty: none)
  std::map<std::string, std::string> labels;
};

// image/base.h's check for an import (a prepared base is refused too: an
// import starts from the original module); `ruby`: it is a CRuby reactor.
Status check_module(std::string_view bytes, const std::string& shown, bool* ruby) {
  WIMG_ASSIGN(const image::BaseInfo info, image::check_base(bytes, shown, image::BaseUse::Import));
  *ruby = info.interpreter == &inject::cruby_interpreter();
  return {};
}

// The parts of an npm package of CRuby, and what its labels say.
Source ruby_package(const NpmSpec& spec, std::string shown, std::string interp, std::string full) {
  Source s{std::move(shown), "npm:" + spec.str(), std::move(interp), std::move(full), {}};
  s.labels[std::string(inject::kLabelNpmPackage)] = spec.name;
  s.labels[std::string(inject::kLabelNpmVersion)] = spec.version;
  return s;
}

Result<Source> npm_source(store::Store& store, std::string_view text, const ImportEnv& env) {
  const std::string shown(text);
  WIMG_ASSIGN(NpmSpec spec, parse_npm_spec(text.substr(4), shown));
  const std::string registry = npm_registry(spec.name, env.getenv);
  WIMG_ASSIGN(NpmTarball tgz, fetch_npm_tarball(store, spec, registry, env.http));
  env.note(tgz.cached ? "npm " + spec.str() + ": from the store's cache"
                      : "npm " + spec.str() + ": fetched from " + registry + ", integrity checked");
  const std::string interp = "package/" + std::string(inject::kNpmRubyInterpreter);
  const std::string full = "package/" + std::string(inject::kNpmRubyWithStdlib);
  WIMG_ASSIGN(auto members, read_tarball_members(tgz.bytes, {interp, full}, shown));
  return ruby_package(spec, shown, std::move(members[interp]), std::move(members[full]));
}

// An installed npm package (node_modules/@ruby/3.4-wasm-wasi): the same
// image as `npm:NAME@VERSION` when its files are the registry's.
Result<Source> package_dir_source(const std::string& dir) {
  const std::string pj = dir + "/package.json";
  WIMG_ASSIGN(std::string text, fs::read_file(pj));
  NpmSpec spec;
  try {
    const auto j = nlohmann::json::parse(text);
    spec = {j.at("name").get<std::string>(), j.at("version").get<std::string>()};
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorKind::Input, pj + ": no name and version (" + e.what() + ")");
  }
  WIMG_TRY(parse_npm_spec(spec.str(), pj));
  WIMG_ASSIGN(std::string interp, fs::read_file(dir + "/" + std::string(inject::kNpmRubyInterpreter)));
  WIMG_ASSIGN(std::string full, fs::read_file(dir + "/" + std::string(inject::kNpmRubyWithStdlib)));
  return ruby_package(spec, dir, std::move(interp), std::move(full));
}

Result<Source> file_source(const std::string& path) {
  WIMG_ASSIGN(std::string bytes, fs::read_file(path));
  // Named by content, not by path, so the same module gives the same image.
  Source s{path, sha256_of(bytes).str(), std::move(bytes), {}, {}};
  return s;
}

// The value of `key=` among the END line's space-separated words ("" if absent).
std::string end_field(const std::string& line, std::string_view key) {
  std::istringstream words(line);
  for (std::string w; words >> w;) {
    if (w.size() > key.size() && w.starts_with(key) && w[key.size()] == '=') return w.substr(key.size() + 1);
  }
  return {};
}

// RUBY_RELEASE_DATE ("2025-12-25") as seconds since the epoch at 00:00 UTC.
Result<std::int64_t> release_epoch(const std::string& date, const std::string& shown) {
  std::tm tm{};
  std::istringstream in(date);
  in >> std::get_time(&tm, "%Y-%m-%d");
  if (date.size() != 10 || in.fail() || tm.tm_year < 70) {
    return make_error(ErrorKind::Input, shown + ": RUBY_RELEASE_DATE '" + date + "' is not a date YYYY-MM-DD");
  }
  return static_cast<std::int64_t>(::timegm(&tm));
}

// The CRuby's library, taken out of the module that embeds it, as the
// image's layer at kRubyLibDir (and a preopen there: it must win over the
// module's own wasi-vfs /usr mount).
Status add_ruby_library(store::Store& store, const Source& src, const ImportEnv& env, image::Manifest& m) {
  bool ruby = false;
  WIMG_TRY(check_module(src.with_tree, src.shown, &ruby));
  if (!ruby) return make_error(ErrorKind::Input, src.shown + ": the module with the library is not a CRuby reactor");
  const std::string lib(inject::kRubyLibDir);
  const DumpRequest req{src.with_tree, src.shown, lib, inject::ruby_stdlib_words};
  WIMG_ASSIGN(DumpedTree t, dump_tree(store, req, env.preparer, env.node, env.layer_opts));
  env.note(lib + " of " + src.shown + (t.cached ? " (cached): " : " (taken out by running it with node): ") +
           t.end_line.substr(4));
  if (auto v = end_field(t.end_line, "version"); !v.empty()) m.config.labels[std::string(inject::kLabelRubyVersion)] = v;
  if (!env.created) {
    WIMG_ASSIGN(m.created, release_epoch(end_field(t.end_line, "released"), src.shown));
  }
  if (t.layer.stats.files == 0) {
    env.note(src.shown + " carries no " + lib + ": the base has no standard library");
    return {};
  }
  const std::string by = "import " + src.origin + " " + lib;
  m.layers.push_back({t.layer.digest, t.layer.stats.files, t.layer.stats.bytes, by});
  m.history.push_back({by, false});
  m.config.mounts.push_back(lib);
  return {};
}

}  // namespace

Result<Imported> import_base(store::Store& store, const std::string& source, const ImportEnv& env) {
  WIMG_ASSIGN(auto lock, store.writer_lock());
  Source src;
  const bool package = source.starts_with("npm:") || std::filesystem::is_directory(source);
  if (source.starts_with("npm:")) {
    WIMG_ASSIGN(src, npm_source(store, source, env));
  } else if (package) {
    WIMG_ASSIGN(src, package_dir_source(source));
  } else {
    WIMG_ASSIGN(src, file_source(source));
  }
  bool ruby = false;
  WIMG_TRY(check_module(src.base, src.shown, &ruby));
  if (!ruby && package) {
    return make_error(ErrorKind::Input, src.shown + ": " + std::string(inject::kNpmRubyInterpreter) + " is not a CRuby reactor");
  }
  if (ruby && src.with_tree.empty()) src.with_tree = src.base;

  Imported out;
  out.kind = ruby ? "cruby" : "wasi";
  image::Manifest& m = out.manifest;
  m.created = env.created.value_or(0);  // a CRuby's library may give a date (add_ruby_library)
  WIMG_ASSIGN(Digest base_digest, store.put(src.base));
  m.base = image::BaseRef{base_digest, src.base.size()};
  m.config.labels = src.labels;
  if (ruby) WIMG_TRY(add_ruby_library(store, src, env, m));
  WIMG_ASSIGN(out.digest, image::put_image(store, m));
  return out;
}

}  // namespace wimg::base
