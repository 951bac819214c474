// WASI import replacement on the guest conformance programs: with every
// wasi_snapshot_preview1 import replaced by a pass-through definition (and
// memory virtualised as well), each program prints exactly what it printed
// before, under node 24, over the same fixture tree.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "runtime/inject/binaryen.h"
#include "runtime/inject/imports.h"
#include "runtime/inject/vmem.h"
#include "runtime/wasm/module.h"
#include "test_util.h"
#include "wasi_test_util.h"
#include "wasm_test_util.h"

namespace wimg::inject {
namespace {

using test::source_path;

Result<std::string> inject_passthrough(const std::string& wasm, std::size_t* replaced) {
  WIMG_ASSIGN(wasm::Module parsed, wasm::parse_module(wasm, "guest.wasm"));
  VmemOptions o;
  o.initial_pages = initial_pages_of(parsed);
  o.canary = true;
  // The number of replaced imports travels back in a custom section.
  WIMG_ASSIGN(std::string out, run_binaryen_pass(
                                   wasm, "guest.wasm",
                                   [&](BinaryenModuleRef m) -> Status {
                                     WIMG_TRY(virtualize_memory(m, o));
                                     WIMG_ASSIGN(auto done, replace_wasi_imports(m));
                                     std::string n = std::to_string(done.size());
                                     BinaryenAddCustomSection(m, "wimg.test.replaced", n.data(),
                                                              static_cast<BinaryenIndex>(n.size()));
                                     return {};
                                   },
                                   /*validate=*/true));
  WIMG_ASSIGN(wasm::Module written, wasm::parse_module(out, "injected.wasm"));
  auto sections = written.custom_sections("wimg.test.replaced");
  if (sections.size() != 1) return make_error(ErrorKind::Input, "no wimg.test.replaced section");
  *replaced = std::stoul(std::string(written.content(*sections[0])));
  return out;
}

struct Case {
  const char* program;
  const char* args;
};

TEST(Imports, GuestProgramsBehaveIdenticallyAfterInjection) {
  test::TempDir t;
  ASSERT_EQ(std::system(("bash " + source_path("tests/guest/make_fixture.sh") + " " + (t / "fixture") + " >/dev/null").c_str()), 0);
  std::string node = test::wasi_run("--dir " + (t / "fixture") + "::/data --env A=1");
  for (Case c : {Case{"read_files", "/data"}, Case{"stat_walk", "/data"}, Case{"symlinks", "/data"},
                 Case{"errno_cases", "/data"}, Case{"args_env", "x 'y z'"}, Case{"stdio", ""}}) {
    std::string name = c.program;
    std::string wasm = t / (name + ".wasm");
    std::string cc = test::wasi_cc(source_path("tests/guest/" + name + ".c"), wasm);
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
      return test::exit_code(
          std::system(("cd " + dir + " && " + node + name + ".wasm " + c.args + " > " + out + " 2>&1").c_str()));
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

// One WASI function imported twice (AssemblyScript's shape): both internal
// names become definitions over ONE host import; two signatures for the
// same function are refused, naming it. (The run of such a module, packed,
// is tests/e2e/test_wasi_corpus.sh.)
TEST(Imports, DuplicateImportsShareOneHostImport) {
  test::TempDir t;
  auto module = [&](const char* second_sig) {
    return test::wat2wasm(t, std::string(R"((module
  (import "wasi_snapshot_preview1" "fd_write" (func $a (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $b )") + second_sig + R"())
  (memory (export "memory") 1)
  (func (export "_start") (drop (call $a (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0))))
  (func (export "other") (drop (call $b (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)))))
)");
  };
  const std::string same = module("(param i32 i32 i32 i32) (result i32)");
  ASSERT_FALSE(same.empty()) << "wat2wasm (wabt) is required";
  // The pass runs in a child process (isolate.h): what it replaced comes
  // back in a custom section, "<count> <internal names differ> <hosts equal>".
  auto out = run_binaryen_pass(same, "dup.wasm", [&](BinaryenModuleRef m) -> Status {
    WIMG_ASSIGN(auto done, replace_wasi_imports(m));
    std::string r = std::to_string(done.size());
    if (done.size() == 2) {
      r += std::string(done[0].internal_name != done[1].internal_name ? " 1" : " 0") +
           (done[0].host_name == done[1].host_name ? " 1" : " 0");
    }
    BinaryenAddCustomSection(m, "wimg.test.replaced", r.data(), static_cast<BinaryenIndex>(r.size()));
    return {};
  }, /*validate=*/true);
  ASSERT_TRUE(out.ok()) << out.error().message;
  auto parsed = wasm::parse_module(*out, "out.wasm");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  auto sections = parsed->custom_sections("wimg.test.replaced");
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(std::string(parsed->content(*sections[0])), "2 1 1");
  EXPECT_EQ(std::count_if(parsed->imports.begin(), parsed->imports.end(),
                          [](const wasm::Import& i) { return i.name == "fd_write"; }),
            1);

  const std::string differ = module("(param i32 i32 i32 i32) (result i64)");
  ASSERT_FALSE(differ.empty());
  auto bad = run_binaryen_pass(differ, "dup.wasm", [&](BinaryenModuleRef m) -> Status {
    WIMG_TRY(replace_wasi_imports(m));
    return {};
  }, /*validate=*/true);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("imports wasi_snapshot_preview1.fd_write twice with different signatures"),
            std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace wimg::inject
