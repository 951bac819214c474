// SHA-256 digests: the single content address used everywhere in wimg.
//
//   digest-string = "sha256:" 64*lowerhex
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "support/result.h"

namespace wimg {

struct Digest {
  std::array<std::uint8_t, 32> bytes{};

  std::string hex() const;
  std::string str() const { return "sha256:" + hex(); }  // "sha256:<hex>"
  auto operator<=>(const Digest&) const = default;

  // Accepts "sha256:<64 hex>" (or bare 64 hex when allow_bare).
  static Result<Digest> parse(std::string_view s, bool allow_bare = false);
};

struct DigestHash {
  std::size_t operator()(const Digest& d) const noexcept {
    std::size_t h;
    static_assert(sizeof h <= sizeof d.bytes);
    __builtin_memcpy(&h, d.bytes.data(), sizeof h);
    return h;
  }
};

// Streaming SHA-256 over OpenSSL's EVP interface.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(const void* data, std::size_t n);
  void update(std::string_view s) { update(s.data(), s.size()); }
  Digest finish();  // resets for reuse

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Digest sha256_of(std::string_view bytes);

}  // namespace wimg
