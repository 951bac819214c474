// wimg import SOURCE [-t NAME[:TAG]]... — a base image from npm or a .wasm
// file (base/import.h); prints the image digest as the last stdout line.
#include <nlohmann/json.hpp>

#include "base/import.h"
#include "cli/commands.h"
#include "cli/preparer.h"
#include "cli/wasi_host.h"
#include "image/images.h"
#include "support/errors.h"

namespace wimg::cli {

namespace {

struct ImportArgs {
  std::string source;
  std::vector<std::string> tags;
  bool json = false;
};

void run_import(const ImportArgs& a, const Context& ctx) {
  std::vector<image::Reference> refs;
  for (const auto& t : a.tags) refs.push_back(unwrap(image::parse_reference(t)));
  store::Store store = ctx.open_store();
  base::ImportEnv env;
  env.preparer = guest_preparer();
  env.node = [&]() -> Result<std::vector<std::string>> {
    try {
      HostChoice h = choose_host("node", ctx);
      return std::vector<std::string>{h.program, runner_script(store)};
    } catch (const Failure& f) {
      return make_error(f.kind(), std::string("import needs node >= 24 to take a CRuby's library out: ") + f.what());
    }
  };
  env.getenv = ctx.getenv;
  env.http = base::curl_get;
  env.created = ctx.source_date_epoch();
  env.layer_opts = ctx.import_options();
  env.note = [&](const std::string& line) { ctx.err << line << "\n"; };
  // Held until the names exist: prune must not collect the new image.
  auto lock = unwrap(store.writer_lock());
  base::Imported im = unwrap(base::import_base(store, a.source, env));
  for (const auto& r : refs) unwrap(image::tag_image(store, im.digest, r));
  if (a.json) {
    nlohmann::json j{{"digest", im.digest.str()}, {"kind", im.kind}, {"layers", im.manifest.layers.size()}};
    ctx.out << j.dump() << "\n";
    return;
  }
  ctx.out << "imported " << a.source << " (" << im.kind << "): " << im.manifest.layers.size() << " layer(s)\n";
  ctx.out << im.digest.str() << "\n";
}

}  // namespace

void register_import(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ImportArgs>();
  auto* cmd = app.add_subcommand("import", "Make a base image from npm:NAME@VERSION, a package DIR or a .wasm file; prints its digest");
  cmd->add_option("source", a->source, "npm:NAME@VERSION (CRuby for WASI from npm), an installed npm package DIR, or FILE.wasm")->required();
  cmd->add_option("-t,--tag", a->tags, "Name the image name:tag (repeatable)");
  cmd->add_flag("--json", a->json, "Print {\"digest\",\"kind\",\"layers\"}");
  cmd->callback([a, &ctx] { run_import(*a, ctx); });
}

}  // namespace wimg::cli
