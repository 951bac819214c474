#include "cli/context.h"

#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "support/errors.h"

namespace wimg::cli {

store::Store Context::open_store() const {
  store::RootSources src{store_flag, getenv("WIMG_STORE"), getenv("XDG_DATA_HOME"), getenv("HOME")};
  std::string root = unwrap(store::resolve_root(src));
  return unwrap(store::Store::open(root));
}

namespace {

// Worker threads for hashing and storing files: $WIMG_THREADS, else the
// number of CPUs (at most 8: beyond that the disk, not hashing, limits).
unsigned import_threads(const Context& ctx) {
  if (const char* t = ctx.getenv("WIMG_THREADS"); t != nullptr && *t != '\0') {
    int n = std::atoi(t);
    if (n < 1 || n > 256) throw Failure(ErrorKind::Usage, "WIMG_THREADS must be a number from 1 to 256");
    return static_cast<unsigned>(n);
  }
  return std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
}

}  // namespace

layers::ImportOptions Context::import_options() const {
  layers::ImportOptions opts;
  opts.warn = [this](const std::string& m) { warn(m); };
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  opts.walk_start_ns = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  opts.threads = import_threads(*this);
  return opts;
}

std::optional<std::int64_t> Context::source_date_epoch() const {
  const char* s = getenv("SOURCE_DATE_EPOCH");
  if (s == nullptr || *s == '\0') return std::nullopt;
  char* end = nullptr;
  long long v = std::strtoll(s, &end, 10);
  if (*end != '\0' || v < 0) throw Failure(ErrorKind::Usage, "SOURCE_DATE_EPOCH must be a non-negative integer");
  return v;
}

}  // namespace wimg::cli
