// Low-tier error handling: functions that can fail on bad input or I/O
// return Result<T>; the CLI converts a failed Result into one exception
// (support/errors.h) that main() maps to an exit code.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace wimg {

// Categories decide the process exit code (docs/CLI.md).
enum class ErrorKind {
  Internal = 1,  // a bug in wimg or in what it ships (e.g. its guest runtime)
  Usage = 2,     // bad command line
  Input = 3,     // bad user input: archive, tree, Wasmfile, wasm, reference
  NotFound = 4,  // a named image, layer, object or file does not exist
  Corrupt = 5,   // the store or an image failed verification
  Io = 6,        // the operating system refused (disk full, permissions)
};

struct Error {
  ErrorKind kind = ErrorKind::Io;
  std::string message;
};

inline Error make_error(ErrorKind kind, std::string message) { return Error{kind, std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error err) : v_(std::move(err)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error err) : err_(std::move(err)), ok_(false) {}  // NOLINT: implicit by design
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& {
    assert(!ok_);
    return err_;
  }
  Error&& error() && {
    assert(!ok_);
    return std::move(err_);
  }

 private:
  Error err_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace wimg

// Propagate a failed Result from the enclosing function.
#define WIMG_TRY(expr)                                  \
  do {                                                  \
    auto wimg_try_r_ = (expr);                          \
    if (!wimg_try_r_.ok()) return std::move(wimg_try_r_).error(); \
  } while (0)

// Bind the value of a Result or propagate its error.
#define WIMG_CONCAT_INNER(a, b) a##b
#define WIMG_CONCAT(a, b) WIMG_CONCAT_INNER(a, b)
#define WIMG_ASSIGN(decl, expr) WIMG_ASSIGN_IMPL(WIMG_CONCAT(wimg_assign_r_, __LINE__), decl, expr)
#define WIMG_ASSIGN_IMPL(tmp, decl, expr)           \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return std::move(tmp).error();     \
  decl = std::move(tmp).value()
