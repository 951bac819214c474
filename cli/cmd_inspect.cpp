// wimg inspect FILE.wasm [--json] [--verify] — what a packed binary holds:
// base, runtime, config and layers, read host-side from its custom sections
// and slots (runtime/pack/packed.h); --verify re-derives every digest.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/format.h"
#include "runtime/pack/host_limits.h"
#include "runtime/pack/packed.h"
#include "runtime/pack/upper.h"
#include "image/preinit.h"
#include "runtime/inject/interpreter.h"
#include "runtime/wasm/abi.h"
#include "support/errors.h"
#include "support/fs.h"

namespace wimg::cli {

namespace {

// Longer import names (WIT signatures) are counted per module, not listed.
constexpr std::size_t kListedNameMax = 40;

struct InspectArgs {
  std::string file;
  bool json = false;
  bool verify = false;
};

nlohmann::json list_or_null(const std::optional<std::vector<std::string>>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// What a host does with the file: run _start, or hand it to JavaScript glue.
std::string abi_of(const pack::PackedImage& p) {
  if (const auto* i = inject::interpreter_of_command_abi(p.runtime.abi)) return std::string(i->command_note);
  if (wasm::is_command(p.module)) return "command (_start)";
  if (const auto* i = inject::recognise_interpreter(p.module)) return std::string(i->reactor_note);
  return "reactor (_initialize)";
}

// The functions the module needs from its host, "module.name", sorted.
std::vector<std::string> host_functions(const wasm::Module& m) {
  std::vector<std::string> out;
  for (const auto& imp : m.imports) {
    if (imp.kind == wasm::ExternKind::Func) out.push_back(std::string(imp.module) + "." + std::string(imp.name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// PREINIT (image/preinit.h): the words, and whether this file is the
// snapshot (the snapshotter removed the init export) or not (yet).
std::optional<std::pair<std::vector<std::string>, bool>> preinit_of(const pack::PackedImage& p) {
  image::Config c;
  c.labels = p.manifest.config.labels;
  auto words = image::preinit_words(c, "the image");
  if (!words.ok() || !*words) return std::nullopt;
  return std::make_pair(**words, wasm::find_function_export(p.module, inject::kPreinitExport) == nullptr);
}

std::string describe_preinit(const pack::PackedImage& p, const std::pair<std::vector<std::string>, bool>& pre) {
  const auto* interp = inject::interpreter_of_command_abi(p.runtime.abi);
  const std::string start = interp != nullptr ? std::string(interp->preinit_start) : "the init export";
  const std::string what = start + " + PREINIT " + nlohmann::json(pre.first).dump();
  return pre.second ? "pre-initialised: starts from a snapshot taken after " + what
                    : "asks for a snapshot after " + what + ", but this file is not one (init export still present)";
}

void print_text(const Context& ctx, const std::string& file, const pack::PackedImage& p) {
  const pack::PackManifest& m = p.manifest;
  ctx.out << "File:       " << file << " (" << p.file->size() << " bytes)\n";
  ctx.out << "Base:       " << m.base.str();
  if (m.base_size) ctx.out << " (" << *m.base_size << " bytes)";
  ctx.out << "\nPrepared:   " << m.prepared.str() << " (" << m.prepared_size << " bytes)\n";
  ctx.out << "Runtime:    " << m.runtime.str() << " (format " << p.runtime.version << ", " << p.runtime.slots
          << " slots from data segment " << p.runtime.first_slot << ", region " << p.runtime.region_pages
          << " pages)\n";
  ctx.out << "ABI:        " << abi_of(p) << "\n";
  if (auto pre = preinit_of(p)) ctx.out << "Preinit:    " << describe_preinit(p, *pre) << "\n";
  ctx.out << "Created:    " << m.created << "\n";
  ctx.out << "Entrypoint: " << list_or_null(m.config.entrypoint).dump() << "\n";
  ctx.out << "Cmd:        " << list_or_null(m.config.cmd).dump() << "\n";
  ctx.out << "Env:        " << nlohmann::json(m.config.env).dump() << "\n";
  ctx.out << "Workdir:    " << m.config.workdir << "\n";
  ctx.out << "Preopens:   " << nlohmann::json(p.view.config.preopens).dump() << "\n";
  if (!m.config.labels.empty()) ctx.out << "Labels:     " << nlohmann::json(m.config.labels).dump() << "\n";
  if (!m.config.volumes.empty()) ctx.out << "Volumes:    " << nlohmann::json(m.config.volumes).dump() << "\n";
  ctx.out << "Writable:   " << pack::describe_upper(p.view.config.fs) << "\n";
  // Grouped by module: "N host functions: wasi_snapshot_preview1: a b c".
  // A module whose names are long (a CRuby reactor's JavaScript imports
  // are whole WIT signatures) is counted, not listed: --json has them all.
  std::vector<std::string> imports = host_functions(p.module);
  std::vector<std::pair<std::string_view, std::vector<std::string_view>>> groups;
  for (std::string_view i : imports) {
    const std::size_t dot = i.find('.');
    if (groups.empty() || groups.back().first != i.substr(0, dot)) groups.push_back({i.substr(0, dot), {}});
    groups.back().second.push_back(i.substr(dot + 1));
  }
  ctx.out << "Imports:    " << imports.size() << " host functions";
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto& [module, names] = groups[g];
    ctx.out << (g == 0 ? ": " : "; ") << module << ":";
    const bool long_names =
        std::any_of(names.begin(), names.end(), [](std::string_view n) { return n.size() > kListedNameMax; });
    if (long_names) {
      ctx.out << " " << names.size() << " (inspect --json lists them)";
      continue;
    }
    for (std::string_view n : names) ctx.out << " " << n;
  }
  ctx.out << "\n";
  ctx.out << "Layers:\n  " << pad("SLOT", 6) << pad("DIGEST", 73) << pad("SIZE", 10) << pad("SEGMENT", 10)
          << pad("FILES", 8) << "CREATED BY\n";
  for (const auto& l : m.layers) {
    ctx.out << "  " << pad(std::to_string(l.slot), 6) << pad(l.digest.str(), 73) << pad(human_size(l.bytes), 10)
            << pad(human_size(p.slots[l.slot].size()), 10) << pad(std::to_string(l.files), 8) << l.created_by << "\n";
  }
}

nlohmann::json to_json(const std::string& file, const pack::PackedImage& p) {
  nlohmann::json j;
  j["file"] = file;
  j["size"] = p.file->size();
  j["manifest"] = nlohmann::json::parse(pack::encode_pack_manifest(p.manifest).value());
  j["runtime"] = nlohmann::json::parse(pack::encode_runtime_section(p.runtime));
  j["abi"] = wasm::is_command(p.module) ? "command" : "reactor";
  if (auto pre = preinit_of(p)) j["preinit"] = {{"words", pre->first}, {"snapshot", pre->second}};
  j["slots"] = nlohmann::json::array();
  for (std::string_view s : p.slots) j["slots"].push_back(s.size());
  j["preopens"] = p.view.config.preopens;
  j["imports"] = host_functions(p.module);
  j["host_warnings"] = pack::host_limit_warnings(p.file->size(), p.module.data.size());
  return j;
}

void run_inspect(const InspectArgs& a, const Context& ctx) {
  auto bytes = std::make_shared<const std::string>(unwrap(fs::read_file(a.file)));
  pack::PackedImage p = unwrap(pack::open_packed(bytes, a.file));
  std::optional<pack::PackVerifyReport> rep;
  if (a.verify) rep = unwrap(pack::verify_packed(p, a.file));
  if (a.json) {
    nlohmann::json j = to_json(a.file, p);
    if (rep) {
      j["verified"] = {{"layers", rep->layers},
                       {"contents", rep->contents},
                       {"bytes", rep->bytes},
                       {"prepared_bytes", rep->prepared_bytes}};
    }
    ctx.out << j.dump(2) << "\n";
    return;
  }
  print_text(ctx, a.file, p);
  for (const auto& w : pack::host_limit_warnings(p.file->size(), p.module.data.size())) {
    ctx.out << "Hosts:      warning: " << w << "\n";
  }
  if (rep) {
    ctx.out << "Verified:   " << rep->layers << " layer digests, " << rep->contents << " contents (" << rep->bytes
            << " bytes), view matches the layers, prepared base (" << rep->prepared_bytes << " bytes) matches\n";
  }
}

}  // namespace

void register_inspect(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<InspectArgs>();
  auto* cmd = app.add_subcommand("inspect", "Show what a packed .wasm file holds");
  cmd->add_option("FILE", a->file, "Packed WebAssembly file")->required();
  cmd->add_flag("--json", a->json, "Machine-readable output");
  cmd->add_flag("--verify", a->verify, "Re-derive every layer digest, content hash and the prepared base's digest; check the view (exit 5 if not)");
  cmd->callback([a, &ctx] { run_inspect(*a, ctx); });
}

}  // namespace wimg::cli
