// The Wasmfile parser and its result, the plan (docs/WASMFILE.md).
//
//   auto plan = parse_wasmfile(text, "Wasmfile", ParseOptions{.build_args = {{"V", "1"}}});
//
// The plan is fully resolved: variables substituted with Docker's ARG/ENV
// scoping, WORKDIR and destinations made absolute, COPY --from resolved to a
// stage index or an image, stages pruned to --target. Nothing is executed
// and nothing touches the store or the network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/result.h"

namespace wimg::recipe {

struct ParseOptions {
  std::map<std::string, std::string> build_args;  // --build-arg K=V
  std::optional<std::string> target;              // --target: a stage name or index
};

struct Location {
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, bytes
};

enum class InstructionKind { Arg, Copy, Add, Env, Label, Workdir, Entrypoint, Cmd, Mount, Volume, Run, Preinit };
const char* kind_name(InstructionKind k);  // "ARG", "COPY", ...

// ENTRYPOINT/CMD (and COPY/ADD): JSON array or plain words.
enum class Form { Shell, Exec };

struct KeyValue {
  std::string key;
  std::optional<std::string> value;  // ARG without default and without build arg: nullopt
};

// Where COPY takes its files from.
struct CopySource {
  enum class Kind { Context, Stage, Image };
  Kind kind = Kind::Context;
  std::size_t stage = 0;  // Stage: index of the stage (original numbering)
  std::string image;      // Image: canonical "name:tag"
};

struct Instruction {
  InstructionKind kind = InstructionKind::Arg;
  Location loc;      // of the keyword
  std::string text;  // the instruction as written (continuations joined)
  Form form = Form::Shell;
  // COPY/ADD: the sources (substituted); ENTRYPOINT/CMD: argv; RUN: its words;
  // WORKDIR/MOUNT: the one path as written (substituted).
  std::vector<std::string> args;
  std::vector<KeyValue> pairs;  // ARG, ENV, LABEL (in order)
  // COPY/ADD
  CopySource from;
  std::optional<std::uint32_t> chmod;
  std::vector<std::string> excludes;
  // COPY/ADD: destination resolved against WORKDIR (trailing '/' kept);
  // WORKDIR/MOUNT: the resolved absolute path.
  std::string path;
  std::vector<std::string> notes;  // explanations shown by render_plan
};

struct FromRef {
  enum class Kind { Image, Wasm, Stage };
  Kind kind = Kind::Image;
  std::string text;   // as written, after substitution
  std::string image;  // Image: canonical "name:tag"
  std::string path;   // Wasm: path to the .wasm (relative to the context)
  std::size_t stage = 0;  // Stage: index of the parent stage
};

// The image configuration a stage ends with (inherited from a parent stage;
// an image or .wasm base contributes nothing at parse time).
struct StageConfig {
  std::string workdir = "/";
  std::vector<std::pair<std::string, std::string>> env;  // ENV only, in order
  std::optional<std::vector<std::string>> entrypoint;
  std::optional<std::vector<std::string>> cmd;
  std::map<std::string, std::string> labels;
  std::vector<std::string> mounts;
  std::vector<std::string> volumes;  // VOLUME, resolved
};

struct Stage {
  std::string name;   // lower case; empty when unnamed
  std::size_t index = 0;  // position in the Wasmfile (kept after --target pruning)
  Location loc;       // of the FROM keyword
  std::string text;   // the FROM line as written
  FromRef from;
  std::vector<Instruction> instructions;
  StageConfig config;
};

struct Plan {
  std::vector<KeyValue> global_args;  // ARG before the first FROM, resolved
  std::vector<Stage> stages;          // only the stages needed for the target
  std::vector<std::string> warnings;  // "Wasmfile:L:C: message": the CLI prefixes "wimg: warning: "
  char escape = '\\';
};

// Limits (errors at the instruction that crosses them): one word after
// substitution at most lex::WordOptions::kMaxWord (128 KiB) bytes; all
// instructions' words after substitution together at most this (Linux's
// default ARG_MAX: what one exec could take).
inline constexpr std::size_t kMaxExpandedBytes = 2 * 1024 * 1024;

// Errors (ErrorKind::Input) read
//   FILE:LINE:COL: error: MESSAGE
//       <the source line>
//       ^
// An unknown --target is ErrorKind::Usage.
Result<Plan> parse_wasmfile(std::string_view text, std::string_view file_name, const ParseOptions& opts = {});

// A stable, human-readable rendering (used by the golden tests and
// `wimg build --dry-run`-like output).
std::string render_plan(const Plan& plan);

}  // namespace wimg::recipe
