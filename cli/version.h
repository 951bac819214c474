// The text `wimg --version` prints: "wimg VERSION (commit HEX[, modified])".
// Defined in a file generated at build time (cmake/version.cmake), so the
// commit is the one the binary was built from, not the one CMake last saw.
#pragma once

namespace wimg::cli {
const char* version_text();
}  // namespace wimg::cli
