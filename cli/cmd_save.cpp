// wimg save IMAGE... -o FILE — write images as one OCI image layout tar.
#include "cli/commands.h"
#include "dist/layout.h"
#include "image/images.h"
#include "support/errors.h"
#include "support/fs.h"

namespace wimg::cli {

namespace {

struct SaveArgs {
  std::vector<std::string> images;
  std::string output;
};

// The name a layout records for an image: the canonical "name:tag" when the
// user named it, none for a digest or an ID prefix.
std::string saved_name(const std::string& spec) {
  if (spec.starts_with("sha256:")) return "";
  auto ref = image::parse_reference(spec);
  return ref.ok() ? ref->str() : "";
}

}  // namespace

void register_save(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<SaveArgs>();
  auto* cmd = app.add_subcommand("save", "Write images as one OCI image layout tar");
  cmd->add_option("IMAGE", args->images, "name[:tag], sha256:<hex> or an image ID prefix")->required();
  cmd->add_option("-o,--output", args->output, "the tar file to write")->required();
  cmd->callback([args, &ctx] {
    store::Store store = ctx.open_store();
    std::vector<dist::SavedImage> images;
    for (const auto& spec : args->images) {
      Digest d = unwrap(image::resolve_image(store, spec));
      images.push_back({saved_name(spec), d});
    }
    std::string tar = unwrap(dist::write_layout_tar(store, images, ctx.import_options().threads));
    unwrap(fs::atomic_write_file(args->output, tar));
  });
}

}  // namespace wimg::cli
