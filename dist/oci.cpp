#include "dist/oci.h"

#include <ctime>

#include "dist/foreign.h"
#include "dist/layer_names.h"
#include "dist/layer_tar.h"
#include "dist/transfer.h"
#include "image/images.h"
#include "image/manifest.h"
#include "layers/archive.h"
#include "layers/builder.h"
#include "layers/index.h"
#include "runtime/wasm/module.h"
#include "store/batch.h"

namespace wimg::dist {

using nlohmann::json;

namespace {

std::string rfc3339(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Error corrupt(const std::string& where, const std::string& why) {
  return make_error(ErrorKind::Corrupt, where + ": " + why);
}

Result<json> parse_json(std::string_view bytes, const std::string& where) {
  json j = json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return corrupt(where, "not a JSON object");
  return j;
}

json oci_config(const image::Manifest& m, const json& wimg, const std::vector<std::string>& diff_ids) {
  json c = json::object();
  c["Env"] = m.config.env;
  if (m.config.entrypoint) c["Entrypoint"] = *m.config.entrypoint;
  if (m.config.cmd) c["Cmd"] = *m.config.cmd;
  if (!m.config.workdir.empty()) c["WorkingDir"] = m.config.workdir;
  if (!m.config.labels.empty()) c["Labels"] = m.config.labels;
  // OCI's form of VOLUME: a set, each path mapped to an empty object.
  if (!m.config.volumes.empty()) {
    json v = json::object();
    for (const auto& p : m.config.volumes) v[p] = json::object();
    c["Volumes"] = v;
  }
  json history = json::array();
  for (const auto& h : m.history) {
    json item{{"created", rfc3339(m.created)}, {"created_by", h.created_by}};
    if (h.empty_layer) item["empty_layer"] = true;
    history.push_back(item);
  }
  return json{{"architecture", "wasm"},
              {"os", "wasip1"},
              {"created", rfc3339(m.created)},
              {"config", c},
              {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
              {"history", history},
              {"wimg", wimg}};
}

json manifest_json(const Descriptor& config, const std::vector<Descriptor>& layers, std::int64_t created) {
  json ls = json::array();
  for (const auto& l : layers) ls.push_back(descriptor_json(l));
  return json{{"schemaVersion", 2},
              {"mediaType", kOciManifest},
              {"config", descriptor_json(config)},
              {"layers", ls},
              {"annotations", {{"org.opencontainers.image.created", rfc3339(created)}}}};
}

Result<std::string> fetch_verified(BlobSource& source, const Descriptor& d, ImportStats* stats) {
  WIMG_ASSIGN(std::string bytes, source.fetch(d));
  WIMG_TRY(verify_blob(bytes, d, source.where(d)));
  if (stats != nullptr) {
    stats->blobs_fetched++;
    stats->bytes_fetched += bytes.size();
  }
  return bytes;
}

bool is_layer_type(std::string_view t) {
  return t == kOciLayerTar || t == kOciLayerGzip || t == "application/vnd.oci.image.layer.v1.tar+zstd" ||
         t == kDockerLayerGzip;
}

// The wimg manifest a config carries, checked to be canonical so that its
// digest is the one it had where it came from.
Result<image::Manifest> wimg_manifest(const json& config, const std::string& where) {
  if (!config["wimg"].is_object()) return corrupt(where, "its \"wimg\" field is not an object");
  std::string text = config["wimg"].dump();
  WIMG_ASSIGN(image::Manifest m, image::decode_manifest(text, where));
  if (image::encode_manifest(m) != text) return corrupt(where, "the \"wimg\" manifest is not in canonical form");
  return m;
}

struct Ingest {
  store::Store& store;
  BlobSource& source;
  const layers::ImportOptions& opts;
  ImportStats* stats;
};

struct Rebuilt {
  std::string index;
  image::LayerRef ref;  // digest, files, bytes
};

// Fetches a layer's tar and rebuilds its entries into `batch`.
Result<Rebuilt> rebuild_layer(Ingest& in, store::Batch& batch, const Descriptor& d, const std::string& where) {
  if (!is_layer_type(d.media_type)) return corrupt(where, "unsupported layer media type \"" + d.media_type + "\"");
  WIMG_ASSIGN(std::string bytes, fetch_verified(in.source, d, in.stats));
  // A gzip'd tar up to 1 GiB is inflated whole by libdeflate (a fifth of a
  // pull's CPU was zlib's inflate inside libarchive); else, or if it is not
  // valid gzip, libarchive reads the blob as it is.
  if (d.media_type == kOciLayerGzip || d.media_type == kDockerLayerGzip) {
    if (auto tar = gunzip(bytes, std::size_t{1} << 30)) bytes = std::move(*tar);
  }
  layers::LayerBuilder builder(where);
  WIMG_TRY(layers::read_archive_memory(bytes, where, batch, builder, in.opts));
  WIMG_ASSIGN(auto entries, builder.finish());
  Rebuilt out;
  WIMG_ASSIGN(out.index, layers::encode_index(entries));
  out.ref.digest = sha256_of(out.index);
  auto st = layers::stats_of(entries);
  out.ref.files = st.files;
  out.ref.bytes = st.bytes;
  return out;
}

std::string layer_where(const BlobSource& source, const Descriptor& d, std::size_t i) {
  return source.where(d) + " (layer " + std::to_string(i + 1) + ")";
}

// A wimg image's layer: the rebuilt index must hash to the digest the image
// names. Returns the index bytes.
Result<std::string> ingest_layer(Ingest& in, store::Batch& batch, const Descriptor& d, const image::LayerRef& want,
                                 std::size_t i) {
  const std::string where = layer_where(in.source, d, i);
  WIMG_ASSIGN(Rebuilt r, rebuild_layer(in, batch, d, where));
  if (r.ref.digest != want.digest) {
    return corrupt(where, "its files make layer " + r.ref.digest.str() + ", the image names " + want.digest.str());
  }
  if (r.ref.files != want.files || r.ref.bytes != want.bytes) return corrupt(where, "file count or size differs from the image");
  return std::move(r.index);
}

// A foreign image (dist/foreign.h) onto the wimg image `onto`: every layer
// is fetched and rebuilt (its wimg digest is known only then), committed,
// and stacked above the base's layers.
Result<Digest> import_foreign(Ingest& in, const ForeignConfig& f, const std::vector<Descriptor>& ldescs,
                              const Digest& onto, const Digest& oci_manifest,
                              const std::optional<image::Reference>& name) {
  WIMG_ASSIGN(image::Manifest base, image::load_image(in.store, onto));
  WIMG_ASSIGN(auto lock, in.store.writer_lock());
  store::Batch batch(in.store);
  Jobs jobs(in.source.concurrent() ? kParallelTransfers : 1);
  std::vector<Rebuilt> rebuilt(ldescs.size());
  for (std::size_t i = 0; i < ldescs.size(); ++i) {
    jobs.add([&, i]() -> Status {
      WIMG_ASSIGN(rebuilt[i], rebuild_layer(in, batch, ldescs[i], layer_where(in.source, ldescs[i], i)));
      return {};
    });
  }
  WIMG_TRY(jobs.wait());
  WIMG_TRY(batch.commit());
  std::vector<image::LayerRef> refs;
  for (auto& r : rebuilt) {
    WIMG_TRY(in.store.put(r.index));
    refs.push_back(std::move(r.ref));
  }
  image::Manifest m = foreign_manifest(std::move(base), f, std::move(refs), oci_manifest);
  WIMG_ASSIGN(Digest d, image::put_image(in.store, m));
  if (name) WIMG_TRY(image::tag_image(in.store, d, *name));
  return d;
}

}  // namespace

bool is_index_type(std::string_view t) {
  return t == kOciIndex || t == "application/vnd.docker.distribution.manifest.list.v2+json";
}

json descriptor_json(const Descriptor& d) {
  json j{{"mediaType", d.media_type}, {"digest", d.digest.str()}, {"size", d.size}};
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  return j;
}

Result<Descriptor> parse_descriptor(const json& j, const std::string& where) {
  if (!j.is_object()) return corrupt(where, "a descriptor is not an object");
  if (!j.contains("mediaType") || !j["mediaType"].is_string()) return corrupt(where, "a descriptor lacks mediaType");
  if (!j.contains("digest") || !j["digest"].is_string()) return corrupt(where, "a descriptor lacks digest");
  if (!j.contains("size") || !j["size"].is_number_unsigned()) return corrupt(where, "a descriptor lacks size");
  Descriptor d;
  d.media_type = j["mediaType"].get<std::string>();
  auto dg = Digest::parse(j["digest"].get<std::string>());
  if (!dg.ok()) return corrupt(where, dg.error().message);
  d.digest = *dg;
  d.size = j["size"].get<std::uint64_t>();
  if (j.contains("annotations") && j["annotations"].is_object()) {
    for (const auto& [k, v] : j["annotations"].items()) {
      if (v.is_string()) d.annotations[k] = v.get<std::string>();
    }
  }
  return d;
}

Blob make_blob(std::string_view media_type, std::string bytes) {
  Blob b;
  b.desc.media_type = std::string(media_type);
  b.desc.digest = sha256_of(bytes);
  b.desc.size = bytes.size();
  b.bytes = std::move(bytes);
  return b;
}

std::array<Blob, 3> wasm_artifact(std::string wasm, std::int64_t created, const std::optional<Descriptor>& subject) {
  Blob layer = make_blob(kWasmLayer, std::move(wasm));
  json cfg{{"architecture", "wasm"},
           {"os", "wasip1"},
           {"created", rfc3339(created)},
           {"layerDigests", json::array({layer.desc.digest.str()})}};
  Blob config = make_blob(kWasmConfig, cfg.dump());
  json m = manifest_json(config.desc, {layer.desc}, created);
  if (subject) m["subject"] = descriptor_json(*subject);
  Blob manifest = make_blob(kOciManifest, m.dump());
  return {std::move(manifest), std::move(config), std::move(layer)};
}

Result<LayerBlob> export_layer(store::Store& store, const Digest& layer, std::int64_t mtime, unsigned threads) {
  // Made before (save, push): the compressed blob is an object until prune.
  if (auto known = read_layer_name(store, layer, mtime); known && store.has(known->blob.digest)) {
    auto bytes = store.get(known->blob.digest);  // re-hashed
    if (bytes.ok() && bytes->size() == known->blob.size) {
      return LayerBlob{Blob{known->blob, std::move(*bytes)}, known->diff_id};
    }
  }
  WIMG_ASSIGN(std::string index, store.get(layer));
  WIMG_ASSIGN(auto entries, layers::decode_index(index, layer.str()));
  WIMG_ASSIGN(std::string tar, write_layer_tar(store, entries, mtime));
  LayerBlob out;
  out.diff_id = sha256_of(tar).str();
  WIMG_ASSIGN(std::string gz, gzip(tar, threads));
  out.blob = make_blob(kOciLayerGzip, std::move(gz));
  // Best effort, both: without them the next export makes the blob again.
  if (store.put(out.blob.bytes).ok()) write_layer_name(store, layer, mtime, LayerName{out.blob.desc, out.diff_id});
  return out;
}

ImageBlobs image_blobs(const image::Manifest& m, const std::string& wimg_text, const std::vector<LayerBlob>& layers) {
  std::vector<std::string> diff_ids;
  std::vector<Descriptor> descs;
  for (const auto& l : layers) {
    diff_ids.push_back(l.diff_id);
    descs.push_back(l.blob.desc);
  }
  ImageBlobs out;
  out.config = make_blob(kOciConfig, oci_config(m, json::parse(wimg_text), diff_ids).dump());
  out.manifest = make_blob(kOciManifest, manifest_json(out.config.desc, descs, m.created).dump());
  return out;
}

Result<Descriptor> image_manifest_descriptor(store::Store& store, const Digest& image, unsigned threads) {
  WIMG_ASSIGN(std::string wimg_text, store.get(image));
  WIMG_ASSIGN(image::Manifest m, image::decode_manifest(wimg_text, image.str()));
  std::vector<LayerBlob> layers;
  for (const auto& l : m.layers) {
    if (auto known = read_layer_name(store, l.digest, m.created)) {
      layers.push_back(LayerBlob{Blob{known->blob, {}}, known->diff_id});
      continue;
    }
    WIMG_ASSIGN(LayerBlob b, export_layer(store, l.digest, m.created, threads));
    layers.push_back(LayerBlob{Blob{b.blob.desc, {}}, b.diff_id});
  }
  return image_blobs(m, wimg_text, layers).manifest.desc;
}

Result<OciImage> export_image(store::Store& store, const Digest& image, unsigned threads) {
  WIMG_ASSIGN(std::string wimg_text, store.get(image));
  WIMG_ASSIGN(image::Manifest m, image::decode_manifest(wimg_text, image.str()));
  OciImage out;
  std::vector<LayerBlob> layers;
  for (const auto& l : m.layers) {
    WIMG_ASSIGN(LayerBlob b, export_layer(store, l.digest, m.created, threads));
    layers.push_back(std::move(b));
  }
  ImageBlobs ib = image_blobs(m, wimg_text, layers);
  out.config = std::move(ib.config);
  out.manifest = std::move(ib.manifest);
  for (auto& l : layers) out.layers.push_back(std::move(l.blob));
  if (m.base) {
    WIMG_ASSIGN(std::string wasm, store.get(m.base->digest));
    auto art = wasm_artifact(std::move(wasm), m.created, std::nullopt);
    for (auto& b : art) out.base.push_back(std::move(b));
  }
  return out;
}

Status verify_blob(std::string_view bytes, const Descriptor& d, const std::string& where) {
  if (bytes.size() != d.size) {
    return corrupt(where, "got " + std::to_string(bytes.size()) + " bytes, the descriptor says " + std::to_string(d.size));
  }
  Digest got = sha256_of(bytes);
  if (got != d.digest) return corrupt(where, "content has digest " + got.str() + ", expected " + d.digest.str());
  return {};
}

Result<Digest> import_image(store::Store& store, BlobSource& source, const Descriptor& manifest,
                            const std::optional<image::Reference>& name, const layers::ImportOptions& opts,
                            ImportStats* stats, const std::optional<Digest>& onto) {
  const std::string mwhere = source.where(manifest);
  WIMG_ASSIGN(std::string mbytes, fetch_verified(source, manifest, stats));
  WIMG_ASSIGN(json mj, parse_json(mbytes, mwhere));
  const bool typed = mj.contains("mediaType") && mj["mediaType"].is_string();
  if (is_index_type(manifest.media_type) || (typed && is_index_type(mj["mediaType"].get<std::string>()))) {
    return make_error(ErrorKind::Input, mwhere + ": an image index (one manifest per platform), not an image; "
                                                 "copy one platform's image (skopeo copy --override-os/--override-arch)");
  }
  if (!mj.contains("config") || !mj.contains("layers") || !mj["layers"].is_array()) {
    return corrupt(mwhere, "not an image manifest (no config or layers)");
  }
  WIMG_ASSIGN(Descriptor cdesc, parse_descriptor(mj["config"], mwhere));
  std::vector<Descriptor> ldescs;
  for (const auto& l : mj["layers"]) {
    WIMG_ASSIGN(Descriptor d, parse_descriptor(l, mwhere));
    ldescs.push_back(d);
  }
  const std::string cwhere = source.where(cdesc);
  WIMG_ASSIGN(std::string cbytes, fetch_verified(source, cdesc, stats));
  WIMG_ASSIGN(json cj, parse_json(cbytes, cwhere));
  Ingest in{store, source, opts, stats};
  if (!is_wimg_config(cj)) {
    WIMG_ASSIGN(ForeignConfig f, parse_foreign_config(cj, cwhere));
    if (stats != nullptr) stats->foreign_platform = f.platform;
    if (!onto) return foreign_without_base(f, ldescs.size(), mwhere);
    return import_foreign(in, f, ldescs, *onto, manifest.digest, name);
  }
  WIMG_ASSIGN(image::Manifest m, wimg_manifest(cj, cwhere));
  if (m.layers.size() != ldescs.size()) {
    return corrupt(mwhere, std::to_string(ldescs.size()) + " layers, the wimg image has " + std::to_string(m.layers.size()));
  }

  WIMG_ASSIGN(auto lock, store.writer_lock());
  store::Batch batch(store);
  // The base and the missing layers are fetched (and layers rebuilt into
  // the batch) in parallel when the source allows it; the largest blob, the
  // base, starts first.
  Jobs jobs(source.concurrent() ? kParallelTransfers : 1);
  if (m.base && !store.has(m.base->digest)) {
    jobs.add([&]() -> Status {
      Descriptor bd{std::string(kWasmLayer), m.base->digest, m.base->size, {}};
      WIMG_ASSIGN(std::string base, fetch_verified(source, bd, stats));
      WIMG_TRY(wasm::parse_module(base, source.where(bd)));
      // Committed with the files: nothing names it before the image does.
      // fetch_verified hashed it: no second hash.
      WIMG_TRY(batch.add_hashed(base, m.base->digest));
      return {};
    });
  }
  std::vector<std::optional<std::string>> indexes(ldescs.size());
  for (std::size_t i = 0; i < ldescs.size(); ++i) {
    if (store.has(m.layers[i].digest)) {
      if (stats != nullptr) stats->layers_present++;
      continue;
    }
    jobs.add([&, i]() -> Status {
      WIMG_ASSIGN(indexes[i], ingest_layer(in, batch, ldescs[i], m.layers[i], i));
      return {};
    });
  }
  WIMG_TRY(jobs.wait());
  // Everything fetched is verified: commit files and the base, then
  // indexes (a layer index only after its files), then the image.
  WIMG_TRY(batch.commit());
  for (const auto& index : indexes) {
    if (index) WIMG_TRY(store.put(*index));
  }
  WIMG_ASSIGN(Digest d, image::put_image(store, m));
  if (name) WIMG_TRY(image::tag_image(store, d, *name));
  return d;
}

}  // namespace wimg::dist
