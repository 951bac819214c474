#include "cli/registry_options.h"

#include "dist/auth.h"
#include "support/errors.h"

namespace wimg::cli {

std::string auth_file(const Context& ctx) {
  return dist::auth_file(ctx.getenv("XDG_CONFIG_HOME"), ctx.getenv("HOME"));
}

dist::RegistryOptions registry_options(const Context& ctx, const std::string& host, bool insecure) {
  dist::RegistryOptions o;
  o.insecure = insecure;
  o.credentials = unwrap(dist::load_credentials(auth_file(ctx), host));
  return o;
}

}  // namespace wimg::cli
