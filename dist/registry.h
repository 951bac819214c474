// A client of the OCI distribution API over libcurl (loaded on first use,
// net/curl.h): blob existence (HEAD), uploads (POST, then one PUT ?digest=,
// or PATCH chunks then PUT for blobs over `chunk_size`, falling back to one
// PUT when the registry refuses chunks), manifest PUT/GET by tag or
// digest, blob GET. Thread-safe: parallel transfers share one Registry
// (each takes a libcurl handle from a pool, so connections are reused). Plain http for loopback hosts or with `insecure`,
// https with the system CA store otherwise; basic credentials, sent
// directly or exchanged for a Bearer token when the registry asks
// (WWW-Authenticate). Nothing here trusts what it receives: callers verify
// digests (dist/oci.h import_image, pull_image). A host with its own CA
// file (Docker's certs.d convention, cli/registry_options.h) is always
// https, loopback or not.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dist/hints.h"
#include "dist/oci.h"
#include "dist/transfer.h"

namespace wimg::dist {

// "host[:port]/repo/path[:tag|@sha256:<hex>]"; the host part must look like
// one (a "." or ":" in it, or "localhost"), as in Docker.
struct RemoteRef {
  std::string host;
  std::string repo;
  std::string reference;  // tag or "sha256:<hex>"
  std::string str() const;
};
Result<RemoteRef> parse_remote(std::string_view text);

struct Credentials {
  std::string user;
  std::string password;
};

struct RegistryOptions {
  bool insecure = false;  // plain http (loopback hosts too, unless ca_file is set)
  std::optional<Credentials> credentials;
  std::string ca_file;    // https, trusting this CA (PEM) besides the system store
  std::uint64_t chunk_size = 8ull << 20;  // blobs larger than this are uploaded in PATCH chunks of this size
};

struct TransferStats {  // counted by parallel transfers
  std::atomic<std::uint64_t> blobs_uploaded = 0;
  std::atomic<std::uint64_t> bytes_uploaded = 0;
  std::atomic<std::uint64_t> blobs_present = 0;  // HEAD said the registry has them
  std::atomic<std::uint64_t> blobs_mounted = 0;  // mounted from another repository of the registry
  std::atomic<std::uint64_t> chunked = 0;        // uploads sent as PATCH chunks
};

class Registry {
 public:
  Registry(std::string host, RegistryOptions opts);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Blob transfers report their bytes here (nullptr: nowhere).
  void set_progress(Progress* p) { progress_ = p; }

  // GET /v2/: checks the API is there and the credentials work.
  Status ping();
  Result<bool> has_blob(const std::string& repo, const Digest& d);
  // A blob's bytes, made when first needed: a layer is tarred and
  // compressed only when the registry must receive it. What it makes is
  // what is sent (its own digest, which the caller names in the manifest).
  using MakeBlob = std::function<Result<const Blob*>()>;
  // Upload (POST, then PUT ?digest=, or PATCH chunks and PUT); with
  // `mount_from`, asks the registry to mount `d` from that repository
  // first. True when mounted (nothing made, no bytes sent).
  Result<bool> upload_blob(const std::string& repo, const Descriptor& d, const MakeBlob& make,
                           const std::string& mount_from, TransferStats& stats);
  // Uploads (or mounts, when hints know another repository with it) unless
  // HEAD finds it; counts in stats, records where it now is in hints.
  Status ensure_blob(const std::string& repo, const Blob& b, TransferStats& stats, BlobHints* hints);
  // The same for a blob known by its descriptor, made only if it must be sent.
  Status ensure_blob(const std::string& repo, const Descriptor& d, const MakeBlob& make, TransferStats& stats,
                     BlobHints* hints);
  // Returns the registry's OCI-Subject answer: the subject's digest when it
  // indexed the manifest's `subject` (OCI 1.1 referrers), else "".
  Result<std::string> put_manifest(const std::string& repo, const std::string& reference, const Blob& m);
  struct Manifest {
    std::string bytes;
    std::string media_type;
    std::string digest_header;  // Docker-Content-Digest, when sent
  };
  Result<Manifest> get_manifest(const std::string& repo, const std::string& reference);
  // `size` (the descriptor's) only sizes the progress display.
  Result<std::string> get_blob(const std::string& repo, const Digest& d, std::uint64_t size = 0);
  std::string url(const std::string& path) const;

  struct Response;
  struct Request;

 private:
  static constexpr int kAttempts = 4;
  Result<Response> send(const Request& req);
  Result<Response> send_once(const Request& req);
  Result<Response> perform(const Request& req, const std::string& auth_header);
  Status authenticate(const std::string& challenge, const std::string& failed_header);
  std::string auth_header() const;
  // Chunks of an upload session at `location`; Usage when the registry
  // refuses chunked uploads (the caller then sends it in one PUT).
  Result<std::string> send_chunks(std::string location, const Blob& b, int progress_slot);
  Result<std::string> absolute(std::string location, const std::string& after) const;
  std::string host_;
  RegistryOptions opts_;
  std::string scheme_;
  Progress* progress_ = nullptr;
  mutable std::mutex mu_;    // guards the two below
  std::string auth_header_;  // "Authorization: ..." once known
  std::vector<void*> idle_;  // libcurl handles not in use (each keeps its connections)
  std::set<std::string> scopes_;  // every Bearer scope asked for so far
};

// Reads a pulled image's blobs from the registry; the manifest is served
// from memory.
class RegistrySource : public BlobSource {
 public:
  RegistrySource(Registry& reg, std::string repo, Descriptor manifest, std::string manifest_bytes, BlobHints* hints)
      : reg_(reg),
        repo_(std::move(repo)),
        manifest_(std::move(manifest)),
        manifest_bytes_(std::move(manifest_bytes)),
        hints_(hints) {}
  Result<std::string> fetch(const Descriptor& d) override;
  std::string where(const Descriptor& d) const override;
  bool concurrent() const override { return true; }

 private:
  Registry& reg_;
  std::string repo_;
  Descriptor manifest_;
  std::string manifest_bytes_;
  BlobHints* hints_;
};

// Pushes a store image: every blob the registry lacks, the base's wasm
// artifact by digest, then the image manifest under `tag`.
// `threads` compress each layer.
Result<Descriptor> push_image(store::Store& store, const Digest& image, Registry& reg, const RemoteRef& to,
                              TransferStats& stats, BlobHints* hints, unsigned threads = 1);
// Pushes a rendered module as the CNCF wasm artifact (config
// application/vnd.wasm.config.v0+json, one application/wasm layer) under
// `tag`, with `subject` (the image manifest it was rendered from) when
// given. `indexed`: the registry answered OCI-Subject, i.e. lists it among
// the subject's referrers; one without the OCI 1.1 referrers API (Debian's
// docker-registry 2.8) keeps the field in the stored bytes and says nothing.
struct PushedArtifact {
  Descriptor manifest;
  bool indexed = false;
};
Result<PushedArtifact> push_wasm(Registry& reg, const RemoteRef& to, std::string wasm, std::int64_t created,
                                 const std::optional<Descriptor>& subject, TransferStats& stats, BlobHints* hints);
// Pulls an image into the store (dist/oci.h import_image; a foreign image
// onto the wimg image `onto`) and names it.
Result<Digest> pull_image(store::Store& store, Registry& reg, const RemoteRef& from,
                          const std::optional<image::Reference>& name, const layers::ImportOptions& opts,
                          ImportStats* stats, BlobHints* hints, const std::optional<Digest>& onto = std::nullopt);

}  // namespace wimg::dist
