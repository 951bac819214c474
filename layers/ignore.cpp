#include "layers/ignore.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/utf8.h"

namespace wimg::layers {

namespace {

using ignore_internal::Token;
using Kind = ignore_internal::Token::Kind;

// Invalid UTF-8 bytes decode to a private value above U+10FFFF, one per byte
// value, so such a byte still matches itself but never a real character.
constexpr char32_t kInvalidBase = 0x110000;

// Decodes the code point at s[i] and stores its length in *len.
char32_t decode_one(std::string_view s, std::size_t i, std::size_t* len) {
  auto cp = utf8::decode_at(s, i, len);
  return cp ? *cp : kInvalidBase + static_cast<unsigned char>(s[i]);
}

std::u32string decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0, len = 0; i < s.size(); i += len) out.push_back(decode_one(s, i, &len));
  return out;
}

// Unicode White_Space, which is what Go's strings.TrimSpace strips.
bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
         c == 0x3000;
}

std::string_view trim_space(std::string_view s) {
  std::size_t begin = s.size();
  std::size_t end = 0;
  for (std::size_t i = 0, len = 0; i < s.size(); i += len) {
    if (is_space(decode_one(s, i, &len))) continue;
    if (begin == s.size()) begin = i;
    end = i + len;
  }
  return begin == s.size() ? std::string_view() : s.substr(begin, end - begin);
}

