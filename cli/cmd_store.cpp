// wimg store verify | wimg store path — store maintenance.
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/format.h"
#include "image/images.h"
#include "support/errors.h"

namespace wimg::cli {

namespace {

void run_verify(bool json, const Context& ctx) {
  store::Store store = ctx.open_store();
  auto rep = unwrap(image::verify_store(store));
  if (json) {
    nlohmann::json j{{"objects", rep.objects_checked}, {"bytes", rep.bytes_checked}, {"images", rep.images_checked},
                     {"layers", rep.layers_checked}, {"temp_entries", rep.temp_entries}, {"problems", rep.problems}};
    ctx.out << j.dump(2) << "\n";
  } else {
    for (const auto& p : rep.problems) ctx.out << "problem: " << p << "\n";
    ctx.out << "checked " << rep.objects_checked << " objects (" << human_size(rep.bytes_checked) << "), "
            << rep.images_checked << " images, " << rep.layers_checked << " layers: "
            << (rep.problems.empty() ? "ok" : std::to_string(rep.problems.size()) + " problems") << "\n";
    if (rep.temp_entries > 0) {
      ctx.out << "note: " << rep.temp_entries << " leftover temp entries (interrupted writers); `wimg prune` removes them\n";
    }
  }
  if (!rep.problems.empty()) throw Failure(ErrorKind::Corrupt, "store " + store.root() + " failed verification");
}

}  // namespace

void register_store(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("store", "Store maintenance");
  cmd->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  auto* verify = cmd->add_subcommand("verify", "Re-hash every object and check every image and layer is complete");
  verify->add_flag("--json", *json, "JSON output");
  verify->callback([json, &ctx] { run_verify(*json, ctx); });
  auto* path = cmd->add_subcommand("path", "Print the store directory");
  path->callback([&ctx] { ctx.out << ctx.open_store().root() << "\n"; });
}

}  // namespace wimg::cli
