// What every subcommand gets: global options, output streams and the
// environment, passed explicitly (no globals).
#pragma once

#include <cstdint>

#include <functional>
#include <iostream>
#include <optional>
#include <string>

#include "layers/import.h"
#include "store/store.h"

namespace wimg::cli {

struct Context {
  std::optional<std::string> store_flag;
  std::ostream& out;
  std::ostream& err;
  std::function<const char*(const char*)> getenv;

  store::Store open_store() const;
  // Options for importing a tree or archive: warnings to err, the wall clock
  // for the stat cache, threads from $WIMG_THREADS or the CPU count.
  layers::ImportOptions import_options() const;
  // $SOURCE_DATE_EPOCH (reproducible builds' convention), if set: the time
  // an image's `created` (and so every file's mtime in it) takes first.
  // No wall-clock time ever goes into a manifest, so outputs are
  // byte-identical (docs/FORMATS.md, "Normalisation").
  std::optional<std::int64_t> source_date_epoch() const;
  void warn(const std::string& msg) const { err << "wimg: warning: " << msg << "\n"; }
};

}  // namespace wimg::cli
