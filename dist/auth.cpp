#include "dist/auth.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include "support/fs.h"

namespace wimg::dist {

using nlohmann::json;

namespace {

}  // namespace

std::string base64(std::string_view s) {
  std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

namespace {

Result<std::string> unb64(const std::string& s, const std::string& where) {
  std::string out(3 * (s.size() / 4) + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  if (n < 0 || s.size() % 4 != 0) return make_error(ErrorKind::Input, where + ": \"auth\" is not base64");
  out.resize(static_cast<std::size_t>(n));
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (std::size_t i = s.size(); i > 0 && s[i - 1] == '='; --i) out.pop_back();
  return out;
}

Result<json> read_auths(const std::string& file) {
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) return json::object();
  WIMG_ASSIGN(std::string text, fs::read_file(file));
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return make_error(ErrorKind::Input, file + ": not a JSON object");
  return j;
}

}  // namespace

std::string config_dir(const char* xdg_config_home, const char* home) {
  if (xdg_config_home != nullptr && *xdg_config_home != '\0') return std::string(xdg_config_home) + "/wimg";
  return std::string(home != nullptr ? home : "") + "/.config/wimg";
}

std::string auth_file(const char* xdg_config_home, const char* home) {
  return config_dir(xdg_config_home, home) + "/auth.json";
}

Result<std::optional<Credentials>> load_credentials(const std::string& file, const std::string& host) {
  WIMG_ASSIGN(json j, read_auths(file));
  if (!j.contains("auths") || !j["auths"].is_object() || !j["auths"].contains(host)) return std::optional<Credentials>{};
  const json& e = j["auths"][host];
  if (!e.is_object() || !e.contains("auth") || !e["auth"].is_string()) {
    return make_error(ErrorKind::Input, file + ": auths." + host + " has no \"auth\" string");
  }
  WIMG_ASSIGN(std::string pair, unb64(e["auth"].get<std::string>(), file));
  auto colon = pair.find(':');
  if (colon == std::string::npos) return make_error(ErrorKind::Input, file + ": auths." + host + ": no user:password");
  return std::optional<Credentials>(Credentials{pair.substr(0, colon), pair.substr(colon + 1)});
}

Status save_credentials(const std::string& file, const std::string& host, const Credentials& c) {
  WIMG_ASSIGN(json j, read_auths(file));
  j["auths"][host] = json{{"auth", base64(c.user + ":" + c.password)}};
  auto slash = file.rfind('/');
  if (slash != std::string::npos) {
    std::string dir = file.substr(0, slash);
    // mkdir -p of the directory, private.
    for (std::size_t i = 1; i <= dir.size(); ++i) {
      if (i == dir.size() || dir[i] == '/') ::mkdir(dir.substr(0, i).c_str(), 0700);
    }
  }
  return fs::atomic_write_file(file, j.dump(2) + "\n", 0600);
}

}  // namespace wimg::dist
