// wimg history IMAGE|FILE.wasm — like `docker history`: one row per
// instruction, newest first, with the layer it made (if any) and its size.
// A packed .wasm carries the same base, layers and history in its
// wimg.manifest section, so both give the same rows.
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/wasm_file.h"
#include "image/images.h"
#include "runtime/pack/packed.h"
#include "support/errors.h"
#include "support/fs.h"

namespace wimg::cli {

namespace {

struct Row {
  std::string layer;  // "sha256:..." or "<missing>" for instructions without a layer
  std::string created_by;
  std::uint64_t bytes = 0;
  std::uint64_t files = 0;
};

// Pairs history items with layers in order: each non-empty history item
// made the next layer. Manifests without history get one row per layer.
std::vector<Row> rows_of(const image::Manifest& m) {
  std::vector<Row> rows;
  std::size_t next_layer = 0;
  for (const auto& h : m.history) {
    Row r{"<none>", h.created_by, 0, 0};
    if (!h.empty_layer && next_layer < m.layers.size()) {
      const auto& l = m.layers[next_layer++];
      r = Row{l.digest.str(), h.created_by, l.bytes, l.files};
    }
    rows.push_back(std::move(r));
  }
  for (; next_layer < m.layers.size(); ++next_layer) {
    const auto& l = m.layers[next_layer];
    rows.push_back(Row{l.digest.str(), l.created_by, l.bytes, l.files});
  }
  if (m.base) rows.insert(rows.begin(), Row{m.base->digest.str(), "base wasm", m.base->size, 0});
  return rows;
}

// The image manifest a packed binary was made from, as far as history
// needs it. A base packed without its size (an already prepared base)
// shows 0 bytes.
image::Manifest manifest_of_packed(const std::string& file) {
  auto bytes = std::make_shared<const std::string>(unwrap(fs::read_file(file)));
  const pack::PackManifest pm = unwrap(pack::open_packed(bytes, file)).manifest;
  image::Manifest m;
  m.created = pm.created;
  m.base = image::BaseRef{pm.base, pm.base_size.value_or(0)};
  for (const auto& l : pm.layers) m.layers.push_back({l.digest, l.files, l.bytes, l.created_by});
  for (const auto& h : pm.history) m.history.push_back({h.created_by, h.empty_layer});
  return m;
}

image::Manifest manifest_of(const std::string& spec, const Context& ctx) {
  if (is_wasm_file(spec)) return manifest_of_packed(spec);
  store::Store store = ctx.open_store();
  return unwrap(image::load_image(store, resolve_image_arg(store, spec)));
}

void run(const std::string& spec, bool json, bool no_trunc, const Context& ctx) {
  auto rows = rows_of(manifest_of(spec, ctx));
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
      arr.push_back({{"layer", it->layer}, {"created_by", it->created_by}, {"bytes", it->bytes}, {"files", it->files}});
    }
    ctx.out << arr.dump(2) << "\n";
    return;
  }
  ctx.out << pad("LAYER", no_trunc ? 72 : 14) << pad("SIZE", 10) << "CREATED BY\n";
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    std::string id = it->layer.starts_with("sha256:") && !no_trunc ? it->layer.substr(7, 12) : it->layer;
    std::string by = it->created_by;
    if (!no_trunc && by.size() > 60) by = by.substr(0, 57) + "...";
    ctx.out << pad(id, no_trunc ? 72 : 14) << pad(human_size(it->bytes), 10) << by << "\n";
  }
}

}  // namespace

void register_history(CLI::App& app, Context& ctx) {
  struct Args {
    std::string image;
    bool json = false;
    bool no_trunc = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("history", "Show the instructions and layers an image was made of, newest first");
  cmd->add_option("IMAGE", args->image, "name[:tag], sha256:<hex>, image ID or packed .wasm file")->required();
  cmd->add_flag("--json", args->json, "JSON output");
  cmd->add_flag("--no-trunc", args->no_trunc, "Full digests and instructions");
  cmd->callback([args, &ctx] { run(args->image, args->json, args->no_trunc, ctx); });
}

}  // namespace wimg::cli
