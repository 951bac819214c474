// What every subcommand gets: global options, output streams and the
// environment, passed explicitly (no globals).
#pragma once

#include <functional>
#include <iostream>
#include <optional>
#include <string>

#include "store/store.h"

namespace wimg::cli {

struct Context {
  std::optional<std::string> store_flag;
  std::ostream& out;
  std::ostream& err;
  std::function<const char*(const char*)> getenv;

  store::Store open_store() const;
  void warn(const std::string& msg) const { err << "wimg: warning: " << msg << "\n"; }
};

}  // namespace wimg::cli
