// How push, pull, login and FROM reach a registry: --insecure and the
// credentials `wimg login` saved (dist/auth.h) for that host.
#pragma once

#include <string>

#include "cli/context.h"
#include "dist/registry.h"

namespace wimg::cli {

std::string auth_file(const Context& ctx);
dist::RegistryOptions registry_options(const Context& ctx, const std::string& host, bool insecure);
// For recipe::BuildOptions::fetch_image: pulls "HOST[:PORT]/REPO[:TAG]" and
// names it so; a name without a registry host stays not found.
std::function<Result<Digest>(const std::string&)> image_fetcher(const Context& ctx);

}  // namespace wimg::cli
