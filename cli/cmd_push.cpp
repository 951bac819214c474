// wimg push [--artifact] IMAGE [REGISTRY/REPO[:TAG]] — upload an image to a
// registry, or its rendered .wasm as a CNCF wasm artifact.
#include <unistd.h>

#include "cli/commands.h"
#include "cli/preparer.h"
#include "cli/registry_options.h"
#include "dist/registry.h"
#include "image/images.h"
#include "image/packing.h"
#include "support/errors.h"

namespace wimg::cli {

namespace {
struct PushArgs {
  std::string image;
  std::string target;
  bool insecure = false;
  bool artifact = false;
  bool subject = false;
};
}  // namespace

void register_push(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<PushArgs>();
  auto* cmd = app.add_subcommand("push", "Upload an image to an OCI registry (only the blobs it lacks)");
  cmd->add_option("IMAGE", args->image, "name[:tag], sha256:<hex> or an image ID prefix")->required();
  cmd->add_option("TARGET", args->target, "HOST[:PORT]/REPO[:TAG] (default: IMAGE's own name)");
  cmd->add_flag("--artifact", args->artifact,
                "push the rendered .wasm (as `build -o` writes it) as a CNCF wasm artifact instead");
  cmd->add_flag("--subject", args->subject,
                "with --artifact: link it to the image's OCI manifest (OCI 1.1 `subject`, as `wimg push IMAGE` names it)");
  cmd->add_flag("--insecure", args->insecure, "plain http (loopback registries always are)");
  cmd->callback([args, &ctx] {
    if (args->subject && !args->artifact) throw Failure(ErrorKind::Usage, "--subject goes with --artifact");
    dist::RemoteRef to = unwrap(dist::parse_remote(args->target.empty() ? args->image : args->target));
    store::Store store = ctx.open_store();
    Digest d = unwrap(image::resolve_image(store, args->image));
    dist::Registry reg(to.host, registry_options(ctx, to.host, args->insecure));
    dist::TransferStats stats;
    dist::BlobHints hints(store, to.host);
    dist::Progress progress(&ctx.err, ::isatty(STDERR_FILENO) == 1, "push " + to.str());
    reg.set_progress(&progress);
    dist::Descriptor m;
    if (args->artifact) {
      image::Manifest im = unwrap(image::load_image(store, d));
      image::RenderedWasm w = unwrap(image::render_wasm(store, im, guest_preparer(&ctx), args->image));
      std::optional<dist::Descriptor> subject;
      if (args->subject) subject = unwrap(dist::image_manifest_descriptor(store, d, ctx.import_options().threads));
      dist::PushedArtifact a =
          unwrap(dist::push_wasm(reg, to, std::move(w.bytes), im.created, subject, stats, &hints));
      m = a.manifest;
      if (subject && !a.indexed) {
        ctx.warn(to.host + " kept the artifact's subject (" + subject->digest.str() +
                 ") but did not index it (no OCI-Subject answer: a registry without the OCI 1.1 referrers API)");
      }
    } else {
      m = unwrap(dist::push_image(store, d, reg, to, stats, &hints, ctx.import_options().threads));
    }
    progress.finish("uploaded");
    ctx.out << "pushed " << to.str() << ": " << stats.blobs_uploaded << " blobs uploaded ("
            << stats.bytes_uploaded << " bytes), " << stats.blobs_mounted << " mounted, " << stats.blobs_present
            << " already present\n"
            << m.digest.str() << "\n";
  });
}

}  // namespace wimg::cli
