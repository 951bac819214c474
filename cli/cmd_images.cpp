// wimg images — list named images.
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/format.h"
#include "image/images.h"
#include "support/errors.h"

namespace wimg::cli {

namespace {

struct Args {
  bool json = false;
  bool quiet = false;
};

void run(const Args& a, const Context& ctx) {
  store::Store store = ctx.open_store();
  auto rows = unwrap(image::list_images(store));
  if (a.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : rows) {
      arr.push_back({{"ref", r.ref}, {"digest", r.digest.str()}, {"layers", r.manifest.layers.size()},
                     {"size", r.manifest.total_bytes()}});
    }
    ctx.out << arr.dump(2) << "\n";
    return;
  }
  if (a.quiet) {
    for (const auto& r : rows) ctx.out << r.digest.hex().substr(0, 12) << "\n";
    return;
  }
  ctx.out << pad("REPOSITORY", 30) << pad("TAG", 16) << pad("IMAGE ID", 14) << pad("LAYERS", 8) << "SIZE\n";
  for (const auto& r : rows) {
    auto colon = r.ref.rfind(':');
    ctx.out << pad(r.ref.substr(0, colon), 30) << pad(r.ref.substr(colon + 1), 16) << pad(r.digest.hex().substr(0, 12), 14)
            << pad(std::to_string(r.manifest.layers.size()), 8) << human_size(r.manifest.total_bytes()) << "\n";
  }
}

}  // namespace

void register_images(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("images", "List images");
  cmd->add_flag("--json", args->json, "JSON output");
  cmd->add_flag("-q,--quiet", args->quiet, "Only image IDs");
  cmd->callback([args, &ctx] { run(*args, ctx); });
}

}  // namespace wimg::cli
