// Canonical entry paths.
//
//   path      = component *( "/" component )
//   component = 1*255( byte except "/" and NUL ), not "." or ".."
//   total length <= 4095 bytes; the whole path is valid UTF-8
//
// No leading or trailing "/". The image root itself has no entry. UTF-8 is
// required because WASI preview1 passes paths as UTF-8 strings: a name that
// is not UTF-8 could never be opened by a guest, so it is rejected at build
// time with an error rather than stored unreachable.
#pragma once

#include <string>
#include <string_view>

#include "support/result.h"

namespace wimg::layers {

constexpr std::size_t kMaxPath = 4095;
constexpr std::size_t kMaxComponent = 255;

// Checks that `path` is canonical; the error says why, naming `shown`.
Status check_path(std::string_view path, std::string_view shown);

// Turns an archive member name into a canonical path: strips "./" and
// leading "./", collapses "//", drops a trailing "/". Rejects absolute
// names and ".." components. An empty result means the root itself.
Result<std::string> normalize_member_name(std::string_view name);

bool valid_utf8(std::string_view s);
// Printable form for error messages: non-UTF-8 and control bytes as \xNN.
std::string quote_path(std::string_view s);

std::string_view parent_of(std::string_view path);  // "" for top-level
std::string_view base_of(std::string_view path);

}  // namespace wimg::layers
