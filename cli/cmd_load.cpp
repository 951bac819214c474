// wimg load -i FILE [--base IMAGE] [-t NAME:TAG] — load the images of an
// OCI image layout (a tar or a directory) into the store. Images made by
// other tools need --base (dist/foreign.h).
#include "cli/commands.h"
#include "dist/layout.h"
#include "image/images.h"
#include "support/errors.h"

namespace wimg::cli {

namespace {

struct LoadArgs {
  std::string input;
  std::string base;
  std::string tag;
};

// What each image is named: -t for the one image, else its ref name
// (none: loaded by digest only).
std::vector<std::optional<image::Reference>> names_of(const std::vector<dist::LayoutImage>& images,
                                                      const LoadArgs& args) {
  std::vector<std::optional<image::Reference>> out;
  if (!args.tag.empty()) {
    if (images.size() != 1) {
      throw Failure(make_error(ErrorKind::Usage, args.input + ": -t names one image; the layout holds " +
                                                     std::to_string(images.size())));
    }
    out.push_back(unwrap(image::parse_reference(args.tag)));
    return out;
  }
  for (const auto& i : images) {
    if (i.ref.empty()) {
      out.emplace_back();
      continue;
    }
    auto ref = image::parse_reference(i.ref);
    if (!ref.ok()) {
      throw Failure(make_error(ErrorKind::Input, args.input + ": index.json names an image \"" + i.ref +
                                                     "\": " + ref.error().message + " (name it with -t NAME:TAG)"));
    }
    out.push_back(*ref);
  }
  return out;
}

}  // namespace

void register_load(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<LoadArgs>();
  auto* cmd = app.add_subcommand("load", "Load images from an OCI image layout (tar or directory)");
  cmd->add_option("-i,--input", args->input, "the layout tar or directory")->required();
  cmd->add_option("--base", args->base,
                  "a wimg image to import images made by other tools onto (their layers go above its layers)");
  cmd->add_option("-t,--tag", args->tag, "name the layout's one image NAME[:TAG] (instead of its ref name)");
  cmd->callback([args, &ctx] {
    dist::Layout layout = unwrap(dist::Layout::open(args->input));
    store::Store store = ctx.open_store();
    std::optional<Digest> onto;
    if (!args->base.empty()) onto = unwrap(image::resolve_image(store, args->base));
    std::vector<dist::LayoutImage> images = unwrap(layout.images());
    if (images.empty()) throw Failure(make_error(ErrorKind::Input, args->input + ": index.json lists no image"));
    auto names = names_of(images, *args);
    for (std::size_t i = 0; i < images.size(); ++i) {
      dist::ImportStats stats;
      Digest d = unwrap(dist::import_image(store, layout, images[i].manifest, names[i], ctx.import_options(), &stats, onto));
      if (names[i]) {
        ctx.out << "Loaded image: " << names[i]->str() << " (" << d.str() << ")";
      } else {
        ctx.out << "Loaded image ID: " << d.str() << " (unnamed: `wimg tag` it, or prune removes it)";
      }
      if (!stats.foreign_platform.empty()) ctx.out << ", imported onto " << args->base;
      ctx.out << "\n";
      const std::string shown = names[i] ? names[i]->str() : d.str();
      if (!stats.foreign_platform.empty() && stats.foreign_platform != "wasip1/wasm") {
        ctx.warn(shown + " is a " + stats.foreign_platform +
                 " image: its files were imported, but its programs are not WebAssembly");
      }
      if (onto && stats.foreign_platform.empty()) ctx.warn("--base " + args->base + " not used for " + shown + ": it is a wimg image");
    }
  });
}

}  // namespace wimg::cli
