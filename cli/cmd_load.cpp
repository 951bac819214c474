// wimg load -i FILE — load the named images of an OCI image layout (a tar
// or a directory) into the store.
#include "cli/commands.h"
#include "dist/layout.h"
#include "support/errors.h"

namespace wimg::cli {

void register_load(CLI::App& app, Context& ctx) {
  auto input = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("load", "Load images from an OCI image layout (tar or directory)");
  cmd->add_option("-i,--input", *input, "the layout tar or directory")->required();
  cmd->callback([input, &ctx] {
    dist::Layout layout = unwrap(dist::Layout::open(*input));
    store::Store store = ctx.open_store();
    std::size_t loaded = 0;
    for (const auto& m : layout.manifests()) {
      auto it = m.annotations.find(std::string(dist::kRefNameAnnotation));
      if (it == m.annotations.end()) continue;  // wasm artifacts of bases, unnamed manifests
      image::Reference ref = unwrap(image::parse_reference(it->second));
      Digest d = unwrap(dist::import_image(store, layout, m, ref, ctx.import_options(), nullptr));
      ctx.out << "Loaded image: " << ref.str() << " (" << d.str() << ")\n";
      ++loaded;
    }
    if (loaded == 0) {
      throw Failure(make_error(ErrorKind::Input, *input + ": index.json names no image (no " +
                                                     std::string(dist::kRefNameAnnotation) + " annotation)"));
    }
  });
}

}  // namespace wimg::cli
