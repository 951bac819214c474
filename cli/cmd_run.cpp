// wimg run [--host H] [--dir HOST::GUEST[:ro]]... [-v HOST:GUEST[:ro]]... [-e K=V]... IMAGE|FILE.wasm [ARGS...]
// — hands a packed module to a WASI host and becomes it (exec), so the
// guest's exit code, signals and stdio are the host's. A store image is
// rendered once into the store's cache (cache/run/); node runs the runner
// embedded in this binary, written once into cache/runner/.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/preparer.h"
#include "cli/wasi_host.h"
#include "cli/wasm_file.h"
#include "image/images.h"
#include "image/packing.h"
#include "runtime/pack/packed.h"
#include "runtime/pack/upper.h"
#include "runtime/runner/hosts.h"
#include "support/errors.h"
#include "support/fs.h"

namespace wimg::cli {

namespace {

struct RunArgs {
  std::string host;
  std::vector<std::string> dirs;
  std::vector<std::string> volumes;
  std::vector<std::string> env;
  bool read_only = false;
  std::string tmpfs_size;
  std::string image;
  std::vector<std::string> args;
};

// A store image rendered to a packed module, cached per (image, preparer):
// a second run of the same image with the same wimg starts at once.
std::string rendered_path(store::Store& store, const std::string& spec, const Context& ctx) {
  const Digest d = resolve_image_arg(store, spec);
  image::Preparer prep = guest_preparer(&ctx);
  // "-cmd": rendered as a command (RenderOptions::as_command).
  std::string path = image::run_cache_path(store, d, run_cache_key(prep));
  // The render's digest is kept beside it and checked on every hit, so a
  // changed (tampered, bit-rotten) render is made again, never run.
  const std::string sum_path = path + ".sha256";
  if (auto have = fs::read_file(path); have.ok()) {
    auto sum = fs::read_file(sum_path);
    if (sum.ok() && *sum == sha256_of(*have).str()) return path;
  }
  image::Manifest m = unwrap(image::load_image(store, d));
  image::RenderedWasm w = unwrap(image::render_wasm(store, m, prep, spec, image::RenderOptions{.as_command = true}));
  unwrap(fs::mkdirs(store.cache_dir() + "/run"));
  unwrap(fs::atomic_write_file(path, w.bytes, 0644));
  unwrap(fs::atomic_write_file(sum_path, sha256_of(w.bytes).str(), 0644));
  return path;
}

// -e K=V as given; -e K takes K from wimg's own environment, or is dropped
// when unset (docker run's rule).
std::vector<std::string> env_of(const std::vector<std::string>& flags, const Context& ctx) {
  std::vector<std::string> out;
  for (const auto& e : flags) {
    auto eq = e.find('=');
    if (eq == 0 || e.empty()) throw Failure(ErrorKind::Usage, "-e " + e + ": expected K=V or K");
    if (eq != std::string::npos) {
      out.push_back(e);
    } else if (const char* v = ctx.getenv(e.c_str()); v != nullptr) {
      out.push_back(e + "=" + v);
    }
  }
  return out;
}

// --dir then -v, each checked to name a host directory.
std::vector<runner::DirMap> dirs_of(const std::vector<std::string>& dirs, const std::vector<std::string>& volumes) {
  std::vector<runner::DirMap> out;
  auto add = [&out](runner::DirMap d, const char* flag) {
    struct stat st;
    if (::stat(d.host.c_str(), &st) != 0) throw Failure(fs::os_error(flag, d.host, errno));
    if (!S_ISDIR(st.st_mode)) throw Failure(ErrorKind::Input, std::string(flag) + " " + d.host + ": not a directory");
    out.push_back(std::move(d));
  };
  for (const auto& f : dirs) add(unwrap(runner::parse_dir(f)), "--dir");
  for (const auto& f : volumes) add(unwrap(runner::parse_volume(f)), "-v");
  return out;
}

void run_run(const RunArgs& a, const Context& ctx) {
  runner::RunRequest req;
  req.dirs = dirs_of(a.dirs, a.volumes);
  req.env = env_of(a.env, ctx);
  req.args = a.args;
  if (a.read_only && !a.tmpfs_size.empty()) throw Failure(ErrorKind::Usage, "run: --read-only and --tmpfs-size exclude each other");
  if (a.read_only) req.upper = pack::upper_var(true, 0);
  if (!a.tmpfs_size.empty()) req.upper = pack::upper_var(false, unwrap(pack::parse_size(a.tmpfs_size, "--tmpfs-size")));
  HostChoice host = choose_host(a.host, ctx);
  std::string runner;
  {
    const bool file = is_wasm_file(a.image);
    // A file is read by the host itself; wimg checks only that it is packed.
    if (file) {
      auto bytes = std::make_shared<const std::string>(unwrap(fs::read_file(a.image)));
      unwrap(pack::open_packed(bytes, a.image));
    }
    std::optional<store::Store> store;
    if (!file || host.host == runner::Host::Node) store.emplace(ctx.open_store());
    req.module = file ? a.image : rendered_path(*store, a.image, ctx);
    if (host.host == runner::Host::Node) runner = runner_script(*store);
  }
  std::vector<std::string> argv = runner::host_argv(host.host, host.program, runner, req);
  std::vector<char*> cargv;
  for (auto& s : argv) cargv.push_back(s.data());
  cargv.push_back(nullptr);
  ctx.out.flush();
  ctx.err.flush();
  ::execv(host.program.c_str(), cargv.data());
  throw Failure(fs::os_error("cannot run", host.program, errno));
}

}  // namespace

void register_run(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Run an image or a packed .wasm file with a WASI host");
  cmd->add_option("--host", a->host, "wasmtime, wasmer, wasmedge or node, or the path of one (default: detected)");
  cmd->add_option("--dir", a->dirs,
                  "Mount host directory HOST at GUEST (HOST::GUEST or HOST, then :ro for read-only; repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("-v,--volume", a->volumes, "Mount host directory HOST at GUEST (docker's HOST:GUEST[:ro]; repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--read-only", a->read_only,
                "No writable layer: every change to the image is EROFS (default: writable in memory, /tmp included)");
  cmd->add_option("--tmpfs-size", a->tmpfs_size,
                  "Cap of the in-memory writable layer, e.g. 64m or 1g (default: the image's, else 256m); over it ENOSPC")
      ->allow_extra_args(false);
  cmd->add_option("-e,--env", a->env, "Set K=V in the guest (K alone: from wimg's environment; repeatable)")
      ->allow_extra_args(false);
  // Everything from IMAGE on belongs to the guest, even what looks like an
  // option (docker run's rule): no positionals, so that CLI11 stops at the
  // first one and leaves it and the rest unparsed.
  cmd->prefix_command();
  cmd->footer(
      "Usage: wimg run [OPTIONS] IMAGE|FILE.wasm [ARGS...]\n"
      "IMAGE is name[:tag], sha256:<hex>, an image ID or a packed .wasm file; ARGS go to the guest\n"
      "unparsed and replace the image's CMD.");
  cmd->callback([a, cmd, &ctx] {
    std::vector<std::string> rest = cmd->remaining();
    if (!rest.empty() && rest.front() == "--") rest.erase(rest.begin());
    if (rest.empty()) throw Failure(ErrorKind::Usage, "run: IMAGE or FILE.wasm is required");
    a->image = rest.front();
    a->args.assign(rest.begin() + 1, rest.end());
    run_run(*a, ctx);
  });
}

}  // namespace wimg::cli
