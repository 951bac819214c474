#include "cli/snapshot.h"

#include <sys/stat.h>

#include <cerrno>
#include <memory>

#include "cli/wasi_host.h"
#include "runtime/inject/interpreter.h"
#include "runtime/wasm/abi.h"
#include "runtime/wasm/module.h"
#include "support/fs.h"
#include "support/process.h"

namespace wimg::cli {

namespace {

// $WIMG_WIZER, else wizer on PATH; NotFound names both.
Result<std::string> find_wizer(const Context& ctx) {
  std::string tried;
  if (const char* w = ctx.getenv("WIMG_WIZER"); w != nullptr && *w != '\0') {
    if (is_executable_file(w)) return std::string(w);
    tried = std::string("WIMG_WIZER (") + w + "): not an executable file";
  } else {
    tried = "WIMG_WIZER: not set";
  }
  if (auto p = find_on_path("wizer", ctx)) return *p;
  return make_error(ErrorKind::NotFound,
                    "PREINIT needs Wizer 11 (npm @bytecodealliance/wizer-linux-x64@11.0.3; scripts/setup installs it "
                    "into tools/wizer): set WIMG_WIZER=/path/to/wizer or put wizer on PATH (tried " + tried +
                        "; wizer: not on PATH)");
}

}  // namespace

std::string preinit_env_value(const std::vector<std::string>& words) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ',';
    out += 'x';
    for (unsigned char c : w) {
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

image::Snapshotter wizer_snapshotter(const Context& ctx) {
  // Found and hashed once per process, when an image first asks.
  auto identity = std::make_shared<std::optional<std::pair<std::string, std::string>>>();
  auto resolve = [ctx, identity]() -> Result<std::pair<std::string, std::string>> {
    if (!*identity) {
      WIMG_ASSIGN(std::string path, find_wizer(ctx));
      WIMG_ASSIGN(fs::Bytes bin, fs::map_file(path));
      *identity = std::make_pair(path, "wizer " + sha256_of(bin.view).str());
    }
    return **identity;
  };
  image::Snapshotter s;
  s.identity = [resolve]() -> Result<std::string> {
    WIMG_ASSIGN(auto id, resolve());
    return id.second;
  };
  s.snapshot = [resolve](std::string_view module, const std::vector<std::string>& words, std::string_view shown,
                         const std::string& tmp_dir) -> Result<std::string> {
    WIMG_ASSIGN(wasm::Module parsed, wasm::parse_module(module, shown));
    if (wasm::find_function_export(parsed, inject::kPreinitExport) == nullptr) {
      return make_error(ErrorKind::Input, std::string(shown) + ": PREINIT needs " + inject::interpreter_hints() +
                                              " made a command by wimg; this module has no " +
                                              std::string(inject::kPreinitExport) + " export");
    }
    WIMG_ASSIGN(auto id, resolve());
    // In the store's temp space (as a RUN step's, recipe/run_step.cpp), so
    // prune sweeps what a crash leaves.
    WIMG_TRY(fs::mkdirs(tmp_dir));
    fs::TempDir dir(tmp_dir + "/preinit-" + fs::unique_tag());
    if (::mkdir(dir.path.c_str(), 0700) != 0) return fs::os_error("cannot create", dir.path, errno);
    const std::string in = dir.path + "/in.wasm", out = dir.path + "/out.wasm", log = dir.path + "/init.log";
    WIMG_TRY(fs::atomic_write_file(in, module, 0600, fs::Durability::NoFsync));
    const std::vector<std::string> env = {"WIMG_PREINIT=" + preinit_env_value(words)};
    WIMG_ASSIGN(proc::Exit ran, proc::run_logged({id.first, "--allow-wasi", "--inherit-env=true", "--inherit-stdio=true",
                                                  "-f", std::string(inject::kPreinitExport), "-o", out, in},
                                                 log, std::nullopt, &env));
    if (ran.status != 0) {
      return make_error(ErrorKind::Input, std::string(shown) + ": PREINIT: " + id.first + " failed (exit " +
                                              std::to_string(ran.status) + "):\n" + proc::log_tail(log, 4000));
    }
    return fs::read_file(out);
  };
  return s;
}

}  // namespace wimg::cli
