// Small output helpers shared by subcommands.
#pragma once

#include <cstdint>
#include <string>

namespace wimg::cli {

// "15.2MB", "812kB", "93B" like docker (SI units).
std::string human_size(std::uint64_t bytes);
// Left-aligned table cell padded to width.
std::string pad(const std::string& s, std::size_t width);

}  // namespace wimg::cli
