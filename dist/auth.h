// Registry credentials saved by `wimg login`: Docker's config.json shape,
// so the file reads like ~/.docker/config.json:
//   {"auths":{"<host>":{"auth":"<base64 of user:password>"}}}
// written atomically with mode 0600.
#pragma once

#include <optional>
#include <string>

#include "dist/registry.h"

namespace wimg::dist {

std::string base64(std::string_view s);

// wimg's configuration directory: $XDG_CONFIG_HOME/wimg, else
// $HOME/.config/wimg (values passed in, not read). Credentials live in
// <dir>/auth.json; a registry's own CA in <dir>/certs.d/<host>/ca.crt.
std::string config_dir(const char* xdg_config_home, const char* home);
std::string auth_file(const char* xdg_config_home, const char* home);
// The host's credentials, none when the file or the host is absent.
Result<std::optional<Credentials>> load_credentials(const std::string& file, const std::string& host);
Status save_credentials(const std::string& file, const std::string& host, const Credentials& c);

}  // namespace wimg::dist
