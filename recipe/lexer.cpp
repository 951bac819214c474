#include "recipe/lexer.h"

#include <algorithm>
#include <cctype>

namespace wimg::recipe::lex {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// "# name = value" at the top of the file. Returns false for anything else.
bool match_directive(std::string_view line, std::string& name, std::string& value, std::size_t& value_col) {
  std::size_t i = 0;
  while (i < line.size() && is_blank(line[i])) ++i;
  if (i >= line.size() || line[i] != '#') return false;
  ++i;
  while (i < line.size() && is_blank(line[i])) ++i;
  std::size_t start = i;
  while (i < line.size() && std::isalpha(static_cast<unsigned char>(line[i]))) ++i;
  if (i == start) return false;
  name = lower(line.substr(start, i - start));
  while (i < line.size() && is_blank(line[i])) ++i;
  if (i >= line.size() || line[i] != '=') return false;
  ++i;
  while (i < line.size() && is_blank(line[i])) ++i;
  value_col = i + 1;
  value = std::string(trim_right(line.substr(i)));
  return true;
}

class WordLexer {
 public:
  WordLexer(std::string_view in, const WordOptions& o) : in_(in), o_(o) {}

  std::variant<std::vector<Word>, WordError> run() {
    std::vector<Word> words;
    std::string cur;
    bool in_word = false;
    bool quoted = false;
    std::size_t start = 0;
    while (i_ < in_.size()) {
      char c = in_[i_];
      if (o_.split && is_space(c)) {
        if (in_word && (!cur.empty() || quoted)) words.push_back(Word{cur, start});
        cur.clear();
        in_word = false;
        quoted = false;
        ++i_;
        continue;
      }
      if (!in_word) {
        in_word = true;
        start = i_;
      }
      if (!element(cur, quoted)) return *err_;
    }
    if (in_word && (!cur.empty() || quoted || !o_.split)) words.push_back(Word{cur, start});
    if (!o_.split && words.empty()) words.push_back(Word{"", 0});
    return words;
  }

 private:
  bool fail(std::size_t offset, std::string message) {
    err_ = WordError{offset, std::move(message)};
    return false;
  }

  // One element of a word at i_: an escaped char, a quoted string, a
  // substitution or a plain char; appended to out.
  bool element(std::string& out, bool& quoted) {
    char c = in_[i_];
    if (c == o_.escape) {
      if (i_ + 1 < in_.size()) {
        char next = in_[i_ + 1];
        if (!o_.quotes && next != '$' && next != o_.escape) {
          out += c;  // without quote processing only \$ and \\ are escapes
          ++i_;
          return true;
        }
        out += next;
        i_ += 2;
      } else {
        ++i_;  // an escape at the end of a word is dropped
      }
      return true;
    }
    if (o_.quotes && c == '\'') {
      quoted = true;
      std::size_t open = i_;
      auto close = in_.find('\'', i_ + 1);
      if (close == std::string_view::npos) return fail(open, "unterminated single quote");
      out.append(in_.substr(i_ + 1, close - i_ - 1));
      i_ = close + 1;
      return true;
    }
    if (o_.quotes && c == '"') {
      quoted = true;
      std::size_t open = i_;
      ++i_;
      while (true) {
        if (i_ >= in_.size()) return fail(open, "unterminated double quote");
        char d = in_[i_];
        if (d == '"') {
          ++i_;
          return true;
        }
        if (d == o_.escape && i_ + 1 < in_.size() &&
            (in_[i_ + 1] == '"' || in_[i_ + 1] == '$' || in_[i_ + 1] == o_.escape)) {
          out += in_[i_ + 1];
          i_ += 2;
          continue;
        }
        if (d == '$' && o_.lookup) {
          if (!substitute(out)) return false;
          continue;
        }
        out += d;
        ++i_;
      }
    }
    if (c == '$' && o_.lookup) return substitute(out);
    out += c;
    ++i_;
    return true;
  }

  // Appends a substituted value, refusing to grow a word past max_word.
  bool append(std::string& out, std::string_view value, std::size_t dollar) {
    if (value.size() > o_.max_word || out.size() > o_.max_word - value.size()) {
      return fail(dollar, "the word grows longer than " + std::to_string(o_.max_word) +
                              " bytes after substitution (the limit for one word)");
    }
    out += value;
    return true;
  }

