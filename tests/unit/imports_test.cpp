// WASI import replacement on the guest conformance programs: with every
// wasi_snapshot_preview1 import replaced by a pass-through definition (and
// memory virtualised as well), each program prints exactly what it printed
// before, under node 24, over the same fixture tree.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "runtime/inject/imports.h"
#include "runtime/inject/isolate.h"
#include "runtime/inject/vmem.h"
#include "runtime/wasm/module.h"
#include "test_util.h"

namespace wimg::inject {
namespace {

std::string src(const std::string& rel) { return std::string(WIMG_SOURCE_DIR) + "/" + rel; }

Result<std::string> inject_passthrough(const std::string& wasm, std::size_t* replaced) {
  WIMG_ASSIGN(wasm::Module parsed, wasm::parse_module(wasm, "guest.wasm"));
  VmemOptions o;
  o.initial_pages = parsed.memories.empty() ? 0 : static_cast<std::uint32_t>(parsed.memories[0].min);
  o.canary = true;
  auto out = run_isolated(
      [&]() -> Result<std::string> {
        std::string copy = wasm;
        BinaryenModuleRef m = BinaryenModuleRead(copy.data(), copy.size());
        BinaryenModuleSetFeatures(m, BinaryenFeatureAll());
        WIMG_TRY(virtualize_memory(m, o));
        WIMG_ASSIGN(auto done, replace_wasi_imports(m));
        if (!BinaryenModuleValidate(m)) return make_error(ErrorKind::Input, "injected module does not validate");
        auto w = BinaryenModuleAllocateAndWrite(m, nullptr);
        std::string bytes(static_cast<const char*>(w.binary), w.binaryBytes);
        std::free(w.binary);
        BinaryenModuleDispose(m);
        return std::to_string(done.size()) + "\n" + bytes;
      },
      "injecting guest.wasm");
  if (!out.ok()) return out;
  *replaced = std::stoul(out->substr(0, out->find('\n')));
  return out->substr(out->find('\n') + 1);
}

struct Case {
  const char* program;
  const char* args;
};

TEST(Imports, GuestProgramsBehaveIdenticallyAfterInjection) {
  test::TempDir t;
  ASSERT_EQ(std::system(("bash " + src("tests/guest/make_fixture.sh") + " " + (t / "fixture") + " >/dev/null").c_str()), 0);
  std::string node = src("tools/node/node_modules/node/bin/node") + " " + src("runtime/runner/wasi-run.mjs") +
                     " --dir " + (t / "fixture") + "::/data --env A=1 -- ";
  for (Case c : {Case{"read_files", "/data"}, Case{"stat_walk", "/data"}, Case{"symlinks", "/data"},
                 Case{"errno_cases", "/data"}, Case{"args_env", "x 'y z'"}, Case{"stdio", ""}}) {
    std::string name = c.program;
    std::string wasm = t / (name + ".wasm");
    std::string cc = "clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -I" + src("tests/guest") + " -o " + wasm + " " +
                     src("tests/guest/" + name + ".c");
    ASSERT_EQ(std::system(cc.c_str()), 0) << cc;
    std::size_t replaced = 0;
    auto injected = inject_passthrough(test::read_file(wasm), &replaced);
    ASSERT_TRUE(injected.ok()) << name << ": " << injected.error().message;
    EXPECT_GE(replaced, 3u) << name;  // at least fd_write, proc_exit and the preopen enumeration
    // Same file name in another directory, so argv[0] matches too.
    test::make_dirs(t / "inj");
    test::write_file(t / ("inj/" + name + ".wasm"), *injected);
    // Run each from its own directory so argv[0] ("<name>.wasm") is the same.
    auto run = [&](const std::string& dir, const std::string& out) {
      int rc = std::system(("cd " + dir + " && " + node + name + ".wasm " + c.args + " > " + out + " 2>&1").c_str());
      return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    };
    int rc_a = run(t.path(), t / (name + ".a"));
    int rc_b = run(t / "inj", t / (name + ".b"));
    EXPECT_EQ(rc_a, name == "stdio" ? 3 : 0) << name << ": " << test::read_file(t / (name + ".a"));
    EXPECT_EQ(rc_a, rc_b) << name;
    std::string a = test::read_file(t / (name + ".a"));
    EXPECT_GE(std::count(a.begin(), a.end(), '\n'), 3) << name << " printed too little to compare: " << a;
    EXPECT_EQ(a, test::read_file(t / (name + ".b"))) << name;
  }
}

}  // namespace
}  // namespace wimg::inject
