// wimg tag SOURCE TARGET — give an image another name.
#include "cli/commands.h"
#include "image/images.h"
#include "support/errors.h"

namespace wimg::cli {

void register_tag(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  auto* cmd = app.add_subcommand("tag", "Create a name TARGET that refers to image SOURCE");
  cmd->add_option("SOURCE", args->first, "name[:tag], sha256:<hex> or an image ID prefix")->required();
  cmd->add_option("TARGET", args->second, "name[:tag]")->required();
  cmd->callback([args, &ctx] {
    image::Reference target = unwrap(image::parse_reference(args->second));
    store::Store store = ctx.open_store();
    Digest d = unwrap(image::resolve_image(store, args->first));
    unwrap(image::tag_image(store, d, target));
  });
}

}  // namespace wimg::cli
