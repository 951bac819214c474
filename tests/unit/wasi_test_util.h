// Helpers for tests that build real WASI programs (clang-19 + Debian's
// wasi-libc) and run them under node 24 with wimg's runner.
#pragma once

#include <sys/wait.h>

#include <string>

namespace wimg::test {

// A path inside the source tree.
inline std::string source_path(const std::string& rel) { return std::string(WIMG_SOURCE_DIR) + "/" + rel; }

// The command that compiles C file `src` to the WASI module `out`.
inline std::string wasi_cc(const std::string& src, const std::string& out) {
  return "clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -I" + source_path("tests/guest") + " -o " + out + " " +
         src;
}

// "node wasi-run.mjs <options> -- ": append the module and its arguments.
inline std::string wasi_run(const std::string& options = "") {
  return source_path("tools/node/node_modules/node/bin/node") + " " + source_path("runtime/runner/wasi-run.mjs") + " " +
         options + " -- ";
}

// std::system's result as an exit code (-1 when the shell died of a signal).
inline int exit_code(int system_result) { return WIFEXITED(system_result) ? WEXITSTATUS(system_result) : -1; }

}  // namespace wimg::test
