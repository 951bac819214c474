#include "support/utf8.h"

namespace wimg::utf8 {

std::optional<char32_t> decode_at(std::string_view s, std::size_t i, std::size_t* len) {
  auto c = static_cast<unsigned char>(s[i]);
  *len = 1;
  if (c < 0x80) return c;
  std::size_t n = 0;
  char32_t cp = 0;
  if ((c & 0xe0) == 0xc0) {
    n = 2;
    cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3;
    cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return std::nullopt;
  }
  if (i + n > s.size()) return std::nullopt;
  for (std::size_t k = 1; k < n; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (cc & 0x3f);
  }
  bool overlong = (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
  *len = n;
  return cp;
}

bool valid(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    // Paths are mostly ASCII: skip those bytes without decoding.
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    if (!decode_at(s, i, &len)) return false;
    i += len;
  }
  return true;
}

}  // namespace wimg::utf8