  // At in_[i_] == '$'.
  bool substitute(std::string& out) {
    std::size_t dollar = i_;
    if (i_ + 1 < in_.size() && in_[i_ + 1] == '{') {
      std::size_t j = i_ + 2;
      std::size_t name_start = j;
      if (j < in_.size() && is_name_start(in_[j])) {
        while (j < in_.size() && is_name_char(in_[j])) ++j;
      }
      std::string name(in_.substr(name_start, j - name_start));
      if (name.empty()) {
        if (j >= in_.size()) return fail(dollar, "missing '}' in variable substitution");
        return fail(dollar, "bad substitution: expected a variable name after ${");
      }
      if (j >= in_.size()) return fail(dollar, "missing '}' in substitution ${" + name);
      auto value = (*o_.lookup)(name);
      if (in_[j] == '}') {
        if (value && !append(out, *value, dollar)) return false;
        i_ = j + 1;
        return true;
      }
      bool colon = false;
      if (in_[j] == ':') {
        colon = true;
        ++j;
      }
      char op = j < in_.size() ? in_[j] : '\0';
      if (op != '-' && op != '+' && op != '?') {
        return fail(dollar, "bad substitution ${" + name + "...}: supported forms are ${" + name + "}, ${" + name +
                                ":-default}, ${" + name + ":+alternative}, ${" + name + ":?message}");
      }
      if (++depth_ > kMaxDepth) return fail(dollar, "substitutions nested too deeply");
      i_ = j + 1;
      std::string word;
      bool quoted = false;
      while (i_ < in_.size() && in_[i_] != '}') {
        if (!element(word, quoted)) return false;
      }
      if (i_ >= in_.size()) return fail(dollar, "missing '}' in substitution ${" + name);
      ++i_;
      --depth_;
      bool unset = !value || (colon && value->empty());
      switch (op) {
        case '-':
          return append(out, unset ? word : *value, dollar);
        case '+':
          return unset || append(out, word, dollar);
        default:
          if (unset) return fail(dollar, name + ": " + (word.empty() ? std::string("is not set") : word));
          return append(out, *value, dollar);
      }
    }
    if (i_ + 1 < in_.size() && is_name_start(in_[i_ + 1])) {
      std::size_t j = i_ + 1;
      while (j < in_.size() && is_name_char(in_[j])) ++j;
      auto value = (*o_.lookup)(in_.substr(i_ + 1, j - i_ - 1));
      if (value && !append(out, *value, i_)) return false;
      i_ = j;
      return true;
    }
    out += '$';
    ++i_;
    return true;
  }

