#include "recipe/builder.h"

#include "image/preinit.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "image/base.h"
#include "image/build_cache.h"
#include "image/images.h"
#include "layers/index.h"
#include "recipe/copy.h"
#include "runtime/guest/wimg_abi.h"
#include "runtime/pack/assemble.h"
#include "runtime/inject/interpreter.h"
#include "runtime/pack/packed.h"
#include "runtime/wasm/abi.h"
#include "runtime/wasm/module.h"
#include "store/batch.h"
#include "support/fs.h"

namespace wimg::recipe {

namespace {

std::string word(const std::string& w) {
  if (!w.empty() && w.find_first_of(" \t\n\"'\\") == std::string::npos) return w;
  return nlohmann::json(w).dump();
}

std::string pair_text(const KeyValue& kv) {
  return kv.value ? word(kv.key + "=" + *kv.value) : word(kv.key);
}

std::string from_text(const Plan& plan, const CopySource& from) {
  if (from.kind == CopySource::Kind::Image) return from.image;
  for (const auto& s : plan.stages) {
    if (s.index == from.stage) return s.name.empty() ? std::to_string(s.index) : s.name;
  }
  return std::to_string(from.stage);
}

std::string octal(std::uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%o", mode);
  return buf;
}

struct StageResult {
  image::Manifest m;
  Digest key;
  std::vector<std::string> copy_dests;  // COPY/ADD destinations, canonical, in order
  // The merged view of m.layers[0, view.layer_count()), brought up to date
  // on demand one layer at a time, so no step re-reads the whole stack
  // (which made a build quadratic in its COPY steps).
  layers::Overlay view;
};

// The stage's merged view with every layer so far.
Result<const layers::Overlay*> stage_view(const store::Store& store, StageResult& r) {
  for (std::size_t i = r.view.layer_count(); i < r.m.layers.size(); ++i) {
    const Digest& d = r.m.layers[i].digest;
    WIMG_ASSIGN(std::string index, store.get(d, /*verify=*/true));
    WIMG_ASSIGN(auto entries, layers::decode_index(index, d.str()));
    r.view.push(entries);
  }
  return &r.view;
}

// State of one running build.
struct Run {
  store::Store& store;
  const Plan& plan;
  const BuildOptions& opts;
  const std::function<void(const StepEvent&)>& progress;
  BuildContext ctx;
  std::map<std::size_t, StageResult> done;
  std::size_t number = 0;
  std::size_t total = 0;
  std::size_t cached = 0;
  std::map<Digest, const inject::Interpreter*> interpreters;  // base -> its interpreter entry, or nullptr

  std::string where(const Location& loc) const { return opts.wasmfile + ":" + std::to_string(loc.line); }

