// wimg build [-f Wasmfile] [-t name:tag]... [-o out.wasm] [--build-arg K=V]...
//            [--target STAGE] [--no-cache] [--run-timeout DURATION]
//            [--progress auto|plain|json] [CONTEXT]
// Parses the Wasmfile (recipe/wasmfile.h), runs the plan with the build
// cache (recipe/builder.h), stores the image, names it, and renders the
// .wasm with the code `wimg pack` and `wimg run` use (image/packing.h).
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/registry_options.h"
#include "cli/preparer.h"
#include "cli/wasi_host.h"
#include "image/images.h"
#include "image/packing.h"
#include "layers/tree.h"
#include "recipe/builder.h"
#include "recipe/wasmfile.h"
#include "runtime/pack/host_limits.h"
#include "support/errors.h"
#include "support/fs.h"
#include "support/process.h"

namespace wimg::cli {

namespace {

struct BuildArgs {
  std::string file;
  std::vector<std::string> tags;
  std::string output;
  std::vector<std::string> build_args;
  std::string target;
  bool no_cache = false;
  std::string progress = "auto";
  std::string run_timeout = "10m";
  std::string context = ".";
};

// "90", "90s", "500ms", "10m", "1h": a positive duration.
std::chrono::milliseconds parse_duration(const std::string& text, const std::string& flag) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string unit = text.substr(digits);
  const std::map<std::string, long long> ms_per{{"", 1000}, {"s", 1000}, {"ms", 1}, {"m", 60000}, {"h", 3600000}};
  auto it = ms_per.find(unit);
  if (digits == 0 || digits > 9 || it == ms_per.end() || std::stoll(text.substr(0, digits)) == 0) {
    throw Failure(ErrorKind::Usage, flag + " " + text + ": expected a positive duration such as 90s, 500ms, 10m or 1h");
  }
  return std::chrono::milliseconds(std::stoll(text.substr(0, digits)) * it->second);
}

// RUN steps run under node 24 with the runner embedded in wimg, the one
// host that can fix the guest's clock and seed its random_get
// (runtime/runner/wasi-run.mjs).
recipe::RunProcess step_runner(const Context& ctx, const store::Store& store) {
  return [&ctx, &store](const recipe::StepProcess& sp) -> Result<proc::Exit> {
    HostChoice h;
    try {
      h = choose_host("node", ctx);
    } catch (const Failure& f) {
      return make_error(f.kind(), std::string("RUN needs node >= 24: ") + f.what());
    }
    return proc::run_logged(runner::host_argv(runner::Host::Node, h.program, runner_script(store), sp.req), sp.log,
                            sp.timeout);
  };
}

std::map<std::string, std::string> parse_build_args(const std::vector<std::string>& args) {
  std::map<std::string, std::string> out;
  for (const auto& kv : args) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw Failure(ErrorKind::Usage, "--build-arg " + kv + ": expected K=V");
    out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

// Plain lines like BuildKit's: "[2/4] COPY app /app  CACHED"; or one JSON
// object per event.
class Progress {
 public:
  Progress(const Context& ctx, bool json) : ctx_(ctx), json_(json) {}

  void step(const recipe::StepEvent& e) const {
    if (json_) {
      nlohmann::json j{{"event", "step"}, {"step", e.number}, {"total", e.total}, {"stage", e.stage},
                       {"text", e.text},  {"cached", e.cached}, {"ms", static_cast<std::int64_t>(e.ms + 0.5)}};
      if (!e.output.empty()) j["output"] = e.output;
      ctx_.out << j.dump() << "\n";
      return;
    }
    ctx_.out << "[" << e.number << "/" << e.total << "] " << e.text;
    if (e.cached) {
      ctx_.out << "  CACHED";
    } else if (e.layer) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "  %.1f ms", e.ms);
      ctx_.out << buf;
    }
    ctx_.out << "\n";
    // A RUN's output, indented under its step.
    std::size_t at = 0;
    while (at < e.output.size()) {
      std::size_t nl = e.output.find('\n', at);
      if (nl == std::string::npos) nl = e.output.size();
      ctx_.out << "    " << std::string_view(e.output).substr(at, nl - at) << "\n";
      at = nl + 1;
    }
  }

  void event(const nlohmann::json& j, const std::string& line) const {
    if (json_) {
      ctx_.out << j.dump() << "\n";
    } else {
      ctx_.out << line << "\n";
    }
  }

 private:
  const Context& ctx_;
  bool json_;
};

