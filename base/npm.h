// npm packages as a source of bases (`wimg import npm:NAME@VERSION`):
// the registry the machine's npm is configured with, the tarball fetched
// over HTTP(S) with libcurl and checked against the registry's `integrity`
// (Subresource Integrity, sha512), then kept in the store so a second
// import of the same version needs no network:
//
//   <root>/cache/npm/<name with "/" as "+">@<version>   "<integrity>\nsha256:<hex>\n"
//
// The entry names a store object holding the tarball. It is written after
// the object is durable; a missing, unreadable or mismatching entry or
// object is a miss (fetched again), never an error. The object is not
// reachable from any image, so `wimg prune` removes it and the entry (the
// next import fetches again).
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "image/images.h"
#include "store/store.h"
#include "support/digest.h"
#include "support/result.h"

namespace wimg::base {

struct NpmSpec {
  std::string name;     // "@ruby/4.0-wasm-wasi" or "lodash"
  std::string version;  // exact: "2.10.1" (a range or a tag would make the digest depend on the day)
  std::string str() const { return name + "@" + version; }
};

// "NAME@VERSION" (what follows "npm:"). Usage error naming `shown` when the
// name is not a valid npm name or the version is not an exact x.y.z[-pre].
Result<NpmSpec> parse_npm_spec(std::string_view text, std::string_view shown);

using Getenv = std::function<const char*(const char*)>;

// The registry npm would use for `name`: $npm_config_<scope>:registry is not
// a valid variable name, so: "@scope:registry=" then "registry=" in the
// user config ($NPM_CONFIG_USERCONFIG, else ~/.npmrc), with
// $npm_config_registry / $NPM_CONFIG_REGISTRY taking precedence over the
// file's "registry=", else https://registry.npmjs.org/. Always ends in "/".
std::string npm_registry(std::string_view name, const Getenv& getenv);

// Checks `bytes` against an SRI string ("sha512-<base64>", several
// space-separated allowed: the strongest of sha512/sha384/sha256 must match).
Status check_integrity(std::string_view bytes, std::string_view integrity, std::string_view shown);

// GET `url` (following redirects, honouring the *_proxy variables as curl
// does). Io error naming the URL on a transport failure or a non-2xx status.
using HttpGet = std::function<Result<std::string>(const std::string& url)>;
Result<std::string> curl_get(const std::string& url);

struct NpmTarball {
  std::string bytes;
  std::string integrity;
  bool cached = false;  // true: no network was used
};

// The tarball of `spec` from the cache, else from `registry` (its version
// document's dist.tarball and dist.integrity), checked and cached. Takes
// the store's writer lock while it stores.
Result<NpmTarball> fetch_npm_tarball(store::Store& store, const NpmSpec& spec, const std::string& registry,
                                     const HttpGet& get);

// `wimg prune`'s sweep of cache/npm (an image::CacheSweep): the entries
// whose tarball object does not survive, and unreadable ones.
Result<std::vector<std::string>> stale_npm_entries(const store::Store& store, const image::DigestSet& live);

// The members of a .tgz named in `wanted` (regular files only), by name.
// Input error naming `shown` when one is missing or the archive is bad.
Result<std::map<std::string, std::string>> read_tarball_members(std::string_view tgz, const std::set<std::string>& wanted,
                                                                 std::string_view shown);

}  // namespace wimg::base
