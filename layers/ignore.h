// .wimgignore rules: the syntax and semantics of Docker's .dockerignore
// (moby/patternmatcher + moby/patternmatcher/ignorefile).
//
//   file     = *( line ( LF / CRLF / EOF ) )     ; optional UTF-8 BOM first
//   line     = comment / blank / rule
//   comment  = "#" *any                          ; "#" must be the first byte
//   blank    = *WSP
//   rule     = *WSP [ "!" *WSP ] pattern *WSP     ; "!" = exception (re-include)
//   pattern  = 1*( "**" ["/"] / "*" / "?" / class / "\" char / char )
//   class    = "[" [ "^" ] 1*( item [ "-" item ] ) "]"
//   item     = "\" char / char except "-" and "]"
//
// Before matching, a pattern is cleaned like Go's filepath.Clean ("./", "//"
// and "x/.." collapse, trailing "/" dropped) and a leading "/" is removed, so
// "/build/", "./build" and "build" are the same rule. A line that is just "!"
// is an error, as are an unterminated or malformed class (including a reversed
// range such as "[z-a]") and a trailing "\".
//
// Matching takes time linear in the path length for every pattern (a
// bit-parallel NFA), so no .wimgignore line can make a walk slow.
//
// Matching is on slash-separated relative paths ("a/b/c.txt"):
//   *      any run of characters except "/"
//   ?      one character except "/"
//   [..]   one character in the class ("^" negates; like Go, may match "/")
//   \c     the character c itself
//   **     any number of whole path components, including none: "**/x",
//          "a/**/x" and "a/**" ("a/**" matches everything below a, not a).
//          Docker tests "**name" (no "/" after "**", no wildcard or "\" in
//          name) as a plain suffix, so it also matches "dir/xname".
// A rule applies to a path if it matches the path or any of its parent
// directories: "build" excludes "build/x/y.o", while "*.o" only matches
// top-level names ("x.o", not "a/x.o"). Rules are applied in order and the
// last one that applies wins; a "!" rule that wins re-includes the path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/result.h"

namespace wimg::layers {

namespace ignore_internal {

// One element of a compiled pattern. Characters are Unicode code points so
// that "?" and classes consume a whole UTF-8 sequence, as in Go.
struct Token {
  enum class Kind {
    kLiteral,  // `ch` exactly
    kAnyChar,  // "?"
    kStar,     // "*"
    kClass,    // "[...]": `ranges`, inverted if `negated`
    kDeepDir,  // "**" or "**/" not at the end: empty, or anything ending in "/"
    kDeepAll,  // "**" at the end: anything at all
  };
  Kind kind = Kind::kLiteral;
  char32_t ch = 0;
  bool negated = false;
  std::vector<std::pair<char32_t, char32_t>> ranges;
};

// A pattern as a bit-parallel NFA (Thompson's construction, one bit per
// token): a match costs O(path length x tokens/64), whatever the pattern,
// where backtracking cost grew with the number of stars.
struct Automaton {
  std::size_t tokens = 0;  // bit i: "before token i"; bit `tokens`: matched
  std::size_t words = 0;   // 64-bit words per state set
  std::vector<std::uint64_t> star, deep_dir, deep_all, eps;  // tokens by kind
  std::vector<std::uint64_t> ascii;      // 128 x words: tokens that consume that byte
  std::vector<Token> wide;               // for characters >= 128 (class/literal tokens)
};
Automaton build_automaton(const std::vector<Token>& tokens);

// What a successful match of a pattern against a path means.
enum class Goal {
  // The pattern matches the path or one of its parent directories: Docker's
  // rule application. A parent is a prefix that ends just before a "/", so
  // one pass over the whole path answers for all of them.
  kPathOrParent,
  // The path is only the start of some longer path: could a continuation
  // make the pattern match? Running out of path with tokens left counts as yes.
  kSomeContinuation,
};

// For tests and fuzzing: a cleaned pattern's tokens (nullopt and *error
// on a bad pattern), the path as matched (code points), the NFA match and
// the former backtracking matcher, O(tokens x n^2), as the oracle.
std::optional<std::vector<Token>> compile_pattern(std::string_view pattern, std::string* error);
std::u32string decode_path(std::string_view s);
bool match(const Automaton& a, std::u32string_view path, Goal goal);
bool reference_match(const std::vector<Token>& tokens, std::u32string_view path, Goal goal);

}  // namespace ignore_internal

class IgnoreRules {
 public:
  IgnoreRules() = default;  // no rules: nothing excluded
  // Parse the text of a .wimgignore file. `source` names it in errors, e.g.
  // "ctx/.wimgignore:3: bad pattern \"[a\": unterminated character class". Error kind: ErrorKind::Input.
  static Result<IgnoreRules> parse(std::string_view text, std::string_view source);
  // True if rel_path (slash-separated, relative, no leading "/") is excluded.
  bool excluded(std::string_view rel_path) const;
  // For a directory that excluded() says is excluded: true if some `!` exception
  // rule could still re-include a path below it, so the walker must descend
  // into it anyway (Docker does the same). Conservative true is acceptable.
  // For a directory that is not excluded the answer is true (walk it normally).
  bool must_descend(std::string_view rel_dir) const;
  bool empty() const;

 private:
  struct Rule {
    std::string pattern;  // cleaned, without the "!"
    bool negate = false;
    ignore_internal::Automaton nfa;
  };
  // Index of the last rule that applies to `path` (itself or a parent), or -1.
  long last_applying_rule(const std::u32string& path) const;
  std::vector<Rule> rules_;
};

}  // namespace wimg::layers