void run_build(const BuildArgs& a, const Context& ctx) {
  if (a.progress != "auto" && a.progress != "plain" && a.progress != "json") {
    throw Failure(ErrorKind::Usage, "--progress must be auto, plain or json");
  }
  std::vector<image::Reference> refs;
  for (const auto& t : a.tags) refs.push_back(unwrap(image::parse_reference(t)));
  const std::string file = a.file.empty() ? fs::join(a.context, "Wasmfile") : a.file;
  // The context's own Wasmfile may not lead out of it (its lines are echoed
  // in errors); one named with -f is read where the user said.
  Result<std::string> text = make_error(ErrorKind::NotFound, "");
  if (a.file.empty()) {
    auto in_tree = layers::read_in_tree(a.context, "Wasmfile", file);
    if (!in_tree.ok()) throw Failure(in_tree.error().kind, "cannot read the Wasmfile: " + in_tree.error().message);
    text = *in_tree ? Result<std::string>(std::move(**in_tree)) : fs::read_file(file);  // the usual "no such file"
  } else {
    text = fs::read_file(file);
  }
  if (!text.ok()) throw Failure(text.error().kind, "cannot read the Wasmfile: " + text.error().message);
  recipe::ParseOptions po;
  po.build_args = parse_build_args(a.build_args);
  if (!a.target.empty()) po.target = a.target;
  recipe::Plan plan = unwrap(recipe::parse_wasmfile(*text, file, po));
  for (const auto& w : plan.warnings) ctx.warn(w);

  recipe::BuildOptions bo;
  bo.context = a.context;
  bo.wasmfile = file;
  bo.no_cache = a.no_cache;
  bo.created = ctx.source_date_epoch();
  bo.import = ctx.import_options();
  bo.fetch_image = image_fetcher(ctx);
  bo.run_timeout = parse_duration(a.run_timeout, "--run-timeout");
  bo.preparer = guest_preparer();
  const Progress progress(ctx, a.progress == "json");
  store::Store store = ctx.open_store();
  bo.run_process = step_runner(ctx, store);
  // One lock from the first object to the last name: prune waits.
  auto lock = unwrap(store.writer_lock());
  auto t0 = std::chrono::steady_clock::now();
  recipe::BuildResult r = unwrap(recipe::build(store, plan, bo, [&](const recipe::StepEvent& e) { progress.step(e); }));
  // Rendered and written before any name is set, so a build whose output
  // fails (no such directory, disk full) leaves the refs as they were.
  std::optional<image::WrittenWasm> wasm;
  if (!a.output.empty()) {
    // Errors of the render concern the final stage's base: named by its
    // FROM line, like every other build error, not by the image digest.
    const recipe::Stage& last = plan.stages.back();
    const std::string shown = file + ":" + std::to_string(last.loc.line) + ": FROM " + last.from.text;
    // Streamed to the file, atomic (readers see the old file or the new
    // one) but not fsynced: a build output is re-made from the store in
    // milliseconds, and an fsync of 30 MB would cost more than the whole
    // rebuild (as `cp` does not). Not rewritten when it already holds this image.
    wasm = unwrap(image::write_wasm(store, r.manifest, guest_preparer(&ctx), shown, a.output));
    for (const auto& w : pack::host_limit_warnings(wasm->size, wasm->data_segments)) ctx.warn(a.output + ": " + w);
  }
  for (const auto& ref : refs) unwrap(image::tag_image(store, r.image, ref));
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json done{{"event", "image"}, {"digest", r.image.str()}, {"size", r.manifest.total_bytes()},
                      {"layers", r.manifest.layers.size()}, {"steps", r.steps}, {"cached", r.cached},
                      {"tags", a.tags}, {"ms", static_cast<std::int64_t>(ms + 0.5)}};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  progress.event(done, "image " + r.image.str() + ": " + std::to_string(r.manifest.total_bytes()) + " bytes, " +
                           std::to_string(r.manifest.layers.size()) + " layers, " + std::to_string(r.cached) + "/" +
                           std::to_string(r.steps) + " steps cached, " + buf);
  for (const auto& t : refs) progress.event({{"event", "tag"}, {"name", t.str()}}, "tagged " + t.str());
  if (wasm) {
    progress.event({{"event", "output"}, {"path", a.output}, {"size", wasm->size},
                    {"base_prepared", wasm->base_prepared}, {"unchanged", wasm->unchanged},
                    {"snapshot_taken", wasm->snapshot_taken}},
                   (wasm->unchanged ? "unchanged " : "wrote ") + a.output + ": " + std::to_string(wasm->size) +
                       " bytes" + (wasm->base_prepared ? ", base prepared" : "") +
                       (wasm->snapshot_taken ? ", snapshot taken (PREINIT)" : ""));
  }
}

}  // namespace

void register_build(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<BuildArgs>();
  auto* cmd = app.add_subcommand("build", "Build an image from a Wasmfile (and write it as one .wasm with -o)");
  cmd->add_option("-f,--file", a->file, "The Wasmfile (default: CONTEXT/Wasmfile)");
  // One value per flag, so a CONTEXT after "-t x" is not taken as a tag.
  cmd->add_option("-t,--tag", a->tags, "Name the image NAME[:TAG] (repeatable)")->allow_extra_args(false);
  cmd->add_option("-o,--output", a->output, "Write the packed .wasm here (atomically)");
  cmd->add_option("--build-arg", a->build_args, "K=V for an ARG (repeatable)")->allow_extra_args(false);
  cmd->add_option("--target", a->target, "Build this stage (name or index) and the stages it needs");
  cmd->add_flag("--no-cache", a->no_cache, "Do not reuse cached steps");
  cmd->add_option("--run-timeout", a->run_timeout,
                  "Stop a RUN step that runs longer than this (e.g. 90s, 500ms, 10m; default 10m) and fail the build");
  cmd->add_option("--progress", a->progress, "auto|plain|json (auto = plain)");
  cmd->add_option("CONTEXT", a->context, "The build context directory (default: .)");
  cmd->callback([a, &ctx] { run_build(*a, ctx); });
}

}  // namespace wimg::cli
