#include "image/packing.h"

#include <functional>

#include "image/base.h"
#include "image/prepared.h"
#include "layers/index.h"
#include "runtime/pack/assemble.h"
#include "runtime/pack/packed.h"
#include "runtime/wasm/abi.h"
#include "runtime/wasm/module.h"

namespace wimg::image {

namespace {

struct Prepared {
  std::string bytes;
  std::optional<Digest> digest;  // of the prepared bytes, when the cache knows it
  bool prepared_now = false;
  bool as_is = false;  // the base was already prepared
};

// The mode the image asks for: a command when it says what to run.
PrepareMode wanted_mode(const Manifest& m) {
  auto says = [](const std::optional<std::vector<std::string>>& words) { return words && !words->empty(); };
  return says(m.config.entrypoint) || says(m.config.cmd) ? PrepareMode::RubyCommand : PrepareMode::Plain;
}

// The prepared base of `base` in `mode`, through the store's cache. The
// base itself is only read (and checked) on a miss: a rebuild of an image
// never touches its 16 MB interpreter. An already prepared base is cached
// as its own prepared base (the entry then names the base object itself).
// A command wanted of a base that is not a CRuby reactor is the plain
// preparation: its entry names the plain entry's object, so such a base is
// never prepared twice.
Result<Prepared> prepare(store::Store& store, const Digest& base_digest, PrepareMode mode,
                         const std::function<Result<std::string>()>& load, std::string_view shown, const Preparer& prep) {
  const PreparedKey key{base_digest, prep.digest_for(mode)};
  WIMG_ASSIGN(PreparedBase p, prepared_base(store, key, [&]() -> Result<std::string> {
                WIMG_ASSIGN(std::string base, load());
                WIMG_ASSIGN(BaseKind kind, check_base(base, shown));
                if (kind.prepared) return base;
                if (mode == PrepareMode::RubyCommand && !kind.ruby_reactor) {
                  WIMG_ASSIGN(PreparedBase plain, prepared_base(store, PreparedKey{base_digest, prep.digest}, [&] {
                                return prep.prepare(base, shown, PrepareMode::Plain);
                              }));
                  return std::move(plain.bytes);
                }
                return prep.prepare(base, shown, mode);
              }));
  const bool as_is = p.digest == key.base;
  return Prepared{.bytes = std::move(p.bytes), .digest = p.digest, .prepared_now = !p.cached && !as_is, .as_is = as_is};
}

Result<pack::PackSpec> spec_of(const store::Store& store, const Manifest& m) {
  pack::PackSpec spec;
  spec.created = m.created;
  for (const auto& l : m.layers) {
    WIMG_ASSIGN(std::string index, store.get(l.digest, /*verify=*/true));
    WIMG_ASSIGN(auto entries, layers::decode_index(index, l.digest.str()));
    spec.layers.push_back({l.digest, std::move(entries), l.created_by});
  }
  spec.config.entrypoint = m.config.entrypoint;
  spec.config.cmd = m.config.cmd;
  spec.config.env = m.config.env;
  spec.config.workdir = m.config.workdir;
  spec.config.labels = m.config.labels;
  spec.config.mounts = m.config.mounts;
  spec.config.volumes = m.config.volumes;
  for (const auto& h : m.history) spec.history.push_back({h.created_by, h.empty_layer});
  return spec;
}

Result<RenderedWasm> render(store::Store& store, Prepared p, std::optional<std::uint64_t> base_size,
                            std::string_view shown, const Manifest& m) {
  WIMG_ASSIGN(pack::PackSpec spec, spec_of(store, m));
  // The manifest records the original base's size only when it is known.
  if (!p.as_is) spec.base_size = base_size;
  spec.prepared_digest = p.digest;
  // Every content object is re-hashed as it is read into the output (about
  // 10 ms for CRuby's 14 MB stdlib): a flipped byte on disk fails the render
  // with the object's digest instead of reaching a .wasm.
  auto read = [&store](const Digest& d, std::uint64_t) { return store.get(d, /*verify=*/true); };
  WIMG_ASSIGN(std::string out, pack::assemble(p.bytes, spec, read, shown));
  return RenderedWasm{std::move(out), p.prepared_now};
}

}  // namespace

Result<RenderedWasm> render_wasm(store::Store& store, const Manifest& m, const Preparer& prep,
                                 std::string_view shown, const RenderOptions& opts) {
  if (!m.base) return make_error(ErrorKind::Input, std::string(shown) + ": the image has no base module to run");
  // Held until the bytes are built: a concurrent prune waits instead of
  // collecting the layers or the prepared base.
  WIMG_ASSIGN(auto lock, store.writer_lock());
  const std::string base_shown = std::string(shown) + " (base " + m.base->digest.str() + ")";
  auto load = [&]() { return store.get(m.base->digest, /*verify=*/true); };
  const PrepareMode mode = opts.as_command ? PrepareMode::RubyCommand : wanted_mode(m);
  WIMG_ASSIGN(Prepared p, prepare(store, m.base->digest, mode, load, base_shown, prep));
  return render(store, std::move(p), m.base->size, base_shown, m);
}

Result<RenderedWasm> render_wasm_from_base(store::Store& store, std::string base, std::string_view base_shown,
                                           const Manifest& m, const Preparer& prep) {
  WIMG_ASSIGN(auto lock, store.writer_lock());
  const std::uint64_t size = base.size();
  // Checked first: an already prepared base is used as it is, without
  // storing it (pack keeps bases out of the store).
  WIMG_ASSIGN(BaseKind kind, check_base(base, base_shown));
  if (kind.prepared) return render(store, Prepared{.bytes = std::move(base), .digest = {}, .prepared_now = false, .as_is = true}, size,
                                base_shown, m);
  auto load = [&]() -> Result<std::string> { return base; };
  WIMG_ASSIGN(Prepared p, prepare(store, sha256_of(base), wanted_mode(m), load, base_shown, prep));
  return render(store, std::move(p), size, base_shown, m);
}

}  // namespace wimg::image
