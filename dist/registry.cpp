#include "dist/registry.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "dist/auth.h"
#include "dist/layer_names.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "net/curl.h"

namespace wimg::dist {

using nlohmann::json;

struct Registry::Request {
  Request(std::string m, std::string u, std::string_view b = {}, std::string type = {}, std::string acc = {})
      : method(std::move(m)), url(std::move(u)), body(b), content_type(std::move(type)), accept(std::move(acc)) {}
  std::string method;  // GET HEAD POST PUT PATCH
  std::string url;
  std::string_view body;
  std::string content_type;
  std::string accept;
  std::string content_range;  // PATCH: "<first>-<last>"
  int progress_slot = -1;     // blob bytes to report
  std::uint64_t progress_base = 0;  // bytes of the blob sent before this request
};

struct Registry::Response {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

namespace {

size_t body_cb(char* p, size_t size, size_t n, void* client) {
  static_cast<std::string*>(client)->append(p, size * n);
  return size * n;
}

size_t header_cb(char* p, size_t size, size_t n, void* client) {
  std::string line(p, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    auto b = value.find_first_not_of(" \t");
    auto e = value.find_last_not_of(" \t\r\n");
    value = b == std::string::npos ? "" : value.substr(b, e - b + 1);
    (*static_cast<std::map<std::string, std::string>*>(client))[name] = value;
  }
  return size * n;
}

bool is_loopback(const std::string& host) {
  std::string h = host.substr(0, host.rfind(':') == std::string::npos || host.starts_with("[") ? host.size() : host.rfind(':'));
  return h == "localhost" || h.starts_with("127.") || h == "[::1]";
}

// key="value" pairs of a WWW-Authenticate challenge after its scheme.
std::map<std::string, std::string> challenge_params(std::string_view c) {
  std::map<std::string, std::string> out;
  std::size_t i = c.find(' ');
  while (i != std::string_view::npos && i < c.size()) {
    while (i < c.size() && (c[i] == ' ' || c[i] == ',')) ++i;
    auto eq = c.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key(c.substr(i, eq - i));
    std::string value;
    i = eq + 1;
    if (i < c.size() && c[i] == '"') {
      auto end = c.find('"', i + 1);
      if (end == std::string_view::npos) break;
      value = std::string(c.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      auto end = c.find(',', i);
      value = std::string(c.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
      i = end;
    }
    out[key] = value;
  }
  return out;
}

// Percent-encoding for query values (RFC 3986 unreserved kept): digests,
// repository names and challenge parameters.
std::string escape(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

struct ProgressTarget {
  Progress* progress;
  int slot;
  std::uint64_t base;
  bool upload;
};

int progress_cb(void* client, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
  (void)dltotal;
  (void)ultotal;
  auto* t = static_cast<ProgressTarget*>(client);
  t->progress->update(t->slot, t->base + static_cast<std::uint64_t>(t->upload ? ulnow : dlnow));
  return 0;
}

ErrorKind kind_of(long status) {
  if (status == 404) return ErrorKind::NotFound;
  if (status == 401 || status == 403) return ErrorKind::Input;
  return ErrorKind::Io;
}

}  // namespace

std::string RemoteRef::str() const {
  return host + "/" + repo + (reference.starts_with("sha256:") ? "@" : ":") + reference;
}

Result<RemoteRef> parse_remote(std::string_view text) {
  std::string t(text);
  auto slash = t.find('/');
  if (slash == std::string::npos) {
    return make_error(ErrorKind::Usage, "\"" + t + "\": name a registry repository: HOST[:PORT]/REPO[:TAG]");
  }
  RemoteRef r;
  r.host = t.substr(0, slash);
  if (r.host.find('.') == std::string::npos && r.host.find(':') == std::string::npos && r.host != "localhost") {
    return make_error(ErrorKind::Usage, "\"" + t + "\": \"" + r.host + "\" is not a registry host (HOST[:PORT]/REPO[:TAG])");
  }
  std::string rest = t.substr(slash + 1);
  if (auto at = rest.find('@'); at != std::string::npos) {
    WIMG_ASSIGN(Digest d, Digest::parse(rest.substr(at + 1)));
    r.reference = d.str();
    rest = rest.substr(0, at);
  }
  WIMG_ASSIGN(image::Reference ref, image::parse_reference(rest));
  r.repo = ref.name;
  if (r.reference.empty()) r.reference = ref.tag;
  return r;
}

Registry::Registry(std::string host, RegistryOptions opts) : host_(std::move(host)), opts_(std::move(opts)) {
  scheme_ = opts_.ca_file.empty() && (opts_.insecure || is_loopback(host_)) ? "http" : "https";
}

Registry::~Registry() {
  auto api = net::curl();
  if (!api.ok()) return;  // then no handle was ever made
  for (void* h : idle_) (*api)->easy_cleanup(static_cast<CURL*>(h));
}

std::string Registry::url(const std::string& path) const { return scheme_ + "://" + host_ + path; }

std::string Registry::auth_header() const {
  std::lock_guard lock(mu_);
  return auth_header_;
}

Result<Registry::Response> Registry::perform(const Request& req, const std::string& auth_header) {
  WIMG_ASSIGN(const net::Curl* api, net::curl());
  CURL* h = nullptr;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      h = static_cast<CURL*>(idle_.back());
      idle_.pop_back();
    }
  }
  if (h == nullptr) h = api->easy_init();
  if (h == nullptr) return make_error(ErrorKind::Io, "libcurl: cannot create a transfer handle");
  api->easy_reset(h);  // keeps the connection cache
  auto set = api->easy_setopt;
  Response resp;
  curl_slist* headers = nullptr;
  auto header = [&](const std::string& line) { headers = api->slist_append(headers, line.c_str()); };
  if (!auth_header.empty()) header(auth_header);
  if (!req.content_type.empty()) header("Content-Type: " + req.content_type);
  if (!req.accept.empty()) header("Accept: " + req.accept);
  if (!req.content_range.empty()) header("Content-Range: " + req.content_range);
  header("Expect:");  // no 100-continue round trip before a body
  set(h, CURLOPT_URL, req.url.c_str());
  set(h, CURLOPT_HTTPHEADER, headers);
  set(h, CURLOPT_WRITEFUNCTION, body_cb);
  set(h, CURLOPT_WRITEDATA, &resp.body);
  set(h, CURLOPT_HEADERFUNCTION, header_cb);
  set(h, CURLOPT_HEADERDATA, &resp.headers);
  set(h, CURLOPT_NOSIGNAL, 1L);
  set(h, CURLOPT_CONNECTTIMEOUT, 30L);
  set(h, CURLOPT_USERAGENT, "wimg");
  // A stalled transfer (under 1 KB/s for a minute) fails instead of hanging.
  set(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  set(h, CURLOPT_LOW_SPEED_TIME, 60L);
  if (!opts_.ca_file.empty()) set(h, CURLOPT_CAINFO, opts_.ca_file.c_str());
  ProgressTarget target{progress_, req.progress_slot, req.progress_base, req.method != "GET"};
  if (progress_ != nullptr && req.progress_slot >= 0) {
    set(h, CURLOPT_NOPROGRESS, 0L);
    set(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
    set(h, CURLOPT_XFERINFODATA, &target);
  }
  if (req.method == "HEAD") {
    set(h, CURLOPT_NOBODY, 1L);
  } else if (req.method == "GET") {
    set(h, CURLOPT_FOLLOWLOCATION, 1L);  // blob storage may redirect
  } else {
    set(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    set(h, CURLOPT_POSTFIELDS, req.body.data());
    set(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  CURLcode rc = api->easy_perform(h);
  api->slist_free_all(headers);
  api->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
  {
    std::lock_guard lock(mu_);
    idle_.push_back(h);
  }
  if (rc != CURLE_OK) return make_error(ErrorKind::Io, req.method + " " + req.url + ": " + api->easy_strerror(rc));
  return resp;
}

Status Registry::authenticate(const std::string& challenge, const std::string& failed_header) {
  auto need_creds = [&]() {
    return make_error(ErrorKind::Input, host_ + ": authentication required (wimg login " + host_ + ")");
  };
  // Bearer scopes only grow: parallel transfers ask for different ones (HEAD
  // pull, POST push, a mount's source repository), and a token for fewer
  // would make another transfer's request fail. Each token asks for all
  // scopes seen so far.
  std::set<std::string> scopes;
  {
    std::lock_guard lock(mu_);
    bool new_scope = false;
    if (challenge.starts_with("Bearer") || challenge.starts_with("bearer")) {
      std::istringstream words(challenge_params(challenge)["scope"]);
      for (std::string s; words >> s;) new_scope = scopes_.insert(s).second || new_scope;
    }
    // Another transfer authenticated meanwhile for what this one needs: retry.
    if (auth_header_ != failed_header && !new_scope) return {};
    scopes = scopes_;
  }
  std::string header;
  if (challenge.starts_with("Basic") || challenge.starts_with("basic")) {
    if (!opts_.credentials) return need_creds();
    header = "Authorization: Basic " + base64(opts_.credentials->user + ":" + opts_.credentials->password);
  } else if (!challenge.starts_with("Bearer") && !challenge.starts_with("bearer")) {
    return make_error(ErrorKind::Input, host_ + ": unsupported authentication scheme: " + challenge);
  } else {
    auto p = challenge_params(challenge);
    if (p["realm"].empty()) return make_error(ErrorKind::Input, host_ + ": Bearer challenge without a realm");
    std::string token_url = p["realm"] + (p["realm"].find('?') == std::string::npos ? "?" : "&");
    token_url += "service=" + escape(p["service"]);
    for (const auto& s : scopes) token_url += "&scope=" + escape(s);
    std::string basic;
    if (opts_.credentials) basic = "Authorization: Basic " + base64(opts_.credentials->user + ":" + opts_.credentials->password);
    WIMG_ASSIGN(Response r, perform(Request{"GET", token_url}, basic));
    if (r.status == 401 || r.status == 403) return need_creds();
    if (r.status != 200) return make_error(ErrorKind::Io, "GET " + token_url + ": HTTP " + std::to_string(r.status));
    json j = json::parse(r.body, nullptr, false);
    std::string token;
    if (j.is_object() && j.contains("token") && j["token"].is_string()) token = j["token"].get<std::string>();
    if (token.empty() && j.is_object() && j.contains("access_token") && j["access_token"].is_string()) {
      token = j["access_token"].get<std::string>();
    }
    if (token.empty()) return make_error(ErrorKind::Io, "GET " + token_url + ": no token in the answer");
    header = "Authorization: Bearer " + token;
  }
  std::lock_guard lock(mu_);
  auth_header_ = header;
  return {};
}

Result<Registry::Response> Registry::send_once(const Request& req) {
  std::string sent = auth_header();
  WIMG_ASSIGN(Response r, perform(req, sent));
  // Twice at most: a parallel transfer may replace the token between this
  // one's authentication and its retry (scopes only grow, so the second
  // token covers this request too).
  for (int round = 0; round < 2 && r.status == 401 && !r.header("www-authenticate").empty(); ++round) {
    WIMG_TRY(authenticate(r.header("www-authenticate"), sent));
    sent = auth_header();
    WIMG_ASSIGN(r, perform(req, sent));
  }
  return r;
}

static bool transient(const Result<Registry::Response>& r) {
  if (!r.ok()) return r.error().kind == ErrorKind::Io;  // connection refused, reset, timeout
  return r->status >= 500 || r->status == 429;
}

// Transient failures (5xx, 429, connection errors) are retried with
// exponential backoff: 4 attempts, 0.1 s, 0.2 s, 0.4 s apart. Every request
// sent this way is idempotent; an upload retries from its POST.
Result<Registry::Response> Registry::send(const Request& req) {
  for (int attempt = 0;; ++attempt) {
    auto r = send_once(req);
    if (!transient(r) || attempt == kAttempts - 1) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
  }
}

namespace {
Error http_error(const std::string& method, const std::string& url, const Registry::Response& r);
}

Status Registry::ping() {
  Request req{"GET", url("/v2/"), {}, {}, {}};
  WIMG_ASSIGN(Response r, send(req));
  if (r.status != 200) return http_error(req.method, req.url, r);
  return {};
}

Result<bool> Registry::has_blob(const std::string& repo, const Digest& d) {
  Request req{"HEAD", url("/v2/" + repo + "/blobs/" + d.str()), {}, {}, {}};
  WIMG_ASSIGN(Response r, send(req));
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  return http_error(req.method, req.url, r);
}

Result<std::string> Registry::absolute(std::string loc, const std::string& after) const {
  if (loc.empty()) return make_error(ErrorKind::Io, after + ": no Location for the upload");
  if (loc.starts_with("/")) loc = scheme_ + "://" + host_ + loc;
  return loc;
}

// The OCI distribution spec's chunked upload: PATCH each chunk with its
// Content-Range, following the Location each answer gives. A registry that
// refuses chunks answers the first PATCH with a 4xx (not 401, not 404 for
// an expired session): reported as Usage so the caller sends one PUT.
Result<std::string> Registry::send_chunks(std::string loc, const Blob& b, int slot) {
  const std::uint64_t size = b.bytes.size();
  for (std::uint64_t off = 0; off < size;) {
    std::uint64_t n = std::min<std::uint64_t>(opts_.chunk_size, size - off);
    Request patch{"PATCH", loc, std::string_view(b.bytes).substr(off, n), "application/octet-stream", {}};
    patch.content_range = std::to_string(off) + "-" + std::to_string(off + n - 1);
    patch.progress_slot = slot;
    patch.progress_base = off;
    WIMG_ASSIGN(Response r, send_once(patch));
    if (r.status != 202) {
      if (off == 0 && r.status >= 400 && r.status < 500 && r.status != 401 && r.status != 404) {
        return make_error(ErrorKind::Usage, "chunked upload refused: HTTP " + std::to_string(r.status));
      }
      return http_error(patch.method, patch.url, r);
    }
    WIMG_ASSIGN(loc, absolute(r.header("location"), "PATCH " + loc));
    off += n;
  }
  return loc;
}

Result<bool> Registry::upload_blob(const std::string& repo, const Descriptor& d, const MakeBlob& make,
                                   const std::string& mount_from, TransferStats& stats) {
  std::string path = "/v2/" + repo + "/blobs/uploads/";
  if (!mount_from.empty()) path += "?mount=" + escape(d.digest.str()) + "&from=" + escape(mount_from);
  Request start{"POST", url(path), {}, {}, {}};
  WIMG_ASSIGN(Response r, send(start));
  if (r.status == 201 && !mount_from.empty()) return true;  // mounted: nothing to send
  if (r.status != 202) return http_error(start.method, start.url, r);
  WIMG_ASSIGN(std::string loc, absolute(r.header("location"), "POST " + start.url));
  WIMG_ASSIGN(const Blob* made, make());
  const Blob& b = *made;
  const int slot = progress_ != nullptr ? progress_->start(b.desc.digest.str(), b.bytes.size()) : -1;
  std::string_view body = b.bytes;
  if (b.bytes.size() > opts_.chunk_size) {
    auto chunked = send_chunks(loc, b, slot);
    if (chunked.ok()) {
      loc = std::move(*chunked);
      body = {};
      stats.chunked++;
    } else if (chunked.error().kind == ErrorKind::Usage) {
      // Refused: a fresh session for one monolithic PUT.
      WIMG_ASSIGN(r, send(Request{"POST", url("/v2/" + repo + "/blobs/uploads/"), {}, {}, {}}));
      if (r.status != 202) return http_error("POST", url("/v2/" + repo + "/blobs/uploads/"), r);
      WIMG_ASSIGN(loc, absolute(r.header("location"), "POST " + start.url));
    } else {
      return std::move(chunked).error();
    }
  }
  loc += (loc.find('?') == std::string::npos ? "?" : "&");
  loc += "digest=" + escape(b.desc.digest.str());
  Request put{"PUT", loc, body, "application/octet-stream", {}};
  put.progress_slot = body.empty() ? -1 : slot;
  WIMG_ASSIGN(r, send_once(put));  // an upload session is used once: ensure_blob retries from the POST
  if (r.status != 201) return http_error(put.method, put.url, r);
  if (slot >= 0) progress_->done(slot);
  return false;
}

Status Registry::ensure_blob(const std::string& repo, const Blob& b, TransferStats& stats, BlobHints* hints) {
  return ensure_blob(repo, b.desc, [&b]() -> Result<const Blob*> { return &b; }, stats, hints);
}

Status Registry::ensure_blob(const std::string& repo, const Descriptor& d, const MakeBlob& make, TransferStats& stats,
                             BlobHints* hints) {
  WIMG_ASSIGN(bool present, has_blob(repo, d.digest));
  Digest sent = d.digest;
  if (present) {
    stats.blobs_present++;
  } else {
    std::string from;
    if (hints != nullptr) from = hints->repo_for(d.digest, repo).value_or("");
    const Blob* made = nullptr;
    auto make_once = [&]() -> Result<const Blob*> {
      if (made == nullptr) {
        WIMG_ASSIGN(made, make());
      }
      return made;
    };
    Result<bool> up = upload_blob(repo, d, make_once, from, stats);
    for (int attempt = 1; !up.ok() && up.error().kind == ErrorKind::Io && attempt < kAttempts; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
      up = upload_blob(repo, d, make_once, from, stats);
    }
    WIMG_ASSIGN(bool mounted, std::move(up));
    if (mounted) {
      stats.blobs_mounted++;
    } else {
      stats.blobs_uploaded++;
      stats.bytes_uploaded += made->bytes.size();
      sent = made->desc.digest;
    }
  }
  if (hints != nullptr) hints->record(sent, repo);
  return {};
}

Result<std::string> Registry::put_manifest(const std::string& repo, const std::string& reference, const Blob& m) {
  Request req{"PUT", url("/v2/" + repo + "/manifests/" + reference), m.bytes, m.desc.media_type, {}};
  WIMG_ASSIGN(Response r, send(req));
  if (r.status != 201) return http_error(req.method, req.url, r);
  return r.header("oci-subject");
}

Result<Registry::Manifest> Registry::get_manifest(const std::string& repo, const std::string& reference) {
  Request req{"GET", url("/v2/" + repo + "/manifests/" + reference), {}, {},
              std::string(kOciManifest) + ", application/vnd.docker.distribution.manifest.v2+json"};
  WIMG_ASSIGN(Response r, send(req));
  if (r.status != 200) return http_error(req.method, req.url, r);
  std::string type = r.header("content-type");
  if (auto semi = type.find(';'); semi != std::string::npos) type.resize(semi);
  return Manifest{std::move(r.body), type, r.header("docker-content-digest")};
}

Result<std::string> Registry::get_blob(const std::string& repo, const Digest& d, std::uint64_t size) {
  Request req{"GET", url("/v2/" + repo + "/blobs/" + d.str()), {}, {}, {}};
  req.progress_slot = progress_ != nullptr ? progress_->start(d.str(), size) : -1;
  WIMG_ASSIGN(Response r, send(req));
  if (r.status != 200) return http_error(req.method, req.url, r);
  if (req.progress_slot >= 0) progress_->done(req.progress_slot);
  return std::move(r.body);
}

namespace {
Error http_error(const std::string& method, const std::string& url, const Registry::Response& r) {
  std::string body = r.body.substr(0, 300);
  std::string hint = r.status == 401 ? " (credentials refused or missing: wimg login)" : "";
  return make_error(kind_of(r.status), method + " " + url + ": HTTP " + std::to_string(r.status) + hint +
                                           (body.empty() ? "" : ": " + body));
}
}  // namespace

Result<std::string> RegistrySource::fetch(const Descriptor& d) {
  if (d.digest == manifest_.digest) return manifest_bytes_;
  WIMG_ASSIGN(std::string bytes, reg_.get_blob(repo_, d.digest, d.size));
  if (hints_ != nullptr) hints_->record(d.digest, repo_);  // a hint: verified by the caller
  return bytes;
}

std::string RegistrySource::where(const Descriptor& d) const {
  return reg_.url("/v2/" + repo_ + (d.digest == manifest_.digest ? "/manifests/" : "/blobs/") + d.digest.str());
}

namespace {

// A wasm artifact: its module and config blobs, then its manifest; the
// registry's OCI-Subject answer.
Result<std::string> push_artifact(Registry& reg, const std::string& repo, const std::string& reference,
                                  const std::array<const Blob*, 3>& art, TransferStats& stats, BlobHints* hints) {
  WIMG_TRY(reg.ensure_blob(repo, *art[2], stats, hints));
  WIMG_TRY(reg.ensure_blob(repo, *art[1], stats, hints));
  return reg.put_manifest(repo, reference, *art[0]);
}

}  // namespace

Result<PushedArtifact> push_wasm(Registry& reg, const RemoteRef& to, std::string wasm, std::int64_t created,
                                 const std::optional<Descriptor>& subject, TransferStats& stats, BlobHints* hints) {
  if (to.reference.starts_with("sha256:")) {
    return make_error(ErrorKind::Usage, to.str() + ": push to a tag, not a digest");
  }
  auto art = wasm_artifact(std::move(wasm), created, subject);
  WIMG_ASSIGN(std::string answer, push_artifact(reg, to.repo, to.reference, {&art[0], &art[1], &art[2]}, stats, hints));
  return PushedArtifact{art[0].desc, subject && answer == subject->digest.str()};
}

Result<Descriptor> push_image(store::Store& store, const Digest& image, Registry& reg, const RemoteRef& to,
                              TransferStats& stats, BlobHints* hints, unsigned threads) {
  if (to.reference.starts_with("sha256:")) {
    return make_error(ErrorKind::Usage, to.str() + ": push to a tag, not a digest");
  }
  WIMG_ASSIGN(std::string wimg_text, store.get(image));
  WIMG_ASSIGN(image::Manifest m, image::decode_manifest(wimg_text, image.str()));
  // Blobs go up in parallel: the base module (the largest blob, nothing to
  // compute) first, then the layers, each tarred and compressed on its
  // worker (and only when needed, see below).
  Jobs jobs(kParallelTransfers);
  if (m.base) {
    jobs.add([&]() -> Status {
      WIMG_ASSIGN(std::string wasm, store.get(m.base->digest));
      auto art = wasm_artifact(std::move(wasm), m.created, std::nullopt);
      // By digest: keeps the base module referenced in the repository.
      WIMG_TRY(push_artifact(reg, to.repo, art[0].desc.digest.str(), {&art[0], &art[1], &art[2]}, stats, hints));
      return {};
    });
  }
  // A layer whose blob name is remembered (dist/layer_names.h) is only
  // tarred and compressed when the registry has it neither in the
  // repository nor where a mount hint points.
  std::vector<LayerBlob> layers(m.layers.size());
  for (std::size_t i = 0; i < m.layers.size(); ++i) {
    jobs.add([&, i]() -> Status {
      const Digest& layer = m.layers[i].digest;
      auto known = read_layer_name(store, layer, m.created);
      std::optional<LayerBlob> made;
      auto make = [&]() -> Result<const Blob*> {
        WIMG_ASSIGN(made, export_layer(store, layer, m.created, threads));
        return &made->blob;
      };
      if (known) {
        WIMG_TRY(reg.ensure_blob(to.repo, known->blob, make, stats, hints));
        layers[i] = made ? LayerBlob{Blob{made->blob.desc, {}}, made->diff_id}
                         : LayerBlob{Blob{known->blob, {}}, known->diff_id};
        return {};
      }
      WIMG_TRY(make());
      WIMG_TRY(reg.ensure_blob(to.repo, made->blob, stats, hints));
      layers[i] = LayerBlob{Blob{made->blob.desc, {}}, made->diff_id};
      return {};
    });
  }
  WIMG_TRY(jobs.wait());
  ImageBlobs ib = image_blobs(m, wimg_text, layers);
  WIMG_TRY(reg.ensure_blob(to.repo, ib.config, stats, hints));
  WIMG_TRY(reg.put_manifest(to.repo, to.reference, ib.manifest));
  return ib.manifest.desc;
}

Result<Digest> pull_image(store::Store& store, Registry& reg, const RemoteRef& from,
                          const std::optional<image::Reference>& name, const layers::ImportOptions& opts,
                          ImportStats* stats, BlobHints* hints, const std::optional<Digest>& onto) {
  WIMG_ASSIGN(Registry::Manifest m, reg.get_manifest(from.repo, from.reference));
  const std::string where = reg.url("/v2/" + from.repo + "/manifests/" + from.reference);
  Digest d = sha256_of(m.bytes);
  if (from.reference.starts_with("sha256:") && d.str() != from.reference) {
    return make_error(ErrorKind::Corrupt, where + ": content has digest " + d.str());
  }
  if (!m.digest_header.empty() && m.digest_header != d.str()) {
    return make_error(ErrorKind::Corrupt, where + ": content has digest " + d.str() + ", the registry says " + m.digest_header);
  }
  if (is_index_type(m.media_type)) {
    return make_error(ErrorKind::Input, where + ": an image index; wimg pulls image manifests only");
  }
  Descriptor desc{m.media_type.empty() ? std::string(kOciManifest) : m.media_type, d, m.bytes.size(), {}};
  RegistrySource source(reg, from.repo, desc, std::move(m.bytes), hints);
  return import_image(store, source, desc, name, opts, stats, onto);
}

}  // namespace wimg::dist
