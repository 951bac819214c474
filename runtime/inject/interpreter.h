// An interpreter a base module may be (docs/ARCHITECTURE.md, "Bases and
// interpreters"): everything wimg knows of one, behind one interface, so
// the generic rooms (image/, recipe/, cli/, runtime/pack/) ask the registry
// and never name a language. The registry (interpreters.cpp) is the one
// place entries are listed; the CRuby entry is ruby_interpreter.cpp, and
// its binaryen half (making it a command) is ruby_command.h, keyed by the
// entry's id in prepare.cpp.
//
// Data and own-reader checks only: wimgcore links this without libbinaryen.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/wasm/module.h"
#include "support/digest.h"

namespace wimg::inject {

// The init export a snapshotter calls for PREINIT (Wizer's convention): a
// command made of an interpreter has it until the snapshot is taken.
inline constexpr std::string_view kPreinitExport = "wizer.initialize";

struct Interpreter {
  std::string_view id;  // stable, e.g. "cruby"
  // Whether a module that is not a command (runtime/wasm/abi.h) is this
  // interpreter, from its exports.
  bool (*recognises)(const wasm::Module& m);
  // A base of this interpreter and where it comes from, for errors
  // ("a CRuby base (npm @ruby/*-wasm-wasi)").
  std::string_view base_hint;

  // Made a command (image/packing.h, PrepareMode::Command):
  // the prepared base's wimg.runtime "abi" (runtime/inject/prepare.h);
  std::string_view command_abi;
  // what the command preparation is made of beyond the plain one (its
  // revision, its programs), fed to the preparer digest (prepare.h);
  void (*command_digest_parts)(Sha256& h);
  // what runs before the PREINIT words when a snapshot is taken ("ruby-init").
  std::string_view preinit_start;

  // `wimg inspect`'s ABI line for a command made of it and for the reactor.
  std::string_view command_note;
  std::string_view reactor_note;

  // `wimg build` on a base of this interpreter: the warning for a file a
  // COPY puts into the image ("" = none), and the guest's argv after
  // argv[0] for a RUN's words (an unknown program: `error` set, empty).
  std::string (*copy_warning)(std::string_view path);
  std::vector<std::string> (*run_words)(const std::vector<std::string>& words, std::string& error);
};

// Every entry, in a fixed order (the preparer digest depends on it).
std::span<const Interpreter* const> interpreters();
// The entry a reactor module is, or nullptr (a command is never one).
const Interpreter* recognise_interpreter(const wasm::Module& m);
// The entry whose command_abi is `abi`, or nullptr.
const Interpreter* interpreter_of_command_abi(std::string_view abi);
// Every entry's base_hint joined with " or " (errors that list them all).
std::string interpreter_hints();

}  // namespace wimg::inject
