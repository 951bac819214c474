// Little-endian fixed-width encoding, shared by wimg's binary formats
// (layer index, stat cache). Reading is bounds-checked: a short input is a
// `false`, never a read past the end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace wimg::le {

template <typename T>
void put(std::string& out, T v) {
  static_assert(std::is_integral_v<T>);
  auto x = static_cast<std::uint64_t>(v);
  for (std::size_t i = 0; i < sizeof(T); ++i) out += static_cast<char>((x >> (8 * i)) & 0xff);
}

// "len:u32le bytes"
inline void put_str(std::string& out, std::string_view s) {
  put(out, static_cast<std::uint32_t>(s.size()));
  out += s;
}

class Reader {
 public:
  explicit Reader(std::string_view b, std::size_t pos = 0) : b_(b), pos_(pos) {}

  template <typename T>
  bool get(T* v) {
    static_assert(std::is_integral_v<T>);
    if (left() < sizeof(T)) return false;
    std::uint64_t x = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      x |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(b_[pos_ + i])) << (8 * i);
    }
    *v = static_cast<T>(x);
    pos_ += sizeof(T);
    return true;
  }
  bool bytes(std::size_t n, std::string_view* v) {
    if (left() < n) return false;
    *v = b_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool str(std::string_view* v) {
    std::uint32_t n;
    return get(&n) && bytes(n, v);
  }
  std::size_t left() const { return b_.size() - pos_; }
  std::size_t pos() const { return pos_; }

 private:
  std::string_view b_;
  std::size_t pos_;
};

}  // namespace wimg::le
