// wimg prune — remove objects no image name reaches, stale cache files and
// crash leftovers.
#include "base/npm.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/preparer.h"
#include "cli/wasi_host.h"
#include "dist/layer_names.h"
#include "image/images.h"
#include "support/errors.h"

namespace wimg::cli {

void register_prune(CLI::App& app, Context& ctx) {
  auto dry = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("prune", "Remove unreachable objects, stale cache files and temp files");
  cmd->add_flag("-n,--dry-run", *dry, "Only report what would be removed");
  cmd->callback([dry, &ctx] {
    store::Store store = ctx.open_store();
    image::PruneOptions opts;
    opts.dry_run = *dry;
    opts.run_key = run_cache_key(guest_preparer());
    // Caches whose owners live outside image/.
    opts.sweeps.push_back([&store](const image::DigestSet& live) { return base::stale_npm_entries(store, live); });
    opts.sweeps.push_back([&store](const image::DigestSet&) { return stale_runners(store); });
    // The compressed layer blobs save/push keep (docs/FORMATS.md, "Layer
    // blob names") are unreachable objects: said apart, as a cache.
    const auto kept = dist::kept_layer_blobs(store);
    auto rep = unwrap(image::prune(store, opts));
    std::uint64_t blob_bytes = 0;
    for (const auto& b : kept) {
      if (*dry || !store.has(b.digest)) blob_bytes += b.size;
    }
    ctx.out << (*dry ? "Would remove " : "Removed ") << rep.objects_removed << " objects ("
            << human_size(rep.bytes_removed);
    if (blob_bytes > 0) ctx.out << ", of which " << human_size(blob_bytes) << " compressed layer blobs kept by save/push";
    ctx.out << "), " << rep.cache_removed << " cache files and " << rep.temp_removed
            << " temp entries; kept " << rep.objects_kept << " objects\n";
  });
}

}  // namespace wimg::cli
