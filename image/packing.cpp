#include "image/packing.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <optional>

#include "image/base.h"
#include "image/prepared.h"
#include "image/preinit.h"
#include "image/manifest.h"
#include "image/segments.h"
#include "support/fs.h"
#include "layers/index.h"
#include "runtime/pack/assemble.h"
#include "runtime/pack/packed.h"
#include "runtime/wasm/module.h"

namespace wimg::image {

namespace {

struct Prepared {
  fs::Bytes bytes;
  std::optional<Digest> digest;  // of the prepared bytes, when the cache knows it
  bool prepared_now = false;
  bool as_is = false;  // the base was already prepared
  bool checked = true;  // false: a cache hit the caller re-hashes (Check::Later)
};

// A prepared-base cache result for base `base`: an entry naming the base
// itself means the base was already prepared (used as it is).
Prepared prepared_of(PreparedBase p, const Digest& base) {
  const bool as_is = p.digest == base;
  return Prepared{.bytes = std::move(p.bytes), .digest = p.digest, .prepared_now = !p.cached && !as_is, .as_is = as_is,
                  .checked = p.checked};
}

// The mode the image asks for: a command when it says what to run.
PrepareMode wanted_mode(const Manifest& m) {
  auto says = [](const std::optional<std::vector<std::string>>& words) { return words && !words->empty(); };
  return says(m.config.entrypoint) || says(m.config.cmd) ? PrepareMode::Command : PrepareMode::Plain;
}

// The prepared base of `base` in `mode`, through the store's cache. The
// base itself is only read (and checked) on a miss: a rebuild of an image
// never touches its 16 MB interpreter. An already prepared base is cached
// as its own prepared base (the entry then names the base object itself).
// A command wanted of a base that is not an interpreter's reactor is the plain
// preparation: its entry names the plain entry's object, so such a base is
// never prepared twice.
Result<Prepared> prepare(store::Store& store, const Digest& base_digest, PrepareMode mode,
                         const std::function<Result<std::string>()>& load, std::string_view shown, const Preparer& prep,
                         Check check = Check::Now) {
  const PreparedKey key{base_digest, prep.digest_for(mode)};
  WIMG_ASSIGN(PreparedBase p, prepared_base(store, key, [&]() -> Result<std::string> {
                WIMG_ASSIGN(std::string base, load());
                WIMG_ASSIGN(BaseInfo kind, check_base(base, shown));
                if (kind.cls == BaseClass::Prepared) return base;
                if (mode == PrepareMode::Command && kind.cls != BaseClass::InterpreterReactor) {
                  WIMG_ASSIGN(PreparedBase plain, prepared_base(store, PreparedKey{base_digest, prep.digest}, [&] {
                                return prep.prepare(base, shown, PrepareMode::Plain);
                              }));
                  return std::string(plain.bytes.view);
                }
                return prep.prepare(base, shown, mode);
              }, check));
  return prepared_of(std::move(p), key.base);
}

// Everything an output is made of, planned: the prepared base and the
// layer indexes in memory, the segments in memory or as store objects
// (image/segments.h), the module as a list of pieces.
struct Planned {
  Prepared prepared;
  std::vector<std::string> indexes;  // each layer's, read verified
  pack::PackSpec spec;
  std::unique_ptr<RenderedSegments> segments;
  std::unique_ptr<pack::AssembledModule> module;
};

// Each layer index is read verified and decoded once: the segments and
// the view use these entries as they are (not re-encoded and hashed).
Status spec_of(const store::Store& store, const Manifest& m, Planned& out) {
  pack::PackSpec& spec = out.spec;
  spec.created = m.created;
  for (const auto& l : m.layers) {
    WIMG_ASSIGN(std::string index, store.get(l.digest, /*verify=*/true));
    WIMG_ASSIGN(auto entries, layers::decode_index(index, l.digest.str()));
    spec.layers.push_back({l.digest, std::move(entries), l.created_by});
    out.indexes.push_back(std::move(index));
  }
  spec.config.entrypoint = m.config.entrypoint;
  spec.config.cmd = m.config.cmd;
  spec.config.env = m.config.env;
  spec.config.workdir = m.config.workdir;
  spec.config.labels = m.config.labels;
  spec.config.mounts = m.config.mounts;
  spec.config.volumes = m.config.volumes;
  for (const auto& h : m.history) spec.history.push_back({h.created_by, h.empty_layer});
  return {};
}

Result<std::unique_ptr<Planned>> plan(store::Store& store, Prepared p, std::optional<std::uint64_t> base_size,
                                      std::string_view shown, const Manifest& m) {
  auto out = std::make_unique<Planned>();
  out->prepared = std::move(p);
  WIMG_TRY(spec_of(store, m, *out));
  // The manifest records the original base's size only when it is known.
  if (!out->prepared.as_is) out->spec.base_size = base_size;
  out->spec.prepared_digest = out->prepared.digest;
  std::vector<SegmentLayer> layers;
  for (std::size_t i = 0; i < out->spec.layers.size(); ++i) {
    layers.push_back({out->spec.layers[i].digest, out->indexes[i], &out->spec.layers[i].entries});
  }
  WIMG_ASSIGN(out->segments, render_segments(store, layers, shown));
  WIMG_ASSIGN(out->module, pack::plan_assembly(out->prepared.bytes.view, out->spec, out->segments->pieces,
                                               out->segments->placements, shown));
  return out;
}

Result<RenderedWasm> render(store::Store& store, Prepared p, std::optional<std::uint64_t> base_size,
                            std::string_view shown, const Manifest& m) {
  const bool prepared_now = p.prepared_now;
  WIMG_ASSIGN(auto planned, plan(store, std::move(p), base_size, shown, m));
  RenderedWasm out{std::string(), prepared_now};
  out.bytes.reserve(planned->module->size());
  WIMG_TRY(planned->module->write_to([&out](std::string_view b) -> Status {
    out.bytes.append(b);
    return {};
  }));
  return out;
}

// True when `path` already holds the module `a` plans: the same size, and
// the same view and wimg.manifest bytes where `a` puts them. The manifest
// names the prepared base and every layer by digest and holds the whole
// config; the view holds every path and placement. What is trusted: that
// the other bytes of a file with both are still what wimg wrote there.
bool holds(const std::string& path, const pack::AssembledModule& a) {
  auto fd = fs::open_file(path, O_RDONLY);
  struct stat st;
  if (!fd.ok() || ::fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::uint64_t>(st.st_size) != a.size()) {
    return false;
  }
  for (std::string_view part : {a.view(), a.manifest()}) {
    const auto at = a.offset_of(part);
    if (!at) return false;
    std::string got(part.size(), '\0');
    if (::pread(fd->get(), got.data(), got.size(), static_cast<off_t>(*at)) != static_cast<ssize_t>(got.size()) ||
        got != part) {
      return false;
    }
  }
  return true;
}

// A cached prepared base taken with Check::Later, re-hashed on a second
// thread; nothing to check for one already checked.
store::PendingCheck pending_check(const store::Store& store, const Prepared& p) {
  if (p.checked || !p.digest) return store::PendingCheck();
  return store::PendingCheck(store, *p.digest, p.bytes);
}

// Streams the module to a temp file beside `path`, then moves it over
// `path` (fs::replace_file) once `gate` (if any) passed: readers see the
// old file or the new one. Not fsynced (as cp). With `digest`, also the
// SHA-256 of the bytes written (`build -o` needs none: hashing 24 MB was a
// sixth of a rebuild). Hashed inline: on a second thread (the writer's
// chunks copied for it) pack took 5 ms longer in alternating pairs, its
// thread competing with the prepared base's check on two cores.
Result<std::optional<Digest>> write_atomically(const std::string& path, const pack::AssembledModule& a,
                                               bool digest, const std::function<Status()>& gate = {}) {
  const std::string tmp = path + ".tmp-" + fs::unique_tag();
  WIMG_ASSIGN(fs::UniqueFd fd, fs::open_file(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600));
  std::optional<Sha256> h;
  if (digest) h.emplace();
  Status s = a.write_to([&](std::string_view b) {
    if (h) h->update(b);
    return fs::write_all(fd.get(), b.data(), b.size(), tmp);
  });
  if (s && ::fchmod(fd.get(), 0644) != 0) s = fs::os_error("cannot chmod", tmp, errno);
  fd.reset();
  if (s && gate) s = gate();  // the inputs checked before the output is trusted
  if (!s) {
    ::unlink(tmp.c_str());
    return std::move(s).error();
  }
  WIMG_TRY(fs::replace_file(tmp, path));
  if (!h) return std::optional<Digest>();
  return std::optional<Digest>(h->finish());
}

enum class Output { KeepUnchanged, AlwaysWithDigest };

// `p` planned with `m` and written to `path` (write_atomically). A cached
// prepared base is re-hashed on a second thread meanwhile and must pass
// before the output moves into place or is called unchanged: a rebuild's
// largest input no longer costs its hashing time on the critical path.
// KeepUnchanged (`build -o`): nothing is written when `path` already holds
// the module (holds); AlwaysWithDigest (`pack`): written, and its digest.
Result<WrittenWasm> write_planned(store::Store& store, Prepared p, std::optional<std::uint64_t> base_size,
                                  std::string_view shown, const Manifest& m, const std::string& path, Output mode) {
  const bool prepared_now = p.prepared_now;
  store::PendingCheck check = pending_check(store, p);
  auto planned = plan(store, std::move(p), base_size, shown, m);
  if (!planned.ok()) {
    WIMG_TRY(check.wait());  // a corrupt base explains a failed plan
    return std::move(planned).error();
  }
  const pack::AssembledModule& a = *(*planned)->module;
  WrittenWasm out{a.size(), a.data_segments(), prepared_now, false, std::nullopt};
  out.unchanged = mode == Output::KeepUnchanged && holds(path, a);
  if (out.unchanged) {
    WIMG_TRY(check.wait());
    return out;
  }
  WIMG_ASSIGN(out.digest, write_atomically(path, a, mode == Output::AlwaysWithDigest, [&check] { return check.wait(); }));
  return out;
}

// How errors name the base of the store image `m`, and its loader (read
// verified, only on a prepared-cache miss).
std::string base_shown_of(const Manifest& m, std::string_view shown) {
  return std::string(shown) + " (base " + m.base->digest.str() + ")";
}
std::function<Result<std::string>()> base_loader(const store::Store& store, const Manifest& m) {
  return [&store, d = m.base->digest]() { return store.get(d, /*verify=*/true); };
}

// The store image `m` rendered in memory in `mode`, without PREINIT's
// snapshot (render_wasm's module, and what a snapshot is taken of).
Result<RenderedWasm> render_module(store::Store& store, const Manifest& m, const Preparer& prep, PrepareMode mode,
                                   std::string_view shown) {
  const std::string base_shown = base_shown_of(m, shown);
  WIMG_ASSIGN(Prepared p, prepare(store, m.base->digest, mode, base_loader(store, m), base_shown, prep));
  return render(store, std::move(p), m.base->size, base_shown, m);
}

// PREINIT: the snapshot of `m` through the store's cache (image/preinit.h);
// nullopt when the image does not ask for one. `render_module` renders the
// module to snapshot (only on a miss).
Result<std::optional<PreparedBase>> snapshot(store::Store& store, const Manifest& m, const Preparer& prep,
                                             PrepareMode mode, std::string_view shown,
                                             const std::function<Result<RenderedWasm>()>& render_module) {
  WIMG_ASSIGN(auto words, preinit_words(m.config, shown));
  if (!words) return std::optional<PreparedBase>();
  if (mode != PrepareMode::Command) {
    return make_error(ErrorKind::Input, std::string(shown) +
                                            ": PREINIT needs ENTRYPOINT or CMD: only a command module is pre-initialised");
  }
  if (!prep.snapshotter.identity || !prep.snapshotter.snapshot) {
    return make_error(ErrorKind::Usage, std::string(shown) + ": PREINIT: no snapshotter in this wimg");
  }
  WIMG_ASSIGN(std::string id, prep.snapshotter.identity());
  const PreparedKey key{sha256_of(encode_manifest(m)), preinit_key(prep.digest_for(mode), id, *words)};
  WIMG_ASSIGN(PreparedBase snap, preinit_snapshot(store, key, [&]() -> Result<std::string> {
                WIMG_ASSIGN(RenderedWasm module, render_module());
                return prep.snapshotter.snapshot(module.bytes, *words, shown, store.tmp_dir());
              }));
  return std::optional<PreparedBase>(std::move(snap));
}

// A snapshot written to `path` as write_wasm writes a module (atomically,
// not fsynced); left alone when `path` already holds these bytes.
Result<WrittenWasm> write_snapshot(const std::string& path, const PreparedBase& snap) {
  WrittenWasm out;
  out.size = snap.bytes.view.size();
  WIMG_ASSIGN(wasm::Module parsed, wasm::parse_module(snap.bytes.view, path));
  out.data_segments = parsed.data.size();
  out.snapshot_taken = !snap.cached;
  auto old = fs::exists(path) ? fs::read_file(path) : Result<std::string>(std::string());
  out.unchanged = old.ok() && *old == snap.bytes.view;
  if (!out.unchanged) WIMG_TRY(fs::atomic_write_file(path, snap.bytes.view, 0644, fs::Durability::NoFsync));
  return out;
}

}  // namespace

Result<RenderedWasm> render_wasm(store::Store& store, const Manifest& m, const Preparer& prep,
                                 std::string_view shown, const RenderOptions& opts) {
  if (!m.base) return make_error(ErrorKind::Input, std::string(shown) + ": the image has no base module to run");
  // Held until the bytes are built: a concurrent prune waits instead of
  // collecting the layers or the prepared base.
  WIMG_ASSIGN(auto lock, store.writer_lock());
  const PrepareMode mode = opts.as_command ? PrepareMode::Command : wanted_mode(m);
  auto module = [&]() { return render_module(store, m, prep, mode, shown); };
  WIMG_ASSIGN(auto snap, snapshot(store, m, prep, mode, shown, module));
  if (!snap) return module();
  return RenderedWasm{std::string(snap->bytes.view), false, !snap->cached};
}

Result<WrittenWasm> write_wasm(store::Store& store, const Manifest& m, const Preparer& prep, std::string_view shown,
                               const std::string& path) {
  if (!m.base) return make_error(ErrorKind::Input, std::string(shown) + ": the image has no base module to run");
  WIMG_ASSIGN(auto lock, store.writer_lock());  // as render_wasm, until the file is written
  const PrepareMode mode = wanted_mode(m);
  WIMG_ASSIGN(auto snap, snapshot(store, m, prep, mode, shown, [&]() {
                return render_module(store, m, prep, mode, shown);
              }));
  if (snap) return write_snapshot(path, *snap);
  const std::string base_shown = base_shown_of(m, shown);
  WIMG_ASSIGN(Prepared p, prepare(store, m.base->digest, mode, base_loader(store, m), base_shown, prep, Check::Later));
  return write_planned(store, std::move(p), m.base->size, base_shown, m, path, Output::KeepUnchanged);
}

namespace {

// The prepared base of a base given as bytes, and the base's size.
Result<std::pair<Prepared, std::uint64_t>> prepare_given(store::Store& store, std::string base,
                                                         std::string_view base_shown, const Manifest& m,
                                                         const Preparer& prep, Check check = Check::Now,
                                                         std::optional<Digest> digest = std::nullopt) {
  const std::uint64_t size = base.size();
  // Checked first: an already prepared base is used as it is, without
  // storing it (pack keeps bases out of the store).
  WIMG_ASSIGN(BaseInfo kind, check_base(base, base_shown));
  if (kind.cls == BaseClass::Prepared) {
    return std::make_pair(Prepared{.bytes = fs::hold(std::move(base)), .digest = {}, .prepared_now = false, .as_is = true},
                          size);
  }
  auto load = [&]() -> Result<std::string> { return base; };
  WIMG_ASSIGN(Prepared p, prepare(store, digest ? *digest : sha256_of(base), wanted_mode(m), load, base_shown, prep,
                                  check));
  return std::make_pair(std::move(p), size);
}

}  // namespace

Result<RenderedWasm> render_wasm_from_base(store::Store& store, std::string base, std::string_view base_shown,
                                           const Manifest& m, const Preparer& prep) {
  WIMG_ASSIGN(auto lock, store.writer_lock());
  WIMG_ASSIGN(auto given, prepare_given(store, std::move(base), base_shown, m, prep));
  return render(store, std::move(given.first), given.second, base_shown, m);
}

Result<WrittenWasm> write_wasm_from_base(store::Store& store, GivenBase& base, const Manifest& m,
                                         const Preparer& prep, const std::string& path) {
  WIMG_ASSIGN(auto lock, store.writer_lock());
  if (base.digest) {
    // Known by digest: a cached prepared base needs nothing of the file.
    const PreparedKey key{*base.digest, prep.digest_for(wanted_mode(m))};
    WIMG_ASSIGN(auto hit, find_prepared(store, key, Check::Later));
    // An already prepared base (its entry names itself) is not taken
    // from here: prepare_given uses such a base as it is, unrecorded, and
    // the output must not depend on what the cache holds.
    if (hit && hit->digest != *base.digest) {
      return write_planned(store, prepared_of(std::move(*hit), *base.digest), base.size, base.shown, m, path,
                           Output::AlwaysWithDigest);
    }
  }
  WIMG_ASSIGN(std::string bytes, base.load());
  base.digest = sha256_of(bytes);
  WIMG_ASSIGN(auto given, prepare_given(store, std::move(bytes), base.shown, m, prep, Check::Later, *base.digest));
  return write_planned(store, std::move(given.first), given.second, base.shown, m, path, Output::AlwaysWithDigest);
}

}  // namespace wimg::image
