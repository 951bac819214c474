// The registry's CRuby entry (interpreter.h, ruby_base.h): the one place a
// generic room's question about a base ("is it an interpreter? what does a
// RUN word run? what may a COPY not bring?") gets Ruby's answer.
#include "runtime/inject/ruby_base.h"
#include "runtime/wasm/abi.h"

namespace wimg::inject {

namespace {

void command_digest_parts(Sha256& h) {
  h.update(kRubyCommandRevision);
  h.update(std::string_view("\0", 1));
  h.update(ruby_boot());
  h.update(std::string_view("\0", 1));
  h.update(ruby_preinit());
}

}  // namespace

bool is_cruby_reactor(const wasm::Module& m) {
  return !wasm::is_command(m) && wasm::find_function_export(m, "_initialize") != nullptr &&
         wasm::find_function_export(m, "cabi_realloc") != nullptr &&
         wasm::find_function_export(m, kRubyInitPrefix, true) != nullptr &&
         wasm::find_function_export(m, kRubyEvalPrefix, true) != nullptr;
}

const Interpreter& cruby_interpreter() {
  static const Interpreter kCRuby{
      .id = "cruby",
      .recognises = is_cruby_reactor,
      .base_hint = "a CRuby base (npm @ruby/*-wasm-wasi)",
      // On disk in every prepared base made a Ruby command: never changes.
      .command_abi = "ruby-command",
      .command_digest_parts = command_digest_parts,
      .preinit_start = "ruby-init",
      .command_note = "command (CRuby made a command by wimg: _start runs ENTRYPOINT/CMD)",
      .reactor_note = "reactor (CRuby: run it with @ruby/wasm-wasi's RubyVM)",
      .copy_warning = copy_warning,
      .run_words = ruby_run_words,
  };
  return kCRuby;
}

}  // namespace wimg::inject
