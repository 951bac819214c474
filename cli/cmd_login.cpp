// wimg login HOST -u USER (--password-stdin | -p PASSWORD) — check the
// credentials against the registry and save them for push/pull.
#include <iostream>

#include "cli/commands.h"
#include "cli/registry_options.h"
#include "dist/auth.h"
#include "support/errors.h"

namespace wimg::cli {

namespace {
struct LoginArgs {
  std::string host;
  std::string user;
  std::string password;
  bool password_stdin = false;
  bool insecure = false;
};
}  // namespace

void register_login(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<LoginArgs>();
  auto* cmd = app.add_subcommand("login", "Save credentials for a registry (checked first)");
  cmd->add_option("HOST", args->host, "HOST[:PORT]")->required();
  cmd->add_option("-u,--username", args->user, "user name")->required();
  auto* pw = cmd->add_option("-p,--password", args->password, "password (prefer --password-stdin)");
  cmd->add_flag("--password-stdin", args->password_stdin, "read the password from stdin")->excludes(pw);
  cmd->add_flag("--insecure", args->insecure, "plain http (loopback registries always are)");
  cmd->callback([args, &ctx] {
    if (args->password_stdin) {
      std::getline(std::cin, args->password);
      if (!args->password.empty() && args->password.back() == '\r') args->password.pop_back();
    }
    if (args->password.empty()) throw Failure(ErrorKind::Usage, "login: give a password (-p or --password-stdin)");
    dist::RegistryOptions o = registry_options(ctx, args->host, args->insecure);
    o.credentials = dist::Credentials{args->user, args->password};
    dist::Registry reg(args->host, o);
    unwrap(reg.ping());
    unwrap(dist::save_credentials(auth_file(ctx), args->host, *o.credentials));
    ctx.out << "Login Succeeded\n";
  });
}

}  // namespace wimg::cli
