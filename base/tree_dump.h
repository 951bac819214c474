// Taking a tree out of a module that embeds one (a wasi-vfs-packed CRuby):
// the module is rendered as a command with no layers (image/packing.h), run
// under node's WASI with the runner embedded in wimg
// (runtime/runner/wasi-run.mjs) and one host directory preopened at
// kDumpMount, where a program of the interpreter's (runtime/inject/
// ruby_base.h) copies the tree and writes a manifest. wimg then checks the
// copy file by file against that manifest (SHA-256 and size of every file,
// nothing missing, nothing extra, the END line present), normalises modes
// (files 0644, directories 0755: wasi-vfs reports every file executable)
// and imports it as a layer. Nothing reaches the store unless all of it
// checks out. The result is remembered in the build cache (keyed by the
// module, the root and the program), so importing the same module again
// runs nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "image/packing.h"
#include "layers/import.h"
#include "store/store.h"

namespace wimg::base {

inline constexpr std::string_view kDumpMount = "/wimg-out";

// How to run a WASI command module with node: {node, runner script}.
using NodeCommand = std::function<Result<std::vector<std::string>>()>;

struct DumpRequest {
  std::string_view module;    // the module bytes (a CRuby reactor)
  std::string shown;          // names it in errors
  std::string guest_root;     // the tree to take out, e.g. /usr/local/lib/ruby
  // The interpreter's words (the command's ENTRYPOINT: its argv after
  // argv[0]), given (dest, guest_root, manifest) as guest paths: the
  // program that copies the tree.
  std::function<std::vector<std::string>(const std::string&, const std::string&, const std::string&)> words;
};

struct DumpedTree {
  layers::ImportResult layer;  // entries under guest_root (its parents implied 0755)
  std::string end_line;        // the manifest's END line (files, dirs, bytes, version)
  bool cached = false;         // from the build cache: nothing ran
};

// Stores the layer; the caller holds the store's writer lock.
Result<DumpedTree> dump_tree(store::Store& store, const DumpRequest& req, const image::Preparer& prep,
                             const NodeCommand& node, const layers::ImportOptions& opts);

}  // namespace wimg::base
