// wimg pull REGISTRY/REPO[:TAG|@DIGEST] — download an image into the store
// and name it as given.
#include <unistd.h>

#include "cli/commands.h"
#include "cli/registry_options.h"
#include "dist/registry.h"
#include "image/images.h"
#include "support/errors.h"

namespace wimg::cli {

namespace {
struct PullArgs {
  std::string source;
  bool insecure = false;
  std::string base;
};
}  // namespace

void register_pull(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<PullArgs>();
  auto* cmd = app.add_subcommand("pull", "Download an image from an OCI registry into the store");
  cmd->add_option("SOURCE", args->source, "HOST[:PORT]/REPO[:TAG] or HOST[:PORT]/REPO@sha256:<hex>")->required();
  cmd->add_flag("--insecure", args->insecure, "plain http (loopback registries always are)");
  cmd->add_option("--base", args->base,
                  "a wimg image to import an image made by other tools onto (its layers go above its layers)");
  cmd->callback([args, &ctx] {
    dist::RemoteRef from = unwrap(dist::parse_remote(args->source));
    std::optional<image::Reference> name;
    // Named as pulled; a pull by digest gets the tag "sha256-<hex>" (a name
    // must keep it from prune, and a tag cannot hold ':').
    std::string tag = from.reference;
    if (tag.starts_with("sha256:")) tag.replace(6, 1, "-");
    name = image::Reference{from.host + "/" + from.repo, tag};
    store::Store store = ctx.open_store();
    std::optional<Digest> onto;
    if (!args->base.empty()) onto = unwrap(image::resolve_image(store, args->base));
    dist::Registry reg(from.host, registry_options(ctx, from.host, args->insecure));
    dist::ImportStats stats;
    dist::BlobHints hints(store, from.host);
    dist::Progress progress(&ctx.err, ::isatty(STDERR_FILENO) == 1, "pull " + from.str());
    reg.set_progress(&progress);
    Digest d = unwrap(dist::pull_image(store, reg, from, name, ctx.import_options(), &stats, &hints, onto));
    progress.finish("fetched");
    if (!stats.foreign_platform.empty()) {
      ctx.out << "imported onto " << args->base << " (an image made by another tool, " << stats.foreign_platform << ")\n";
    }
    ctx.out << "pulled " << from.str() << ": " << stats.blobs_fetched << " blobs fetched (" << stats.bytes_fetched
            << " bytes), " << stats.layers_present << " layers already present\n"
            << d.str() << "\n";
  });
}

}  // namespace wimg::cli
