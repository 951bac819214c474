// Helpers for tests that build real WASI programs (clang-19 + Debian's
// wasi-libc) and run them under node 24 with wimg's runner.
#pragma once

#include <sys/wait.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

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

// Runs `cmd` with the shell: its stdout, and its exit code in *rc.
inline std::string run_capture(const std::string& cmd, int* rc) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *rc = -1;
    return "popen failed";
  }
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *rc = exit_code(pclose(p));
  return out;
}

// FNV-1a 64 of `s` as 16 hex digits, as the guest tools print contents.
inline std::string fnv_hex(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace wimg::test