// Go's filepath.Clean on a slash-separated path. Docker cleans every
// pattern this way, so "a/./b//" and "a/b" are the same rule.
std::string clean_path(std::string_view p) {
  if (p.empty()) return ".";
  bool rooted = p[0] == '/';
  std::vector<std::string_view> parts;
  while (!p.empty()) {
    std::size_t slash = p.find('/');
    std::string_view part = p.substr(0, slash);
    p = slash == std::string_view::npos ? std::string_view() : p.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == ".." && !parts.empty() && parts.back() != "..") {
      parts.pop_back();
    } else if (part != ".." || !rooted) {  // ".." above the root is the root
      parts.push_back(part);
    }
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

// Printable form of a pattern for error messages.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

Token token_of(Kind kind) {
  Token t;
  t.kind = kind;
  return t;
}

// Parsing of one pattern into tokens. Errors are the cases in which Go's
// filepath.Match reports ErrBadPattern (Docker validates patterns with it).
class PatternCompiler {
 public:
  explicit PatternCompiler(std::u32string p) : p_(std::move(p)) {}

  // On failure returns nothing and leaves the reason in error().
  std::optional<std::vector<Token>> compile() {
    std::vector<Token> tokens;
    if (bare_suffix()) {
      // Docker tests "**name" with a plain suffix check, so it also matches
      // "dir/xname". ".*name" is the same as "(.*/)?[^/]*name".
      tokens.push_back(token_of(Kind::kDeepDir));
      tokens.push_back(token_of(Kind::kStar));
      i_ = 2;
    }
    while (i_ < p_.size()) {
      Token t;
      char32_t c = p_[i_++];
      if (c == '*' && i_ < p_.size() && p_[i_] == '*') {
        t.kind = deep_star();
      } else if (c == '*') {
        t.kind = Kind::kStar;
      } else if (c == '?') {
        t.kind = Kind::kAnyChar;
      } else if (c == '[') {
        if (!char_class(&t)) return std::nullopt;  // error() says why
      } else if (c == '\\') {
        if (i_ == p_.size()) {
          fail("trailing backslash");
          return std::nullopt;
        }
        t.ch = p_[i_++];
      } else {
        t.ch = c;
      }
      tokens.push_back(std::move(t));
    }
    return tokens;
  }

  const std::string& error() const { return error_; }

 private:
  // "**" + a name with no "/" after "**" and no wildcard or escape later.
  bool bare_suffix() const {
    if (p_.size() <= 2 || p_[0] != '*' || p_[1] != '*' || p_[2] == '/') return false;
    return p_.find_first_of(U"*?[]\\", 2) == std::u32string::npos;
  }

  // Called just past the first of two "*". Docker swallows a "/" after "**"
  // and turns the rest into "(.*/)?", or into ".*" when nothing follows.
  Kind deep_star() {
    ++i_;
    if (i_ < p_.size() && p_[i_] == '/') ++i_;
    return i_ == p_.size() ? Kind::kDeepAll : Kind::kDeepDir;
  }

  // Called just past "[". Follows Go's matchChunk: a "]" right after "[" or
  // "[^" is an error (not a literal), and so is a "-" that starts a range.
  bool char_class(Token* t) {
    t->kind = Kind::kClass;
    if (i_ < p_.size() && p_[i_] == '^') {
      t->negated = true;
      ++i_;
    }
    if (i_ < p_.size() && p_[i_] == ']') return fail("empty character class");
    while (true) {
      if (i_ < p_.size() && p_[i_] == ']' && !t->ranges.empty()) {
        ++i_;
        return true;
      }
      char32_t lo = 0;
      char32_t hi = 0;
      if (!class_char(&lo)) return false;
      hi = lo;
      if (p_[i_] == '-') {  // class_char guarantees a next character
        ++i_;
        if (!class_char(&hi)) return false;
      }
      // Go's Match accepts "[z-a]" but Docker's regexp translation then
      // fails on every match; refusing it up front gives a better message.
      if (lo > hi) return fail("bad range in character class");
      t->ranges.emplace_back(lo, hi);
    }
  }

  // Go's getEsc: one possibly escaped class character that must be followed by more pattern.
  bool class_char(char32_t* out) {
    if (i_ == p_.size()) return fail("unterminated character class");
    if (p_[i_] == '-' || p_[i_] == ']') return fail("bad range in character class");
    if (p_[i_] == '\\' && ++i_ == p_.size()) return fail("unterminated character class");
    if (p_[i_] >= kInvalidBase) return fail("invalid UTF-8 in character class");
    *out = p_[i_++];
    if (i_ == p_.size()) return fail("unterminated character class");
    return true;
  }

  // Records why the pattern is bad; returns false for the callers' convenience.
  bool fail(const char* why) {
    error_ = why;
    return false;
  }

  std::u32string p_;
  std::size_t i_ = 0;
  std::string error_;
};

bool class_matches(const Token& t, char32_t c) {
  bool in = false;
  for (const auto& [lo, hi] : t.ranges) in = in || (lo <= c && c <= hi);
  return in != t.negated;
}

using ignore_internal::Goal;
using ignore_internal::Automaton;
using Bits = std::vector<std::uint64_t>;

bool test_bit(const Bits& b, std::size_t i) { return (b[i / 64] >> (i % 64)) & 1; }
void set_bit(Bits& b, std::size_t i) { b[i / 64] |= std::uint64_t{1} << (i % 64); }
bool any_of(const Bits& a, const std::uint64_t* mask) {
  for (std::size_t w = 0; w < a.size(); ++w) {
    if (a[w] & mask[w]) return true;
  }
  return false;
}
bool any(const Bits& a) {
  for (auto w : a) {
    if (w != 0) return true;
  }
  return false;
}
// out |= (a & mask) << 1, across words.
void or_shifted(Bits& out, const Bits& a, const std::uint64_t* mask) {
  std::uint64_t carry = 0;
  for (std::size_t w = 0; w < a.size(); ++w) {
    std::uint64_t v = a[w] & mask[w];
    out[w] |= (v << 1) | carry;
    carry = v >> 63;
  }
}

// Runs the NFA over the path. States are "before token i" (bit i) and, for
// each "**/" token, "inside its run of directories" (`inside`), which must
// reach a "/" before the token is done.
bool run_nfa(const Automaton& a, std::u32string_view path, Goal goal) {
  const std::size_t n = path.size();
  Bits cur(a.words, 0), inside(a.words, 0), next(a.words, 0), mask(a.words, 0);
  set_bit(cur, 0);
  for (std::size_t si = 0;; ++si) {
    // Stars and "**/" may match nothing: close over those edges.
    for (;;) {
      Bits before = cur;
      or_shifted(cur, before, a.eps.data());
      if (cur == before) break;
    }
    if (any_of(cur, a.deep_all.data())) return true;  // a final "**" takes anything left
    if (goal == Goal::kSomeContinuation) {
      // "(.*/)?" can run past the end of a prefix, so anything may follow.
      if (any_of(cur, a.deep_dir.data())) return true;
      if (si == n) return any(cur) || any(inside);
    } else {
      if (test_bit(cur, a.tokens) && (si == n || path[si] == U'/')) return true;
      if (si == n) return false;
    }
    const char32_t c = path[si];
    if (c < 128) {
      std::copy_n(a.ascii.begin() + static_cast<std::ptrdiff_t>(c * a.words), a.words, mask.begin());
    } else {
      std::fill(mask.begin(), mask.end(), 0);
      for (std::size_t i = 0; i < a.tokens; ++i) {
        const Token& t = a.wide[i];
        bool eats = t.kind == Kind::kAnyChar || (t.kind == Kind::kLiteral && t.ch == c) ||
                    (t.kind == Kind::kClass && class_matches(t, c));
        if (eats) set_bit(mask, i);
      }
    }
    std::fill(next.begin(), next.end(), 0);
    or_shifted(next, cur, mask.data());
    for (std::size_t w = 0; w < a.words; ++w) {
      std::uint64_t dirs = (cur[w] | inside[w]) & a.deep_dir[w];
      if (c == U'/') {
        next[w] |= dirs;  // the run of directories may end here or go on
        inside[w] = 0;
      } else {
        next[w] |= cur[w] & a.star[w];
        inside[w] = dirs;
      }
    }
    std::swap(cur, next);
    if (!any(cur) && !any(inside)) return false;
  }
}

// The former matcher: backtracking over tokens, memoized on (token,
// position), O(tokens x n^2). Kept as the oracle that the NFA is tested and
// fuzzed against (ignore_internal::reference_match).
class Matcher {
 public:
  Matcher(const std::vector<Token>& tokens, std::u32string_view path, Goal goal)
      : tokens_(tokens), path_(path), goal_(goal) {}

  bool run() { return at(0, 0); }

 private:
  bool at(std::size_t ti, std::size_t si) {
    const std::size_t n = path_.size();
    if (ti == tokens_.size()) return si == n || (goal_ == Goal::kPathOrParent && path_[si] == '/');
    if (goal_ == Goal::kSomeContinuation && si == n) return true;
    if (memo_.empty()) memo_.assign((tokens_.size() + 1) * (n + 1), kUnknown);
    signed char& slot = memo_[ti * (n + 1) + si];
    if (slot == kUnknown) slot = compute(ti, si) ? 1 : 0;
    return slot == 1;
  }

  bool compute(std::size_t ti, std::size_t si) {
    const Token& t = tokens_[ti];
    const std::size_t n = path_.size();
    switch (t.kind) {
      case Kind::kLiteral:
        return si < n && path_[si] == t.ch && at(ti + 1, si + 1);
      case Kind::kAnyChar:
        return si < n && path_[si] != '/' && at(ti + 1, si + 1);
      case Kind::kClass:
        return si < n && class_matches(t, path_[si]) && at(ti + 1, si + 1);
      case Kind::kStar:
        for (std::size_t k = si;; ++k) {
          if (at(ti + 1, k)) return true;
          if (k == n || path_[k] == '/') return false;
        }
      case Kind::kDeepAll:
        return true;  // always the last token, and ".*" takes whatever is left
      case Kind::kDeepDir: {
        // "(.*/)?" can run past the end of a prefix, so anything may follow.
        if (goal_ == Goal::kSomeContinuation || at(ti + 1, si)) return true;
        // Otherwise it ends just after some "/": the first one here, or a
        // later one, which is this same token starting after the first.
        std::size_t slash = path_.find(U'/', si);
        return slash != std::u32string_view::npos && at(ti, slash + 1);
      }
    }
    return false;
  }

  static constexpr signed char kUnknown = -1;
  const std::vector<Token>& tokens_;
  std::u32string_view path_;
  Goal goal_;
  std::vector<signed char> memo_;
};

// Splits off the next line as bufio.ScanLines does: "\n" ends a line and one
// "\r" before it is dropped.
std::string_view next_line(std::string_view* text) {
  std::size_t nl = text->find('\n');
  std::string_view line = text->substr(0, nl);
  *text = nl == std::string_view::npos ? std::string_view() : text->substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// What ignorefile.ReadAll does to a line that is not a comment or blank:
// clean the pattern after any "!", and make an absolute one relative.
std::string normalize_line(std::string_view line) {
  bool invert = line[0] == '!';
  std::string_view body = invert ? trim_space(line.substr(1)) : line;
  std::string pattern;
  if (!body.empty()) {
    pattern = clean_path(body);
    if (pattern.size() > 1 && pattern[0] == '/') pattern.erase(0, 1);
  }
  return invert ? "!" + pattern : pattern;
}

}  // namespace

Result<IgnoreRules> IgnoreRules::parse(std::string_view text, std::string_view source) {
  IgnoreRules rules;
  constexpr std::string_view kBom = "\xef\xbb\xbf";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  for (std::size_t line_no = 1; !text.empty(); ++line_no) {
    std::string_view raw = next_line(&text);
    if (!raw.empty() && raw[0] == '#') continue;  // only an unindented "#" starts a comment
    std::string_view line = trim_space(raw);
    if (line.empty()) continue;
    auto bad_line = [&](const std::string& why) {
      return make_error(ErrorKind::Input, std::string(source) + ":" + std::to_string(line_no) + ": " + why);
    };
    // PatternMatcher.New trims and cleans once more, then splits off "!"; a
    // lone "!" (also "!/", which cleans to "!") excludes nothing and is refused.
    std::string pattern = clean_path(trim_space(normalize_line(line)));
    Rule rule;
    if (pattern[0] == '!') {
      if (pattern.size() == 1) return bad_line("illegal exclusion pattern \"!\"");
      rule.negate = true;
      pattern.erase(0, 1);
    }
    PatternCompiler compiler(decode(pattern));
    auto tokens = compiler.compile();
    if (!tokens) return bad_line("bad pattern " + quote(line) + ": " + compiler.error());
    rule.pattern = std::move(pattern);
    rule.nfa = ignore_internal::build_automaton(*tokens);
    rules.rules_.push_back(std::move(rule));
  }
  return rules;
}

long IgnoreRules::last_applying_rule(const std::u32string& path) const {
  for (std::size_t i = rules_.size(); i-- > 0;) {
    if (run_nfa(rules_[i].nfa, path, Goal::kPathOrParent)) return static_cast<long>(i);
  }
  return -1;
}

// Last applying rule wins. (Docker's loop skips rules that cannot change the
// current verdict; scanning backwards for the last applying rule is equivalent.)
bool IgnoreRules::excluded(std::string_view rel_path) const {
  if (rules_.empty()) return false;
  long last = last_applying_rule(decode(rel_path));
  return last >= 0 && !rules_[static_cast<std::size_t>(last)].negate;
}

// Every rule that applies to the directory also applies to everything below
// it, so a path below can only be re-included by an exception rule that comes
// after the rule excluding the directory and that can match some "dir/...".
bool IgnoreRules::must_descend(std::string_view rel_dir) const {
  std::u32string path = decode(rel_dir);
  long last = last_applying_rule(path);
  if (last < 0 || rules_[static_cast<std::size_t>(last)].negate) return true;
  if (!path.empty()) path += U'/';
  for (std::size_t i = static_cast<std::size_t>(last) + 1; i < rules_.size(); ++i) {
    if (rules_[i].negate && run_nfa(rules_[i].nfa, path, Goal::kSomeContinuation)) return true;
  }
  return false;
}

namespace ignore_internal {

Automaton build_automaton(const std::vector<Token>& tokens) {
  Automaton a;
  a.tokens = tokens.size();
  a.words = (tokens.size() + 1 + 63) / 64;
  for (auto* v : {&a.star, &a.deep_dir, &a.deep_all, &a.eps}) v->assign(a.words, 0);
  a.ascii.assign(128 * a.words, 0);
  a.wide = tokens;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    const std::uint64_t bit = std::uint64_t{1} << (i % 64);
    const std::size_t w = i / 64;
    if (t.kind == Kind::kStar) a.star[w] |= bit;
    if (t.kind == Kind::kDeepDir) a.deep_dir[w] |= bit;
    if (t.kind == Kind::kDeepAll) a.deep_all[w] |= bit;
    if (t.kind == Kind::kStar || t.kind == Kind::kDeepDir) a.eps[w] |= bit;
    for (char32_t c = 0; c < 128; ++c) {
      bool eats = (t.kind == Kind::kAnyChar && c != U'/') || (t.kind == Kind::kLiteral && t.ch == c) ||
                  (t.kind == Kind::kClass && class_matches(t, c));
      if (eats) a.ascii[c * a.words + w] |= bit;
    }
  }
  return a;
}

bool match(const Automaton& a, std::u32string_view path, Goal goal) { return run_nfa(a, path, goal); }

bool reference_match(const std::vector<Token>& tokens, std::u32string_view path, Goal goal) {
  return Matcher(tokens, path, goal).run();
}

std::optional<std::vector<Token>> compile_pattern(std::string_view pattern, std::string* error) {
  PatternCompiler c(decode(pattern));
  auto tokens = c.compile();
  if (!tokens && error != nullptr) *error = c.error();
  return tokens;
}

std::u32string decode_path(std::string_view s) { return decode(s); }

}  // namespace ignore_internal

bool IgnoreRules::empty() const {
  return rules_.empty();
}

}  // namespace wimg::layers
