// The one owner of what a base is (the interpreter an image stacks its
// layers onto): one classification and one refusal policy, used by every
// caller (`image create --base`, `build FROM x.wasm`, `pack`, rendering,
// `import`), so a module refused by one is refused by all, at the first
// command that sees it. Which interpreter a reactor is comes from the
// interpreter registry (runtime/inject/interpreter.h): nothing here knows
// a language.
#pragma once

#include <string_view>

#include "runtime/inject/interpreter.h"
#include "runtime/wasm/module.h"
#include "support/result.h"

namespace wimg::image {

enum class BaseClass {
  Command,             // exports _start (runtime/wasm/abi.h)
  Reactor,             // _initialize or neither, no interpreter the registry knows
  InterpreterReactor,  // a reactor the registry recognises: can be made a command
  Prepared,            // carries a wimg.runtime section already (prepared by a wimg)
  Packed,              // a packed image (a wimg.manifest section): its base is the base
};

struct BaseInfo {
  BaseClass cls = BaseClass::Reactor;
  const inject::Interpreter* interpreter = nullptr;  // InterpreterReactor only
};

// The one classification, from the module's sections and exports.
BaseInfo classify_base(const wasm::Module& m);

// What the module is wanted for: stacking layers onto it (image create
// --base, FROM, pack, rendering), or importing it as a base image.
enum class BaseUse { Stack, Import };

// The own reader over the whole module, classified, and the one refusal
// policy: a packed image is never a base; a prepared one is refused by an
// import (it starts from the original module). Input errors name `shown`.
Result<BaseInfo> check_base(std::string_view bytes, std::string_view shown, BaseUse use = BaseUse::Stack);

}  // namespace wimg::image