  std::string_view in_;
  const WordOptions& o_;
  std::size_t i_ = 0;
  int depth_ = 0;
  static constexpr int kMaxDepth = 32;
  std::optional<WordError> err_;
};

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::variant<Lexed, Diag> lex_wasmfile(std::string_view text) {
  Lexed out;
  std::vector<std::string_view> lines;
  for (std::size_t p = 0; p <= text.size();) {
    auto nl = text.find('\n', p);
    if (nl == std::string_view::npos) {
      if (p < text.size()) lines.push_back(text.substr(p));
      break;
    }
    lines.push_back(text.substr(p, nl - p));
    p = nl + 1;
  }
  for (auto& l : lines) {
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  }

  std::size_t k = 0;
  bool seen_escape = false;
  for (; k < lines.size(); ++k) {
    std::string name, value;
    std::size_t col = 0;
    if (!match_directive(lines[k], name, value, col)) break;
    if (name == "escape") {
      if (seen_escape) return Diag{{k + 1, 1}, "only one escape parser directive can be used"};
      seen_escape = true;
      if (value != "\\" && value != "`") {
        return Diag{{k + 1, col}, "invalid escape token \"" + value + "\": it must be \\ or `"};
      }
      out.directives.escape = value[0];
    } else if (name == "syntax") {
      out.directives.syntax = value;
    } else {
      ++k;  // an unknown directive is a comment and ends the directives
      break;
    }
  }

  const char esc = out.directives.escape;
  LogicalLine cur;
  bool open = false;
  SourcePos open_at;
  for (; k < lines.size(); ++k) {
    std::string_view line = lines[k];
    std::size_t first = 0;
    while (first < line.size() && is_blank(line[first])) ++first;
    if (first == line.size() || line[first] == '#') continue;  // blank or comment (also inside continuations)
    std::size_t begin = open ? 0 : first;
    std::string_view body = trim_right(line);
    bool continues = !body.empty() && body.back() == esc && body.size() > begin;
    std::size_t end = continues ? body.size() - 1 : line.size();
    for (std::size_t c = begin; c < end; ++c) {
      cur.text += line[c];
      cur.pos.push_back(SourcePos{k + 1, c + 1});
    }
    if (continues) {
      open = true;
      open_at = SourcePos{k + 1, body.size()};
      continue;
    }
    cur.pos.push_back(SourcePos{k + 1, line.size() + 1});
    out.lines.push_back(std::move(cur));
    cur = LogicalLine{};
    open = false;
  }
  if (open) {
    return Diag{open_at, std::string("unterminated continuation: the file ends after a line ending in ") + esc};
  }
  return out;
}

std::variant<std::vector<Word>, WordError> process_words(std::string_view in, const WordOptions& opts) {
  return WordLexer(in, opts).run();
}

std::variant<std::vector<std::string>, WordError> parse_json_array(std::string_view in) {
  std::vector<std::string> out;
  std::size_t i = 0;
  auto skip = [&] {
    while (i < in.size() && is_space(in[i])) ++i;
  };
  auto err = [&](std::string m) { return WordError{std::min(i, in.size()), "invalid JSON array: " + std::move(m)}; };
  skip();
  if (i >= in.size() || in[i] != '[') return err("expected '['");
  ++i;
  skip();
  if (i < in.size() && in[i] == ']') {
    ++i;
  } else {
    while (true) {
      skip();
      if (i >= in.size()) return err("missing ']'");
      if (in[i] != '"') return err("expected a string in double quotes");
      ++i;
      std::string s;
      while (true) {
        if (i >= in.size()) return err("unterminated string");
        char c = in[i];
        if (c == '"') {
          ++i;
          break;
        }
        if (static_cast<unsigned char>(c) < 0x20) return err("control character in string");
        if (c != '\\') {
          s += c;
          ++i;
          continue;
        }
        if (i + 1 >= in.size()) return err("unterminated string");
        char e = in[i + 1];
        i += 2;
        switch (e) {
          case '"': s += '"'; break;
          case '\\': s += '\\'; break;
          case '/': s += '/'; break;
          case 'b': s += '\b'; break;
          case 'f': s += '\f'; break;
          case 'n': s += '\n'; break;
          case 'r': s += '\r'; break;
          case 't': s += '\t'; break;
          case 'u': {
            auto read4 = [&](std::uint32_t& v) {
              if (i + 4 > in.size()) return false;
              v = 0;
              for (int d = 0; d < 4; ++d) {
                int h = hex_value(in[i + d]);
                if (h < 0) return false;
                v = v * 16 + static_cast<std::uint32_t>(h);
              }
              i += 4;
              return true;
            };
            std::uint32_t cp = 0;
            if (!read4(cp)) return err("bad \\u escape");
            if (cp >= 0xD800 && cp < 0xDC00) {
              std::uint32_t lo = 0;
              if (i + 2 > in.size() || in[i] != '\\' || in[i + 1] != 'u') return err("unpaired surrogate");
              i += 2;
              if (!read4(lo) || lo < 0xDC00 || lo >= 0xE000) return err("unpaired surrogate");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) {
              return err("unpaired surrogate");
            }
            append_utf8(s, cp);
            break;
          }
          default:
            i -= 2;
            return err(std::string("bad escape \\") + e);
        }
      }
      out.push_back(std::move(s));
      skip();
      if (i < in.size() && in[i] == ',') {
        ++i;
        continue;
      }
      if (i < in.size() && in[i] == ']') {
        ++i;
        break;
      }
      return err("expected ',' or ']'");
    }
  }
  skip();
  if (i != in.size()) return err("unexpected text after ']'");
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string resolve_path(std::string_view base, std::string_view path, bool keep_trailing_slash) {
  std::string joined;
  if (path.empty() || path[0] != '/') {
    joined = std::string(base.empty() ? "/" : base) + "/" + std::string(path);
  } else {
    joined = std::string(path);
  }
  std::vector<std::string_view> parts;
  std::string_view rest = joined;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (auto p : parts) {
    out += '/';
    out += p;
  }
  if (out.empty()) return "/";
  // "dir/", "." and ".." name directories: keep that for COPY destinations.
  bool dir = path.ends_with("/") || path == "." || path == ".." || path.ends_with("/.") || path.ends_with("/..");
  if (keep_trailing_slash && dir) out += '/';
  return out;
}

}  // namespace wimg::recipe::lex
