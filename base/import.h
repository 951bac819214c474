// `wimg import SOURCE`: a base image from a WebAssembly module, with no
// Wasmfile and no source tree (docs/CLI.md, "Bases"):
//
//   npm:NAME@VERSION   an npm package of CRuby for WASI (@ruby/<v>-wasm-wasi):
//                      its dist/ruby.wasm is the base, the standard library
//                      packed into its dist/ruby+stdlib.wasm becomes a layer
//                      at /usr/local/lib/ruby (base/npm.h: fetched, checked,
//                      cached in the store);
//   DIR                an installed npm package of that kind (package.json,
//                      dist/): the same image as npm:NAME@VERSION when its
//                      files are the registry's;
//   FILE.wasm          a CRuby reactor: the module is the base and the tree
//                      its wasi-vfs carries at /usr/local/lib/ruby, if any,
//                      becomes a layer; any other WASI module: a base alone.
//
// The image is a pure function of the source bytes and `created`: the same
// package gives the same image digest in every store.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/npm.h"
#include "base/tree_dump.h"
#include "image/manifest.h"
#include "image/packing.h"
#include "layers/import.h"
#include "store/store.h"

namespace wimg::base {

struct ImportEnv {
  image::Preparer preparer;
  NodeCommand node;           // asked only for a CRuby (its library is taken out by running it)
  Getenv getenv;              // npm's registry settings
  HttpGet http;               // curl_get, or a test's own
  // SOURCE_DATE_EPOCH, if set: the image's `created`. Unset: a CRuby's
  // RUBY_RELEASE_DATE (00:00 UTC), else 0: a date the bytes themselves
  // carry, so every store still gets the same digest.
  std::optional<std::int64_t> created;
  layers::ImportOptions layer_opts;
  std::function<void(const std::string&)> note;  // progress lines for the user
};

struct Imported {
  Digest digest;  // the image
  image::Manifest manifest;
  std::string kind;  // "wasi" or "cruby": what the source was taken for
};

// Stores the image (unnamed: the caller tags it). Holds the store's writer
// lock from the first object to the manifest; the caller keeps one until
// it has named the image.
Result<Imported> import_base(store::Store& store, const std::string& source, const ImportEnv& env);

}  // namespace wimg::base
