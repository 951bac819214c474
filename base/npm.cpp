#include "base/npm.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "net/curl.h"
#include "support/fs.h"

namespace wimg::base {

namespace {

constexpr std::string_view kDefaultRegistry = "https://registry.npmjs.org/";
// Far above any interpreter package (npm's CRuby: ~40 MB), far below memory.
constexpr std::size_t kMaxDownload = std::size_t{1} << 30;

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::string with_slash(std::string url) {
  if (url.empty() || url.back() != '/') url += '/';
  return url;
}

// "key=value" lines of an .npmrc, without comments; later lines win.
std::map<std::string, std::string> read_npmrc(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    out[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return out;
}

// base64 of an SRI value, decoded; nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view b64) {
  if (b64.empty() || b64.size() % 4 != 0) return std::nullopt;
  std::string out(b64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  std::size_t pad = 0;
  if (b64.ends_with("==")) pad = 2;
  else if (b64.ends_with("=")) pad = 1;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string hash_with(const EVP_MD* md, std::string_view bytes) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), buf, &len, md, nullptr);
  return std::string(reinterpret_cast<const char*>(buf), len);
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * n > kMaxDownload) return 0;  // makes curl fail with a write error
  out->append(data, size * n);
  return size * n;
}

std::string cache_path(const store::Store& store, const NpmSpec& spec) {
  std::string name = spec.name;
  std::replace(name.begin(), name.end(), '/', '+');
  return store.cache_dir() + "/npm/" + name + "@" + spec.version;
}

struct Entry {
  std::string integrity;
  Digest object;
};

// A cache entry ("<integrity>\n<digest>\n"), if it reads and parses.
std::optional<Entry> read_entry(const std::string& path) {
  auto text = fs::read_file(path);
  if (!text.ok()) return std::nullopt;
  std::istringstream in(*text);
  std::string integrity, digest;
  if (!std::getline(in, integrity) || !std::getline(in, digest)) return std::nullopt;
  auto d = Digest::parse(digest);
  if (!d.ok()) return std::nullopt;
  return Entry{integrity, *d};
}

// The cached tarball, if the entry and its object agree with each other.
std::optional<NpmTarball> cached_tarball(const store::Store& store, const NpmSpec& spec) {
  auto e = read_entry(cache_path(store, spec));
  if (!e) return std::nullopt;
  auto bytes = store.get(e->object, /*verify=*/true);
  if (!bytes.ok()) return std::nullopt;
  if (!check_integrity(*bytes, e->integrity, spec.str()).ok()) return std::nullopt;
  return NpmTarball{std::move(*bytes), e->integrity, true};
}

}  // namespace

Result<NpmSpec> parse_npm_spec(std::string_view text, std::string_view shown) {
  // npm's name rules (validate-npm-package-name), lowercase, at most one scope.
  static const std::regex name_re(R"((@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*)");
  static const std::regex version_re(R"(\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)");
  const auto at = text.rfind('@');
  if (at == std::string_view::npos || at == 0) {
    return make_error(ErrorKind::Usage, std::string(shown) + ": expected npm:NAME@VERSION with an exact version (e.g. npm:@ruby/3.4-wasm-wasi@2.10.1)");
  }
  NpmSpec s{std::string(text.substr(0, at)), std::string(text.substr(at + 1))};
  if (s.name.size() > 214 || !std::regex_match(s.name, name_re)) {
    return make_error(ErrorKind::Usage, std::string(shown) + ": '" + s.name + "' is not an npm package name");
  }
  if (!std::regex_match(s.version, version_re)) {
    return make_error(ErrorKind::Usage, std::string(shown) + ": '" + s.version +
                                            "' is not an exact version (x.y.z): a range or a tag would change the image with the day");
  }
  return s;
}

std::string npm_registry(std::string_view name, const Getenv& getenv) {
  std::string rc;
  if (const char* p = getenv("NPM_CONFIG_USERCONFIG"); p && *p) rc = p;
  else if (const char* p2 = getenv("npm_config_userconfig"); p2 && *p2) rc = p2;
  else if (const char* home = getenv("HOME"); home && *home) rc = std::string(home) + "/.npmrc";
  std::map<std::string, std::string> conf;
  if (!rc.empty()) conf = read_npmrc(rc);
  if (name.starts_with("@")) {
    const std::string scope(name.substr(0, name.find('/')));
    if (auto it = conf.find(scope + ":registry"); it != conf.end() && !it->second.empty()) return with_slash(it->second);
  }
  for (const char* var : {"npm_config_registry", "NPM_CONFIG_REGISTRY"}) {
    if (const char* v = getenv(var); v && *v) return with_slash(v);
  }
  if (auto it = conf.find("registry"); it != conf.end() && !it->second.empty()) return with_slash(it->second);
  return std::string(kDefaultRegistry);
}

Status check_integrity(std::string_view bytes, std::string_view integrity, std::string_view shown) {
  // The strongest algorithm listed decides (SRI's rule).
  struct Algo {
    std::string_view prefix;
    const EVP_MD* md;
  };
  const Algo algos[] = {{"sha512-", EVP_sha512()}, {"sha384-", EVP_sha384()}, {"sha256-", EVP_sha256()}};
  std::istringstream words{std::string(integrity)};
  std::vector<std::string> list{std::istream_iterator<std::string>(words), {}};
  for (const auto& a : algos) {
    bool seen = false;
    for (const auto& w : list) {
      if (!w.starts_with(a.prefix)) continue;
      seen = true;
      std::string b64 = w.substr(a.prefix.size());
      if (auto q = b64.find('?'); q != std::string::npos) b64.resize(q);  // SRI options
      auto want = base64_decode(b64);
      if (want && *want == hash_with(a.md, bytes)) return {};
    }
    if (seen) {
      return make_error(ErrorKind::Corrupt, std::string(shown) + ": the download does not match the registry's integrity " +
                                                std::string(integrity));
    }
  }
  return make_error(ErrorKind::Input, std::string(shown) + ": the registry gives no sha512/sha384/sha256 integrity ('" +
                                          std::string(integrity) + "'); refusing an unchecked download");
}

