// Shared fixture of the builder tests: a context directory with a minimal
// base module, a store, and helpers that build a Wasmfile and read back the
// layers it made.
#pragma once

#include <gtest/gtest.h>
#include <time.h>

#include <string>
#include <vector>

#include "image/images.h"
#include "layers/index.h"
#include "recipe/builder.h"
#include "test_util.h"

namespace wimg::recipe::test_support {

struct BuildFixture {
  wimg::test::TempDir dir;
  store::Store st = *store::Store::open(dir / "store");
  std::string ctx = dir / "ctx";
  std::vector<StepEvent> events;

  BuildFixture() {
    wimg::test::make_dirs(ctx);
    // The smallest valid module: magic and version.
    wimg::test::write_file(ctx + "/base.wasm", std::string("\0asm\1\0\0\0", 8));
  }

  BuildOptions options(bool no_cache = false) {
    BuildOptions o;
    o.context = ctx;
    o.no_cache = no_cache;
    // Files written now lie outside the stat cache's racy window of a walk
    // "starting" 10 s from now, so the cache is exercised.
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    o.import.walk_start_ns = (static_cast<std::int64_t>(now.tv_sec) + 10) * 1'000'000'000;
    o.import.threads = 1;
    return o;
  }

  Result<BuildResult> build(const std::string& wasmfile, bool no_cache = false) {
    events.clear();
    auto plan = parse_wasmfile(wasmfile, "Wasmfile");
    if (!plan.ok()) return std::move(plan).error();
    return recipe::build(st, *plan, options(no_cache), [this](const StepEvent& e) { events.push_back(e); });
  }

  // "kind mode path[ -> target]" of the top layer's entries.
  std::vector<std::string> top_layer(const BuildResult& r) const {
    const Digest d = r.manifest.layers.back().digest;
    auto entries = *layers::decode_index(*st.get(d), d.str());
    std::vector<std::string> out;
    for (const auto& e : entries) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", e.mode);
      out.push_back(std::string(1, layers::kind_letter(e.kind)) + " " + mode + " " + e.path +
                    (e.kind == layers::Kind::Symlink ? " -> " + e.target : ""));
    }
    return out;
  }

  // The cached flag of every step, in order.
  std::vector<bool> cached() const {
    std::vector<bool> out;
    for (const auto& e : events) out.push_back(e.cached);
    return out;
  }
};

}  // namespace wimg::recipe::test_support
