// wimg pack BASE.wasm -o OUT.wasm --layer DIGEST|PATH ... — one runnable
// WebAssembly file: the base with the guest runtime injected (cached per
// base and runtime, image/prepared.h) and the layers spliced in
// (image/packing.h, shared with build and run).
#include "cli/commands.h"
#include "cli/preparer.h"
#include "image/packing.h"
#include "layers/import.h"
#include "layers/index.h"
#include "layers/statcache.h"
#include "runtime/pack/assemble.h"
#include "runtime/pack/host_limits.h"
#include "runtime/pack/packed.h"
#include "support/errors.h"
#include "support/fs.h"

namespace wimg::cli {

namespace {

struct PackArgs {
  std::string base;
  std::string output;
  std::vector<std::string> layers;
  std::vector<std::string> mounts;
  std::vector<std::string> env;
  std::vector<std::string> labels;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string workdir;
  bool entrypoint_set = false;
  bool cmd_set = false;
};

pack::PackLayer layer_from_arg(store::Store& store, const std::string& arg, const Context& ctx) {
  if (arg.starts_with("sha256:")) {
    Digest d = unwrap(Digest::parse(arg));
    auto entries = unwrap(layers::decode_index(unwrap(store.get(d)), d.str()));
    return {d, std::move(entries), "layer " + d.str()};
  }
  auto r = unwrap(layers::import_path(store, arg, ctx.import_options()));
  return {r.digest, std::move(r.entries), "layer add " + arg};
}

pack::PackedConfig config_of(const PackArgs& a) {
  pack::PackedConfig c;
  if (a.entrypoint_set) c.entrypoint = a.entrypoint;
  if (a.cmd_set) c.cmd = a.cmd;
  c.env = a.env;
  c.workdir = a.workdir;
  c.mounts = a.mounts;
  for (const auto& kv : a.labels) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw Failure(ErrorKind::Usage, "--label " + kv + ": expected KEY=VALUE");
    c.labels[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& kv : a.env) {
    if (kv.find('=') == std::string::npos || kv.front() == '=') {
      throw Failure(ErrorKind::Usage, "--env " + kv + ": expected KEY=VALUE");
    }
  }
  if (!a.workdir.empty() && a.workdir.front() != '/') {
    throw Failure(ErrorKind::Usage, "--workdir " + a.workdir + ": must be an absolute guest path");
  }
  return c;
}

// The base file, known by digest through the store's stat cache (keyed by
// the file's real path, as a COPY's files are by their tree) when its stat
// is unchanged: a repeated pack then neither reads nor hashes it.
struct BaseFile {
  image::GivenBase given;
  std::optional<layers::StatCache> cache;
  layers::StatKey key;
  void remember() {
    if (!cache || !given.digest) return;
    cache->record("", key, *given.digest);
    (void)cache->save();  // only a cache: a failure costs a re-hash
  }
};

BaseFile base_file(const store::Store& store, const std::string& path, const Context& ctx) {
  BaseFile f;
  f.given.shown = path;
  const std::string real = unwrap(fs::real_path(path));
  struct stat st;
  if (::stat(real.c_str(), &st) != 0) throw Failure(fs::os_error("cannot read", path, errno));
  f.given.size = static_cast<std::uint64_t>(st.st_size);
  f.key = layers::StatKey::from(st);
  const auto opts = ctx.import_options();
  if (opts.use_stat_cache && S_ISREG(st.st_mode)) {
    f.cache = layers::StatCache::in_store(store, real, opts.walk_start_ns);
    f.given.digest = f.cache->lookup("", f.key);
  }
  f.given.load = [path, real]() -> Result<std::string> {
    WIMG_ASSIGN(std::string bytes, fs::read_file(real));
    if (!pack::looks_like_wasm(bytes)) return make_error(ErrorKind::Input, path + ": not a WebAssembly module");
    return bytes;
  };
  return f;
}

// The image the flags describe, rendered by the same code as `wimg build -o`
// and `wimg run` (image/packing.h); the base stays a file, not an object.
void run_pack(const PackArgs& a, const Context& ctx) {
  if (a.layers.empty()) throw Failure(ErrorKind::Usage, "pack needs at least one --layer");
  const pack::PackedConfig c = config_of(a);
  image::Manifest m;
  m.created = ctx.source_date_epoch().value_or(0);
  m.config = image::Config{c.env, c.entrypoint, c.cmd, c.workdir, c.labels, c.mounts, {}};
  store::Store store = ctx.open_store();
  // Held from the first new object until the output is written: a
  // concurrent prune waits instead of collecting layers or the prepared base.
  auto lock = unwrap(store.writer_lock());
  for (const auto& l : a.layers) {
    pack::PackLayer p = layer_from_arg(store, l, ctx);
    const layers::LayerStats st = layers::stats_of(p.entries);
    m.layers.push_back({p.digest, st.files, st.bytes, p.created_by});
  }
  // Like `wimg build -o`: streamed, atomic, not fsynced (cli/cmd_build.cpp says why).
  BaseFile file = base_file(store, a.base, ctx);
  auto r = unwrap(image::write_wasm_from_base(store, file.given, m, guest_preparer(&ctx), a.output));
  file.remember();
  for (const auto& w : pack::host_limit_warnings(r.size, r.data_segments)) ctx.warn(a.output + ": " + w);
  ctx.out << "packed " << a.output << ": " << r.size << " bytes, " << m.layers.size() << " layers"
          << (r.base_prepared ? ", base prepared" : "") << "\n"
          << r.digest->str() << "\n";
}

}  // namespace

void register_pack(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<PackArgs>();
  auto* cmd = app.add_subcommand("pack", "Pack a base module and layers into one runnable .wasm file");
  cmd->add_option("BASE", a->base, "Base WebAssembly module (WASI preview1)")->required();
  cmd->add_option("-o,--output", a->output, "Output .wasm file (written atomically)")->required();
  cmd->add_option("--layer", a->layers, "Layer digest, directory or archive (repeatable, bottom first)")->required();
  cmd->add_option("--mount", a->mounts, "Extra preopen: an absolute directory of the image (repeatable)");
  cmd->add_option("--env", a->env, "K=V baked into the guest environment (repeatable)");
  cmd->add_option("--label", a->labels, "K=V label stored in the manifest (repeatable)");
  cmd->add_option("--workdir", a->workdir, "Working directory recorded in the config");
  auto* ep =
      cmd->add_option("--entrypoint", a->entrypoint, "Guest argv prefix (ARG...; use --entrypoint=-x for dashes)")
          ->expected(0, -1)
          ->allow_extra_args();
  auto* cm = cmd->add_option("--cmd", a->cmd, "Default arguments after the entrypoint (ARG...)")
                 ->expected(0, -1)
                 ->allow_extra_args();
  cmd->callback([a, ep, cm, &ctx] {
    a->entrypoint_set = ep->count() > 0;
    a->cmd_set = cm->count() > 0;
    run_pack(*a, ctx);
  });
}

}  // namespace wimg::cli
