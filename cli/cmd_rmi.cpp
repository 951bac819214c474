// wimg rmi NAME... — remove image names. The objects stay until `wimg prune`.
#include "cli/commands.h"
#include "image/images.h"
#include "support/errors.h"

namespace wimg::cli {

void register_rmi(CLI::App& app, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("rmi", "Remove image names (run prune to free space)");
  cmd->add_option("NAME", *names, "name[:tag]")->required();
  cmd->callback([names, &ctx] {
    std::vector<image::Reference> refs;
    for (const auto& n : *names) refs.push_back(unwrap(image::parse_reference(n)));
    store::Store store = ctx.open_store();
    unwrap(image::untag(store, refs));
    for (const auto& r : refs) ctx.out << "Untagged: " << r.str() << "\n";
  });
}

}  // namespace wimg::cli