Result<std::string> curl_get(const std::string& url) {
  WIMG_ASSIGN(const net::Curl* curl, net::curl());
  WIMG_ASSIGN(net::Easy h, net::easy());
  std::string body;
  char errbuf[CURL_ERROR_SIZE] = {0};
  auto set = curl->easy_setopt;
  set(h.get(), CURLOPT_URL, url.c_str());
  set(h.get(), CURLOPT_FOLLOWLOCATION, 1L);
  set(h.get(), CURLOPT_MAXREDIRS, 10L);
  set(h.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  set(h.get(), CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(h.get(), CURLOPT_FAILONERROR, 1L);
  set(h.get(), CURLOPT_CONNECTTIMEOUT, 30L);
  // A stalled transfer (under 1 KB/s for a minute) fails instead of hanging.
  set(h.get(), CURLOPT_LOW_SPEED_LIMIT, 1024L);
  set(h.get(), CURLOPT_LOW_SPEED_TIME, 60L);
  set(h.get(), CURLOPT_USERAGENT, "wimg");
  set(h.get(), CURLOPT_ACCEPT_ENCODING, "");
  set(h.get(), CURLOPT_WRITEFUNCTION, on_body);
  set(h.get(), CURLOPT_WRITEDATA, &body);
  set(h.get(), CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode rc = curl->easy_perform(h.get());
  if (rc != CURLE_OK) {
    return make_error(ErrorKind::Io, "GET " + url + ": " + (errbuf[0] ? errbuf : curl->easy_strerror(rc)));
  }
  return body;
}

Result<NpmTarball> fetch_npm_tarball(store::Store& store, const NpmSpec& spec, const std::string& registry,
                                     const HttpGet& get) {
  if (auto hit = cached_tarball(store, spec)) return std::move(*hit);
  // The registry path of a scoped name escapes its "/".
  std::string path = spec.name;
  if (auto slash = path.find('/'); slash != std::string::npos) path.replace(slash, 1, "%2f");
  const std::string doc_url = registry + path + "/" + spec.version;
  WIMG_ASSIGN(std::string doc, get(doc_url));
  std::string tarball_url, integrity;
  try {
    const auto j = nlohmann::json::parse(doc);
    tarball_url = j.at("dist").at("tarball").get<std::string>();
    integrity = j.at("dist").value("integrity", "");
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorKind::Input, doc_url + ": not an npm version document (" + e.what() + ")");
  }
  if (integrity.empty()) {
    return make_error(ErrorKind::Input, doc_url + ": no dist.integrity; refusing an unchecked download");
  }
  WIMG_ASSIGN(std::string bytes, get(tarball_url));
  WIMG_TRY(check_integrity(bytes, integrity, tarball_url));
  {
    WIMG_ASSIGN(auto lock, store.writer_lock());
    WIMG_ASSIGN(Digest d, store.put(bytes));
    // Best effort: a cache that cannot be written only costs a download.
    const std::string entry = cache_path(store, spec);
    if (fs::mkdirs(fs::dirname(entry)).ok()) (void)fs::atomic_write_file(entry, integrity + "\n" + d.str() + "\n", 0644);
  }
  return NpmTarball{std::move(bytes), integrity, false};
}

Result<std::map<std::string, std::string>> read_tarball_members(std::string_view tgz, const std::set<std::string>& wanted,
                                                                 std::string_view shown) {
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), tgz.data(), tgz.size()) != ARCHIVE_OK) {
    return make_error(ErrorKind::Input, std::string(shown) + ": not a .tgz: " + archive_error_string(a.get()));
  }
  std::map<std::string, std::string> out;
  archive_entry* e = nullptr;
  int rc;
  while ((rc = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK) {
    const char* name = archive_entry_pathname(e);
    if (name == nullptr || !wanted.contains(name) || archive_entry_filetype(e) != AE_IFREG) continue;
    std::string bytes;
    bytes.resize(static_cast<std::size_t>(archive_entry_size(e)));
    const la_ssize_t n = archive_read_data(a.get(), bytes.data(), bytes.size());
    if (n < 0 || static_cast<std::size_t>(n) != bytes.size()) {
      return make_error(ErrorKind::Input, std::string(shown) + ": " + name + ": truncated member");
    }
    out[name] = std::move(bytes);
  }
  if (rc != ARCHIVE_EOF) {
    return make_error(ErrorKind::Input, std::string(shown) + ": " + archive_error_string(a.get()));
  }
  for (const auto& w : wanted) {
    if (!out.contains(w)) return make_error(ErrorKind::Input, std::string(shown) + ": the package has no " + w);
  }
  return out;
}

Result<std::vector<std::string>> stale_npm_entries(const store::Store& store, const image::DigestSet& live) {
  return image::stale_cache_files(store, "npm", [&](const std::string& n) {
    auto e = read_entry(store.cache_dir() + "/npm/" + n);
    return !e || live.count(e->object) == 0;
  });
}

}  // namespace wimg::base
