// How `wimg run` spells a run for each WASI host (runtime/runner/hosts.h).
// Only node is installed on the test machines: these argv vectors are the
// contract for wasmtime, wasmer and wasmedge (their documented CLI syntax).
#include <gtest/gtest.h>

#include "runtime/runner/hosts.h"

namespace wimg::runner {
namespace {

using V = std::vector<std::string>;

RunRequest request() {
  RunRequest r;
  r.module = "/c/app.wasm";
  r.dirs = {{"/h/data", "/data"}, {"rel", "/w"}};
  r.env = {"A=1", "B=x=y"};
  r.args = {"-v", "--", "file"};
  return r;
}

TEST(RunnerHosts, Wasmtime) {
  EXPECT_EQ(host_argv(Host::Wasmtime, "/bin/wasmtime", "", request()),
            (V{"/bin/wasmtime", "run", "--dir", "/h/data::/data", "--dir", "rel::/w", "--env", "A=1", "--env",
               "B=x=y", "/c/app.wasm", "-v", "--", "file"}));
}

TEST(RunnerHosts, Wasmer) {
  EXPECT_EQ(host_argv(Host::Wasmer, "wasmer", "", request()),
            (V{"wasmer", "run", "--mapdir", "/data:/h/data", "--mapdir", "/w:rel", "--env", "A=1", "--env", "B=x=y",
               "/c/app.wasm", "--", "-v", "--", "file"}));
}

TEST(RunnerHosts, Wasmedge) {
  EXPECT_EQ(host_argv(Host::Wasmedge, "wasmedge", "", request()),
            (V{"wasmedge", "--dir", "/data:/h/data", "--dir", "/w:rel", "--env", "A=1", "--env", "B=x=y",
               "/c/app.wasm", "-v", "--", "file"}));
}

TEST(RunnerHosts, Node) {
  EXPECT_EQ(host_argv(Host::Node, "/n/node", "/s/wasi-run.mjs", request()),
            (V{"/n/node", "/s/wasi-run.mjs", "--dir", "/h/data::/data", "--dir", "rel::/w", "--env", "A=1", "--env",
               "B=x=y", "--", "/c/app.wasm", "-v", "--", "file"}));
}

// A repeatable run (a RUN step): only the node runner fixes the clock and
// seeds random_get.
TEST(RunnerHosts, FixedClockAndSeed) {
  RunRequest r;
  r.module = "app.wasm";
  r.clock = 1700000000;
  r.seed = "sha256:ab";
  EXPECT_EQ(host_argv(Host::Node, "n", "r.mjs", r),
            (V{"n", "r.mjs", "--clock", "1700000000", "--seed", "sha256:ab", "--", "app.wasm"}));
  EXPECT_EQ(host_argv(Host::Wasmtime, "w", "", r), (V{"w", "run", "app.wasm"}));
}

TEST(RunnerHosts, NothingToPass) {
  RunRequest r;
  r.module = "app.wasm";
  EXPECT_EQ(host_argv(Host::Wasmtime, "w", "", r), (V{"w", "run", "app.wasm"}));
  EXPECT_EQ(host_argv(Host::Wasmer, "w", "", r), (V{"w", "run", "app.wasm", "--"}));
  EXPECT_EQ(host_argv(Host::Wasmedge, "w", "", r), (V{"w", "app.wasm"}));
  EXPECT_EQ(host_argv(Host::Node, "n", "r.mjs", r), (V{"n", "r.mjs", "--", "app.wasm"}));
}

TEST(RunnerHosts, ModuleThatLooksLikeAnOption) {
  RunRequest r;
  r.module = "-x.wasm";
  EXPECT_EQ(host_argv(Host::Wasmtime, "w", "", r), (V{"w", "run", "./-x.wasm"}));
  EXPECT_EQ(host_argv(Host::Wasmedge, "w", "", r), (V{"w", "./-x.wasm"}));
  // The runner takes whatever follows "--" as the module.
  EXPECT_EQ(host_argv(Host::Node, "n", "r", r), (V{"n", "r", "--", "-x.wasm"}));
}

TEST(RunnerHosts, ParseDir) {
  EXPECT_EQ(*parse_dir("/h::/g"), (DirMap{"/h", "/g"}));
  EXPECT_EQ(*parse_dir("/same"), (DirMap{"/same", "/same"}));
  EXPECT_EQ(*parse_dir("a::b::c"), (DirMap{"a", "b::c"}));
  for (const char* bad : {"", "::/g", "/h::"}) {
    auto r = parse_dir(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::Usage);
  }
}

TEST(RunnerHosts, ReadOnlyDirs) {
  EXPECT_EQ(*parse_dir("/h::/g:ro"), (DirMap{"/h", "/g", true}));
  EXPECT_EQ(*parse_dir("/h::/g:rw"), (DirMap{"/h", "/g", false}));
  EXPECT_EQ(*parse_dir("/same:ro"), (DirMap{"/same", "/same", true}));
  EXPECT_EQ(*parse_volume("/h:/g"), (DirMap{"/h", "/g", false}));
  EXPECT_EQ(*parse_volume("/h:/g:ro"), (DirMap{"/h", "/g", true}));
  for (const char* bad : {"/h", "/h:", ":/g", "/h:/g:x", "a:b:c:ro", ":ro"}) EXPECT_FALSE(parse_volume(bad).ok()) << bad;
  EXPECT_FALSE(parse_dir("/h::/a:b:ro").ok());  // ':' separates WIMG_READONLY's paths
  // Every host gets the list of read-only guest paths as a guest variable.
  RunRequest r;
  r.module = "m.wasm";
  r.dirs = {{"/a", "/ra", true}, {"/b", "/w"}, {"/c", "/rc", true}};
  r.env = {"A=1"};
  EXPECT_EQ(host_argv(Host::Node, "n", "r.mjs", r),
            (V{"n", "r.mjs", "--dir", "/a::/ra", "--dir", "/b::/w", "--dir", "/c::/rc", "--env", "A=1", "--env",
               "WIMG_READONLY=/ra:/rc", "--", "m.wasm"}));
  EXPECT_EQ(host_argv(Host::Wasmtime, "w", "", r),
            (V{"w", "run", "--dir", "/a::/ra", "--dir", "/b::/w", "--dir", "/c::/rc", "--env", "A=1", "--env",
               "WIMG_READONLY=/ra:/rc", "m.wasm"}));
}

TEST(RunnerHosts, ParseHost) {
  for (Host h : kHostOrder) EXPECT_EQ(*parse_host(host_name(h)), h);
  EXPECT_FALSE(parse_host("docker").ok());
  EXPECT_FALSE(parse_host("").ok());
}

TEST(RunnerHosts, NodeMajor) {
  EXPECT_EQ(node_major("v24.11.1\n"), 24);
  EXPECT_EQ(node_major("v20.19.2"), 20);
  EXPECT_EQ(node_major("v100.0.0"), 100);
  for (const char* bad : {"", "24.1.0", "v", "v24", "vx.1", "v24\n", "node v24.1.0"}) {
    EXPECT_FALSE(node_major(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace wimg::runner
