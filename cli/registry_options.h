// How push, pull, login and FROM reach a registry: --insecure and the
// credentials `wimg login` saved (dist/auth.h) for that host.
#pragma once

#include <string>

#include "cli/context.h"
#include "dist/registry.h"

namespace wimg::cli {

std::string auth_file(const Context& ctx);
dist::RegistryOptions registry_options(const Context& ctx, const std::string& host, bool insecure);

}  // namespace wimg::cli
