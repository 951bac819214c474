// Helpers for tests of wasm readers and writers: hand-built module bytes
// (every byte known) and wabt's command-line tools.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "runtime/wasm/leb128.h"
#include "test_util.h"

namespace wimg::test {

// --- byte builders -------------------------------------------------------

inline std::string b(std::initializer_list<int> bytes) {
  std::string s;
  for (int x : bytes) s.push_back(static_cast<char>(x));
  return s;
}
inline std::string u32(std::uint32_t v) {
  std::string s;
  wasm::append_u32(&s, v);
  return s;
}
inline std::string str(std::string_view s) { return u32(static_cast<std::uint32_t>(s.size())) + std::string(s); }
inline std::string sec(int id, const std::string& payload) {
  return b({id}) + u32(static_cast<std::uint32_t>(payload.size())) + payload;
}
inline const std::string kWasmHeader("\0asm\x01\0\0\0", 8);
inline std::string module(std::initializer_list<std::string> sections) {
  std::string m = kWasmHeader;
  for (const auto& s : sections) m += s;
  return m;
}

// --- wabt ----------------------------------------------------------------

inline bool have_tool(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

// The binary for `wat`, or "" when wat2wasm is missing or refuses it
// (its complaints are in dir/err.txt).
inline std::string wat2wasm(const TempDir& dir, const std::string& wat, const std::string& flags = "") {
  write_file(dir / "in.wat", wat);
  const std::string cmd =
      "wat2wasm " + flags + " " + (dir / "in.wat") + " -o " + (dir / "out.wasm") + " 2>" + (dir / "err.txt");
  if (std::system(cmd.c_str()) != 0) return "";
  return read_file(dir / "out.wasm");
}

// wasm-validate's verdict; its complaints go to dir/err.txt for the failure
// message. Bulk memory (passive segments, DataCount) is on by default since
// wabt 1.0.30, which only has --disable-bulk-memory.
inline bool wasm_validate(const TempDir& dir, const std::string& bytes) {
  write_file(dir / "check.wasm", bytes);
  const std::string cmd = "wasm-validate " + (dir / "check.wasm") + " >" + (dir / "err.txt") + " 2>&1";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace wimg::test
