// One registration function per subcommand file.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace wimg::cli {

void register_layer(CLI::App& app, Context& ctx);
void register_image(CLI::App& app, Context& ctx);
void register_images(CLI::App& app, Context& ctx);
void register_tag(CLI::App& app, Context& ctx);
void register_rmi(CLI::App& app, Context& ctx);
void register_prune(CLI::App& app, Context& ctx);
void register_store(CLI::App& app, Context& ctx);
void register_view(CLI::App& app, Context& ctx);  // ls, cat, export
void register_history(CLI::App& app, Context& ctx);
void register_pack(CLI::App& app, Context& ctx);
void register_inspect(CLI::App& app, Context& ctx);
void register_build(CLI::App& app, Context& ctx);
void register_run(CLI::App& app, Context& ctx);
void register_import(CLI::App& app, Context& ctx);
void register_save(CLI::App& app, Context& ctx);  // dist/: OCI image layout
void register_load(CLI::App& app, Context& ctx);
void register_push(CLI::App& app, Context& ctx);  // dist/: OCI registries
void register_pull(CLI::App& app, Context& ctx);
void register_login(CLI::App& app, Context& ctx);

}  // namespace wimg::cli
