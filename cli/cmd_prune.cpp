// wimg prune — remove objects no image name reaches, and crash leftovers.
#include "cli/commands.h"
#include "cli/format.h"
#include "image/images.h"
#include "support/errors.h"

namespace wimg::cli {

void register_prune(CLI::App& app, Context& ctx) {
  auto dry = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("prune", "Remove unreachable objects and temp files");
  cmd->add_flag("-n,--dry-run", *dry, "Only report what would be removed");
  cmd->callback([dry, &ctx] {
    store::Store store = ctx.open_store();
    auto rep = unwrap(image::prune(store, *dry));
    ctx.out << (*dry ? "Would remove " : "Removed ") << rep.objects_removed << " objects ("
            << human_size(rep.bytes_removed) << ") and " << rep.temp_removed << " temp entries; kept "
            << rep.objects_kept << " objects\n";
  });
}

}  // namespace wimg::cli
