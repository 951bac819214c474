// Strict UTF-8 decoding (no overlongs, no surrogates, nothing past U+10FFFF).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace wimg::utf8 {

// Decodes the code point starting at s[i]; on success *len is its byte
// length. Returns nullopt for an invalid or truncated sequence (then *len
// is 1, so a caller can step over the bad byte).
std::optional<char32_t> decode_at(std::string_view s, std::size_t i, std::size_t* len);

bool valid(std::string_view s);

}  // namespace wimg::utf8