  std::optional<Digest> lookup(const Digest& key) const {
    if (opts.no_cache) return std::nullopt;
    return image::build_cache_lookup(store, key);
  }
};

Error at(const std::string& where, const Error& e) { return make_error(e.kind, where + ": " + e.message); }

// The interpreter a base is (image/base.h's class, the registry's entry;
// nullptr: none), read once per base.
Result<const inject::Interpreter*> base_interpreter(Run& run, const image::BaseRef& base) {
  auto it = run.interpreters.find(base.digest);
  if (it == run.interpreters.end()) {
    WIMG_ASSIGN(std::string bytes, run.store.get(base.digest, /*verify=*/false));
    WIMG_ASSIGN(const wasm::Module mod, wasm::parse_module(bytes, base.digest.str()));
    it = run.interpreters.emplace(base.digest, image::classify_base(mod).interpreter).first;
  }
  return it->second;
}

// Files of a COPY layer its base's interpreter cannot use (its entry's
// copy_warning) are a build warning naming them. The base is read only
// when some interpreter would warn about a file, once per base.
Status warn_unusable(Run& run, const image::Manifest& m, const Digest& layer, const std::string& where) {
  if (!m.base || !run.opts.import.warn) return {};
  WIMG_ASSIGN(std::string index, run.store.get(layer, /*verify=*/false));
  WIMG_ASSIGN(auto entries, layers::decode_index(index, layer.str()));
  std::vector<std::string> notes;
  for (const auto& e : entries) {
    if (e.kind != layers::Kind::File) continue;
    const auto warns = [&](const inject::Interpreter* i) { return !i->copy_warning(e.path).empty(); };
    if (std::ranges::none_of(inject::interpreters(), warns)) continue;
    WIMG_ASSIGN(const inject::Interpreter* interp, base_interpreter(run, *m.base));
    if (interp == nullptr) return {};
    std::string note = interp->copy_warning(e.path);
    if (!note.empty()) notes.push_back(std::move(note));
  }
  for (const auto& n : notes) run.opts.import.warn(where + ": " + n);
  return {};
}

struct LayerOut {
  Digest digest;
  layers::LayerStats stats;
  bool cached = false;
  std::string output;  // RUN: what it printed
};

// Stores a finished layer (its objects are in `batch`) unless present.
Result<Digest> put_layer(store::Store& store, store::Batch& batch, const std::vector<layers::Entry>& entries) {
  WIMG_ASSIGN(std::string index, layers::encode_index(entries));
  // Objects first, then the index naming them (layers/import.h).
  WIMG_TRY(batch.commit());
  const Digest d = sha256_of(index);
  if (store.has(d)) return d;
  return store.put(index);
}

Result<layers::LayerStats> stats_of_layer(const store::Store& store, const Digest& d) {
  WIMG_ASSIGN(std::string index, store.get(d, /*verify=*/true));
  WIMG_ASSIGN(auto entries, layers::decode_index(index, d.str()));
  return layers::stats_of(entries);
}

CopyRequest request_of(const Instruction& ins, const std::string& where) {
  return CopyRequest{ins.args, ins.path, ins.chmod, ins.excludes, ins.kind == InstructionKind::Add,
                     where + ": " + kind_name(ins.kind)};
}

// COPY/ADD from the context: the walk hashes (or finds in the stat cache)
// every selected file, so the layer it makes is the step's input.
Result<LayerOut> copy_context(Run& run, const Instruction& ins, const std::string& text, Digest& key) {
  const std::string where = run.where(ins.loc);
  store::Batch batch(run.store);
  layers::LayerBuilder builder(where);
  WIMG_TRY(copy_from_context(run.store, batch, run.ctx, request_of(ins, where), builder));
  WIMG_ASSIGN(auto entries, builder.finish());
  WIMG_ASSIGN(std::string index, layers::encode_index(entries));
  key = step_key(key, text, "layer:" + sha256_of(index).str());
  const bool hit = run.lookup(key).has_value();
  WIMG_ASSIGN(Digest d, put_layer(run.store, batch, entries));
  WIMG_TRY(image::build_cache_record(run.store, key, d));
  return LayerOut{d, layers::stats_of(entries), hit, ""};
}

// An image named by FROM or COPY --from: from the store, else fetched
// (BuildOptions::fetch_image) when the store has no such name.
Result<Digest> resolve_or_fetch(Run& run, const std::string& ref) {
  auto d = image::resolve_image(run.store, ref);
  if (d.ok() || d.error().kind != ErrorKind::NotFound || !run.opts.fetch_image) return d;
  return run.opts.fetch_image(ref);
}

// COPY --from: keyed by the source stage's key (or image digest), so a hit
// never reads the source.
Result<LayerOut> copy_view(Run& run, const Instruction& ins, const std::string& text, Digest& key) {
  const std::string where = run.where(ins.loc);
  image::Manifest src;
  if (ins.from.kind == CopySource::Kind::Stage) {
    const StageResult& s = run.done.at(ins.from.stage);
    key = step_key(key, text, "stage:" + s.key.str());
    src = s.m;
  } else {
    auto d = resolve_or_fetch(run, ins.from.image);
    if (!d.ok()) return at(where + ": COPY --from=" + ins.from.image, d.error());
    key = step_key(key, text, "image:" + d->str());
    WIMG_ASSIGN(src, image::load_image(run.store, *d));
  }
  if (auto hit = run.lookup(key)) {
    WIMG_ASSIGN(auto stats, stats_of_layer(run.store, *hit));
    return LayerOut{*hit, stats, true, ""};
  }
  WIMG_ASSIGN(layers::Overlay view, image::image_view(run.store, src));
  layers::LayerBuilder builder(where);
  WIMG_TRY(copy_from_view(view, request_of(ins, where), builder));
  WIMG_ASSIGN(auto entries, builder.finish());
  store::Batch batch(run.store);
  WIMG_ASSIGN(Digest d, put_layer(run.store, batch, entries));
  WIMG_TRY(image::build_cache_record(run.store, key, d));
  return LayerOut{d, layers::stats_of(entries), false, ""};
}

// The guest's argv after argv[0] for a RUN's words: an interpreter base's
// programs are its entry's policy (run_words, runtime/inject/interpreter.h);
// any other base is itself the program, so the first word only names it.
Result<std::vector<std::string>> run_words(Run& run, const image::Manifest& m, const Instruction& ins,
                                           const std::string& where) {
  if (!m.base) return make_error(ErrorKind::Input, where + ": the image has no base to run");
  WIMG_ASSIGN(const inject::Interpreter* interp, base_interpreter(run, *m.base));
  if (interp == nullptr) return std::vector<std::string>(ins.args.begin() + 1, ins.args.end());
  std::string error;
  auto words = interp->run_words(ins.args, error);
  if (!error.empty()) return make_error(ErrorKind::Input, where + ": " + error);
  return words;
}

// RUN: keyed by the parent key (the image so far), the text and the clock,
// so a hit runs nothing.
Result<LayerOut> run_instruction(Run& run, StageResult& r, const Instruction& ins, const std::string& text,
                                 Digest& key) {
  const std::string where = run.where(ins.loc) + ": " + text;
  const std::int64_t clock = run.opts.created.value_or(0);
  key = step_key(key, text, "clock:" + std::to_string(clock));
  if (auto hit = run.lookup(key)) {
    WIMG_ASSIGN(auto stats, stats_of_layer(run.store, *hit));
    return LayerOut{*hit, stats, true, ""};
  }
  RunStepInput in;
  in.image = &r.m;
  WIMG_ASSIGN(in.view, stage_view(run.store, r));
  WIMG_ASSIGN(in.words, run_words(run, r.m, ins, where));
  in.where = where;
  in.clock = clock;
  in.seed = key.str();
  in.timeout = run.opts.run_timeout;
  store::Batch batch(run.store);
  WIMG_ASSIGN(RunStepOutput out, run_step(run.store, batch, in, run.opts.preparer, run.opts.run_process));
  WIMG_ASSIGN(Digest d, put_layer(run.store, batch, out.entries));
  WIMG_TRY(image::build_cache_record(run.store, key, d));
  return LayerOut{d, layers::stats_of(out.entries), false, std::move(out.output)};
}

// Applies a config instruction with Docker's rules (ENTRYPOINT resets an
// inherited CMD unless this stage set CMD before it).
void apply_config(const Instruction& ins, image::Config& c, bool& cmd_set) {
  switch (ins.kind) {
    case InstructionKind::Env:
      for (const auto& kv : ins.pairs) c.set_env(kv.key, kv.value.value_or(""));
      break;
    case InstructionKind::Label:
      for (const auto& kv : ins.pairs) c.labels[kv.key] = kv.value.value_or("");
      break;
    case InstructionKind::Workdir:
      c.workdir = ins.path;
      break;
    case InstructionKind::Entrypoint:
      c.entrypoint = ins.args;
      if (!cmd_set) c.cmd.reset();
      break;
    case InstructionKind::Cmd:
      c.cmd = ins.args;
      cmd_set = true;
      break;
    case InstructionKind::Mount:
      if (std::find(c.mounts.begin(), c.mounts.end(), ins.path) == c.mounts.end()) c.mounts.push_back(ins.path);
      break;
    case InstructionKind::Volume:
      for (const auto& v : ins.args)
        if (std::find(c.volumes.begin(), c.volumes.end(), v) == c.volumes.end()) c.volumes.push_back(v);
      break;
    case InstructionKind::Preinit:
      c.labels[std::string(image::kPreinitLabel)] = image::preinit_label(ins.args);
      break;
    default:
      break;
  }
}

// FROM path/to/base.wasm: checked with the project's own reader once per
// content (the FROM key's cache entry records that it passed).
Result<image::BaseRef> from_wasm(Run& run, const Stage& st, Digest& key, bool& hit) {
  const std::string where = run.where(st.loc) + ": FROM " + st.from.path;
  auto clean = clean_source(st.from.path);
  if (!clean) return make_error(ErrorKind::Input, where + ": is outside the build context");
  auto real = fs::real_path(fs::join(run.ctx.real_root, *clean));
  if (!real.ok()) return at(where, real.error());
  if (!real->starts_with(run.ctx.real_root + "/")) {
    return make_error(ErrorKind::Input, where + ": leads outside the build context (to " + *real + ")");
  }
  struct stat info;
  if (::stat(real->c_str(), &info) != 0) return at(where, fs::os_error("cannot stat", *real, errno));
  const std::string rel = real->substr(run.ctx.real_root.size() + 1);
  const layers::StatKey skey = layers::StatKey::from(info);
  // A 20 MB interpreter is not re-read or re-hashed while its stat and its
  // checked object are unchanged.
  if (run.ctx.stat_cache != nullptr) {
    if (auto d = run.ctx.stat_cache->lookup(rel, skey)) {
      key = step_key(std::nullopt, "FROM", "wasm:" + d->str());
      if (run.lookup(key) == *d) {
        run.ctx.stat_cache->record(rel, skey, *d);  // kept for the next build (copy.cpp)
        hit = true;
        return image::BaseRef{*d, skey.size};
      }
    }
  }
  WIMG_ASSIGN(std::string bytes, fs::read_file(*real));
  const Digest d = sha256_of(bytes);
  if (run.ctx.stat_cache != nullptr && bytes.size() == skey.size) run.ctx.stat_cache->record(rel, skey, d);
  key = step_key(std::nullopt, "FROM", "wasm:" + d.str());
  image::BaseRef base{d, bytes.size()};
  if (run.lookup(key) == d) {
    hit = true;
    return base;
  }
  if (!pack::looks_like_wasm(bytes)) return make_error(ErrorKind::Input, where + ": not a WebAssembly module");
  // The one refusal policy (image/base.h), as `image create --base`.
  WIMG_TRY(image::check_base(bytes, where));
  WIMG_TRY(run.store.put(bytes));
  WIMG_TRY(image::build_cache_record(run.store, key, d));
  return base;
}

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

Result<StageResult> run_from(Run& run, const Stage& st, bool& cached) {
  StageResult r;
  switch (st.from.kind) {
    case FromRef::Kind::Image: {
      auto d = resolve_or_fetch(run, st.from.image);
      if (!d.ok()) return at(run.where(st.loc) + ": FROM " + st.from.text, d.error());
      WIMG_ASSIGN(r.m, image::load_image(run.store, *d));
      r.key = step_key(std::nullopt, "FROM", "image:" + d->str());
      cached = !run.opts.no_cache;  // nothing to build: the image's objects are shared
      break;
    }
    case FromRef::Kind::Wasm: {
      WIMG_ASSIGN(image::BaseRef base, from_wasm(run, st, r.key, cached));
      r.m.base = base;
      r.m.created = 0;  // a module carries no date
      break;
    }
    case FromRef::Kind::Stage: {
      const StageResult& parent = run.done.at(st.from.stage);
      r.m = parent.m;
      r.key = step_key(parent.key, "FROM", "stage");
      cached = !run.opts.no_cache;
      break;
    }
  }
  if (run.opts.created) r.m.created = *run.opts.created;  // else the FROM image's
  return r;
}

// Docker's rule: a destination without a trailing "/" that is already a
// directory of the image receives the sources inside it (`COPY a.txt /app`
// with /app a directory makes /app/a.txt). Only the image so far decides,
// which the step's parent key already covers.
Result<Instruction> into_existing_dir(const Run& run, StageResult& r, const Instruction& ins) {
  Instruction out = ins;
  if (ins.path.ends_with('/') || ins.path == "/" || r.m.layers.empty()) return out;
  WIMG_ASSIGN(const layers::Overlay* view, stage_view(run.store, r));
  auto res = view->resolve(ins.path, /*follow_last=*/true);
  if (res.error == layers::LookupError::None) {
    const auto* e = view->find(res.path);
    if (res.path.empty() || (e != nullptr && e->entry.kind == layers::Kind::Dir)) out.path += "/";
  }
  return out;
}

// Every COPY/ADD destination that is a directory of the stage's image
// becomes a preopen, like a MOUNT: wasi-libc picks the
// longest matching preopen, and a base's own in-binary mounts (an
// interpreter's wasi-vfs /usr) would otherwise shadow e.g. a library's
// directory under /usr/local/lib.
Status add_dest_preopens(const Run& run, StageResult& r) {
  if (r.copy_dests.empty()) return {};
  WIMG_ASSIGN(const layers::Overlay* view, stage_view(run.store, r));
  auto& mounts = r.m.config.mounts;
  for (const auto& d : r.copy_dests) {
    const auto* e = view->find(d.substr(1));
    if (e == nullptr || e->entry.kind != layers::Kind::Dir) continue;
    if (std::find(mounts.begin(), mounts.end(), d) == mounts.end()) mounts.push_back(d);
  }
  return {};
}

Result<StageResult> run_stage(Run& run, const Stage& st) {
  auto t0 = Clock::now();
  bool from_cached = false;
  WIMG_ASSIGN(StageResult r, run_from(run, st, from_cached));
  std::string from = "FROM " + st.from.text + (st.name.empty() ? "" : " AS " + st.name);
  run.cached += from_cached ? 1 : 0;
  run.progress({++run.number, run.total, st.index, from, from_cached, true, ms_since(t0), ""});
  bool cmd_set = false;
  for (const Instruction& ins : st.instructions) {
    t0 = Clock::now();
    const std::string text = step_text(run.plan, ins);
    StepEvent ev{++run.number, run.total, st.index, text, false, false, 0, ""};
    if (ins.kind == InstructionKind::Copy || ins.kind == InstructionKind::Add || ins.kind == InstructionKind::Run) {
      LayerOut out;
      if (ins.kind == InstructionKind::Run) {
        WIMG_ASSIGN(out, run_instruction(run, r, ins, text, r.key));
      } else {
        WIMG_ASSIGN(const Instruction copy, into_existing_dir(run, r, ins));
        if (ins.from.kind == CopySource::Kind::Context) {
          WIMG_ASSIGN(out, copy_context(run, copy, text, r.key));
        } else {
          WIMG_ASSIGN(out, copy_view(run, copy, text, r.key));
        }
        std::string dest = ins.path;
        while (dest.size() > 1 && dest.back() == '/') dest.pop_back();
        if (dest != "/") r.copy_dests.push_back(dest);
      }
      WIMG_TRY(warn_unusable(run, r.m, out.digest, run.where(ins.loc) + ": " + text));
      r.m.layers.push_back({out.digest, out.stats.files, out.stats.bytes, text});
      r.m.history.push_back({text, false});
      ev.cached = out.cached;
      ev.layer = true;
      ev.output = std::move(out.output);
      run.cached += out.cached ? 1 : 0;
    } else {
      r.key = step_key(r.key, text, "");
      apply_config(ins, r.m.config, cmd_set);
      r.m.history.push_back({text, true});
    }
    ev.ms = ms_since(t0);
    run.progress(ev);
  }
  WIMG_TRY(add_dest_preopens(run, r));
  return r;
}

// The Wasmfile line of the last MOUNT or VOLUME naming `path`.
std::string where_of(const Run& run, InstructionKind kind, const std::string& path) {
  std::string where = run.opts.wasmfile;
  for (const auto& st : run.plan.stages) {
    for (const auto& ins : st.instructions) {
      if (ins.kind != kind) continue;
      if (ins.path == path || std::find(ins.args.begin(), ins.args.end(), path) != ins.args.end())
        where = run.where(ins.loc);
    }
  }
  return where;
}

// A MOUNT must name a directory of the final image, a VOLUME must not be
// (or pass through) anything else; said here, with the Wasmfile line,
// rather than when the .wasm is rendered.
Status check_mounts(const Run& run, const image::Manifest& m) {
  if (m.config.mounts.empty() && m.config.volumes.empty()) return {};
  WIMG_ASSIGN(layers::Overlay view, image::image_view(run.store, m));
  for (const auto& path : m.config.mounts) {
    auto s = pack::check_mounts({path}, view);
    if (s) continue;
    std::string msg = s.error().message;
    if (msg.starts_with("--mount ")) msg = msg.substr(8);
    return make_error(s.error().kind, where_of(run, InstructionKind::Mount, path) + ": MOUNT " + msg);
  }
  for (const auto& path : m.config.volumes) {
    auto s = pack::check_volumes({path}, view);
    if (!s) return make_error(s.error().kind, where_of(run, InstructionKind::Volume, path) + ": " + s.error().message);
  }
  return {};
}

// Checked before any step runs, so a Wasmfile with too many COPY steps fails
// at once with the line that crosses the limit, not after building them all.
Status check_layer_limit(const Run& run) {
  constexpr std::size_t kMaxLayers = WIMG_SLOTS - 1;
  std::map<std::size_t, std::size_t> layers_at_end;  // stage index -> layers
  for (const auto& st : run.plan.stages) {
    std::size_t n = 0;
    if (st.from.kind == FromRef::Kind::Stage) {
      n = layers_at_end[st.from.stage];
    } else if (st.from.kind == FromRef::Kind::Image) {
      // A missing image is the FROM step's error, with its own message.
      if (auto d = image::resolve_image(run.store, st.from.image); d.ok()) {
        if (auto m = image::load_image(run.store, *d); m.ok()) n = m->layers.size();
      }
    }
    for (const auto& ins : st.instructions) {
      if (ins.kind != InstructionKind::Copy && ins.kind != InstructionKind::Add && ins.kind != InstructionKind::Run)
        continue;
      if (++n > kMaxLayers) {
        return make_error(ErrorKind::Input, run.where(ins.loc) + ": " + kind_name(ins.kind) + " would make layer " +
                                                std::to_string(n) + " of its image; an image holds at most " +
                                                std::to_string(kMaxLayers) + " layers (the slots of a .wasm)");
      }
    }
    layers_at_end[st.index] = n;
  }
  return {};
}

}  // namespace

Digest step_key(const std::optional<Digest>& parent, std::string_view text, std::string_view inputs) {
  std::string b = "wimg-build-key 1";
  b += '\0';
  b += parent ? parent->str() : "";
  b += '\0';
  b += std::to_string(text.size()) + ":" + std::string(text);
  b += '\0';
  b += std::to_string(inputs.size()) + ":" + std::string(inputs);
  return sha256_of(b);
}

std::string step_text(const Plan& plan, const Instruction& ins) {
  std::string t = kind_name(ins.kind);
  switch (ins.kind) {
    case InstructionKind::Copy:
    case InstructionKind::Add:
      if (ins.from.kind != CopySource::Kind::Context) t += " --from=" + from_text(plan, ins.from);
      if (ins.chmod) t += " --chmod=" + octal(*ins.chmod);
      for (const auto& e : ins.excludes) t += " --exclude=" + word(e);
      for (const auto& a : ins.args) t += " " + word(a);
      t += " " + word(ins.path);
      break;
    case InstructionKind::Arg:
    case InstructionKind::Env:
    case InstructionKind::Label:
      for (const auto& kv : ins.pairs) t += " " + pair_text(kv);
      break;
    case InstructionKind::Workdir:
    case InstructionKind::Mount:
      t += " " + word(ins.path);
      break;
    case InstructionKind::Entrypoint:
    case InstructionKind::Cmd:
    case InstructionKind::Volume:
    case InstructionKind::Run:
      t += " " + nlohmann::json(ins.args).dump();
      break;
    case InstructionKind::Preinit:
      if (!ins.args.empty()) t += " " + nlohmann::json(ins.args).dump();
      break;
  }
  return t;
}

Result<BuildResult> build(store::Store& store, const Plan& plan, const BuildOptions& opts,
                          const std::function<void(const StepEvent&)>& progress) {
  if (plan.stages.empty()) return make_error(ErrorKind::Input, opts.wasmfile + ": no stage to build");
  WIMG_ASSIGN(auto lock, store.writer_lock());
  WIMG_ASSIGN(BuildContext ctx, open_context(opts.context, opts.import));
  std::optional<layers::StatCache> cache;
  if (opts.import.use_stat_cache) {
    cache = layers::StatCache::in_store(store, ctx.real_root, opts.import.walk_start_ns);
    ctx.stat_cache = &*cache;
  }
  Run run{store, plan, opts, progress, std::move(ctx), {}, 0, 0, 0, {}};
  for (const auto& st : plan.stages) run.total += 1 + st.instructions.size();
  WIMG_TRY(check_layer_limit(run));
  for (const auto& st : plan.stages) {
    WIMG_ASSIGN(StageResult r, run_stage(run, st));
    run.done.emplace(st.index, std::move(r));
  }
  BuildResult out;
  out.manifest = run.done.at(plan.stages.back().index).m;
  WIMG_TRY(check_mounts(run, out.manifest));
  WIMG_ASSIGN(out.image, image::put_image(store, out.manifest));
  out.steps = run.number;
  out.cached = run.cached;
  if (cache) {
    if (auto s = cache->save(); !s && opts.import.warn) opts.import.warn("cannot save the stat cache: " + s.error().message);
  }
  return out;
}

}  // namespace wimg::recipe
