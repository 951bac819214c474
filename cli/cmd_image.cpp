// wimg image create — assemble an image manifest from a base and layers
// (plumbing; `wimg build` is the porcelain that arrives later).
#include "cli/commands.h"
#include "image/images.h"
#include "layers/import.h"
#include "layers/index.h"
#include "support/errors.h"

namespace wimg::cli {

namespace {

struct CreateArgs {
  std::vector<std::string> tags;
  std::string base;
  std::vector<std::string> layers;
  std::vector<std::string> env;
};

image::LayerRef layer_from_arg(store::Store& store, const std::string& arg, const Context& ctx) {
  if (arg.starts_with("sha256:")) {
    Digest d = unwrap(Digest::parse(arg));
    auto entries = unwrap(layers::decode_index(unwrap(store.get(d)), d.str()));
    auto st = layers::stats_of(entries);
    return {d, st.files, st.bytes, "layer " + d.str()};
  }
  auto r = unwrap(layers::import_path(store, arg, ctx.import_options()));
  return {r.digest, r.stats.files, r.stats.bytes, "layer add " + arg};
}

void run_create(const CreateArgs& a, const Context& ctx) {
  std::vector<image::Reference> refs;
  for (const auto& t : a.tags) refs.push_back(unwrap(image::parse_reference(t)));
  store::Store store = ctx.open_store();
  // Held from the first object to the ref that makes them reachable: a
  // concurrent prune waits instead of collecting a half-made image.
  auto lock = unwrap(store.writer_lock());
  image::Manifest m;
  m.created = ctx.source_date_epoch().value_or(0);
  if (!a.base.empty()) m.base = unwrap(image::put_base_wasm(store, a.base));
  for (const auto& l : a.layers) {
    m.layers.push_back(layer_from_arg(store, l, ctx));
    m.history.push_back({m.layers.back().created_by, false});
  }
  m.config.env = a.env;
  Digest d = unwrap(image::put_image(store, m));
  for (const auto& r : refs) unwrap(image::tag_image(store, d, r));
  ctx.out << d.str() << "\n";
}

}  // namespace

void register_image(CLI::App& app, Context& ctx) {
  auto* image = app.add_subcommand("image", "Image plumbing");
  image->require_subcommand(1);
  auto args = std::make_shared<CreateArgs>();
  auto* create = image->add_subcommand("create", "Create an image from a base .wasm and layers; prints its digest");
  create->add_option("-t,--tag", args->tags, "Name the image name:tag (repeatable)");
  create->add_option("--base", args->base, "Base WebAssembly module");
  create->add_option("--layer", args->layers, "Layer digest, directory or archive (repeatable, bottom first)");
  create->add_option("--env", args->env, "K=V baked into the image config (repeatable)");
  create->callback([args, &ctx] { run_create(*args, ctx); });
}

}  // namespace wimg::cli
