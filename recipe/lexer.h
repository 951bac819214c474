// Wasmfile lexer: parser directives, comments, line continuations, word
// splitting with quotes, variable substitution and JSON arrays. Exposed for
// the parser (recipe/wasmfile.cpp) and for unit tests; users call
// parse_wasmfile() in recipe/wasmfile.h.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wimg::recipe::lex {

struct SourcePos {
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, in bytes
};

// A problem at a position; the parser turns it into the user-facing error.
struct Diag {
  SourcePos pos;
  std::string message;
};

// One instruction after joining continuation lines and dropping comment
// lines inside them. pos[i] is the source position of text[i]; pos has one
// extra element for the position just past the end.
struct LogicalLine {
  std::string text;
  std::vector<SourcePos> pos;
  SourcePos at(std::size_t offset) const { return offset < pos.size() ? pos[offset] : pos.back(); }
};

struct Directives {
  char escape = '\\';
  std::optional<std::string> syntax;  // accepted and ignored
};

struct Lexed {
  Directives directives;
  std::vector<LogicalLine> lines;
};

// Splits a Wasmfile into logical lines. Errors: invalid or repeated escape
// directive, a continuation still open at the end of the file.
std::variant<Lexed, Diag> lex_wasmfile(std::string_view text);

// A looked-up variable: nullopt means "not set" (differs from empty for the
// ${VAR-x} / ${VAR+x} forms).
using Lookup = std::function<std::optional<std::string>(std::string_view name)>;

struct WordOptions {
  char escape = '\\';
  bool split = true;             // split on unquoted whitespace; false: one word, spaces kept
  bool quotes = true;            // process '...' and "..." (false: quotes are literal)
  const Lookup* lookup = nullptr;  // substitute $VAR / ${VAR...}; nullptr: '$' is literal
  // A word may not grow beyond this by substitution (so "ENV A=$A$A" lines
  // cannot double a value into gigabytes). Linux's MAX_ARG_STRLEN: a longer
  // string could not be passed to a program as an argument or variable anyway.
  std::size_t max_word = kMaxWord;
  static constexpr std::size_t kMaxWord = 128 * 1024;
};

struct Word {
  std::string text;
  std::size_t offset = 0;  // offset of the word's first byte in the input
};

// An error at an offset of the input.
struct WordError {
  std::size_t offset = 0;
  std::string message;
};

// Processes shell-like words: quotes removed, escape char escapes the next
// character, variables substituted (Docker's shell lexer semantics).
std::variant<std::vector<Word>, WordError> process_words(std::string_view in, const WordOptions& opts);

// Parses a JSON array of strings, e.g. ["ruby", "app.rb"]. Whole input must
// be the array (surrounding whitespace allowed).
std::variant<std::vector<std::string>, WordError> parse_json_array(std::string_view in);

// Levenshtein distance (ASCII, case-sensitive).
std::size_t edit_distance(std::string_view a, std::string_view b);

// Normalises an absolute path: collapses "//", ".", "..". A relative path
// is first joined to base. Trailing slash kept when keep_trailing_slash.
std::string resolve_path(std::string_view base, std::string_view path, bool keep_trailing_slash);

}  // namespace wimg::recipe::lex
