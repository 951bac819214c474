// The writable upper layer's settings (runtime/guest/upper.c): the one
// owner of their names and syntax. An image says them with labels,
//   wimg.read-only=true          no upper layer: every change is EROFS
//   wimg.tmpfs-size=SIZE         its cap (default 256m)
// which the packer turns into the view's `fs` list (wimg_abi.h §5: "ro" or
// the cap in bytes); `wimg run --read-only / --tmpfs-size` override them
// through the host variable WIMG_UPPER (same syntax), which any WASI host
// can set.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/guest/wimg_abi.h"
#include "support/result.h"

namespace wimg::pack {

inline constexpr std::string_view kReadOnlyLabel = "wimg.read-only";
inline constexpr std::string_view kTmpfsSizeLabel = "wimg.tmpfs-size";
inline constexpr std::string_view kUpperVar = "WIMG_UPPER";
inline constexpr std::uint64_t kDefaultUpperBytes = WIMG_UPPER_DEFAULT;  // the runtime's (wimg_abi.h)

// "1048576", "512k", "64m", "1g" (binary units, case-insensitive, like
// docker's --tmpfs size=); Usage error naming `what` otherwise. At most
// 4 GiB (the memory a wasm32 module can have).
Result<std::uint64_t> parse_size(std::string_view text, std::string_view what);

// The view's fs list for these labels: empty (the runtime's default), or
// {"ro"} / {"<bytes>"}. Input error naming the label for a bad value.
Result<std::vector<std::string>> upper_setting(const std::map<std::string, std::string>& labels);

// What a view's fs list (upper_setting's output, volumes after it) sets,
// in words: "no (read-only)" or "in memory, at most N bytes[ (the default)]".
std::string describe_upper(const std::vector<std::string>& fs);

// WIMG_UPPER's value for `wimg run`: "ro", or the cap in bytes.
std::string upper_var(bool read_only, std::uint64_t bytes);

}  // namespace wimg::pack
