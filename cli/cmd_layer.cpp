// wimg layer add PATH | wimg layer ls DIGEST — layer plumbing.
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "layers/import.h"
#include "layers/index.h"
#include "support/errors.h"

namespace wimg::cli {

namespace {

struct AddArgs {
  std::string path;
  bool json = false;
  bool no_stat_cache = false;
};

void run_add(const AddArgs& a, const Context& ctx) {
  store::Store store = ctx.open_store();
  layers::ImportOptions opts = ctx.import_options();
  opts.use_stat_cache = !a.no_stat_cache;
  auto r = unwrap(layers::import_path(store, a.path, opts));
  if (a.json) {
    nlohmann::json j{{"digest", r.digest.str()}, {"files", r.stats.files}, {"bytes", r.stats.bytes}};
    ctx.out << j.dump() << "\n";
  } else {
    ctx.out << r.digest.str() << "\n";
  }
}

struct LsArgs {
  std::string digest;
  bool json = false;
};

void run_ls(const LsArgs& a, const Context& ctx) {
  store::Store store = ctx.open_store();
  Digest d = unwrap(Digest::parse(a.digest));
  std::string bytes = unwrap(store.get(d));
  auto entries = unwrap(layers::decode_index(bytes, d.str()));
  if (a.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& e : entries) {
      nlohmann::json j{{"kind", layers::kind_name(e.kind)}, {"path", e.path}, {"mode", e.mode}, {"size", e.size}};
      if (e.kind == layers::Kind::File) j["digest"] = e.digest.str();
      if (e.kind == layers::Kind::Symlink) j["target"] = e.target;
      arr.push_back(std::move(j));
    }
    ctx.out << arr.dump(2) << "\n";
    return;
  }
  for (const auto& e : entries) {
    char head[48];
    std::snprintf(head, sizeof head, "%c %04o %12llu ", layers::kind_letter(e.kind), e.mode,
                  static_cast<unsigned long long>(e.size));
    ctx.out << head << e.path;
    if (e.kind == layers::Kind::Symlink) ctx.out << " -> " << e.target;
    ctx.out << "\n";
  }
}

}  // namespace

void register_layer(CLI::App& app, Context& ctx) {
  auto* layer = app.add_subcommand("layer", "Layer plumbing: add a tree or archive, list a layer");
  layer->require_subcommand(1);

  auto add_args = std::make_shared<AddArgs>();
  auto* add = layer->add_subcommand("add", "Store a directory or archive as a layer; prints its digest last");
  add->add_option("PATH", add_args->path, "Directory, or tar/tar.gz/bz2/xz/zst/zip archive")->required();
  add->add_flag("--json", add_args->json, "Print {\"digest\",\"files\",\"bytes\"}");
  add->add_flag("--no-stat-cache", add_args->no_stat_cache, "Re-hash every file");
  add->callback([add_args, &ctx] { run_add(*add_args, ctx); });

  auto ls_args = std::make_shared<LsArgs>();
  auto* ls = layer->add_subcommand("ls", "List a layer's entries: kind, mode, size, path, link target");
  ls->add_option("DIGEST", ls_args->digest, "sha256:<hex>")->required();
  ls->add_flag("--json", ls_args->json, "JSON output");
  ls->callback([ls_args, &ctx] { run_ls(*ls_args, ctx); });
}

}  // namespace wimg::cli
