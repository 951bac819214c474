// High-tier errors: the one exception hierarchy of wimg. Thrown only by the
// CLI layer (and by helpers it calls) and caught once in main(), which
// prints "wimg: <message>" and exits with the category's code.
#pragma once

#include <stdexcept>
#include <string>

#include "support/result.h"

namespace wimg {

class Failure : public std::runtime_error {
 public:
  Failure(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  explicit Failure(const Error& e) : Failure(e.kind, e.message) {}
  ErrorKind kind() const { return kind_; }
  int exit_code() const { return static_cast<int>(kind_); }

 private:
  ErrorKind kind_;
};

// Unwrap a Result at the boundary between the core library and the CLI.
template <typename T>
T unwrap(Result<T> r) {
  if (!r.ok()) throw Failure(r.error());
  return std::move(r).value();
}
inline void unwrap(Status s) {
  if (!s.ok()) throw Failure(s.error());
}

}  // namespace wimg
