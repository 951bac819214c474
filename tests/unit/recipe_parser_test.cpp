// Unit tests of the Wasmfile lexer pieces (recipe/lexer.h) and of the
// parser API (recipe/wasmfile.h); whole-file behaviour is covered by the
// golden cases (recipe_golden_test.cpp).
#include <gtest/gtest.h>

#include <map>

#include "recipe/lexer.h"
#include "recipe/wasmfile.h"

namespace wimg::recipe {
namespace {

using lex::Lookup;
using lex::WordOptions;

std::map<std::string, std::optional<std::string>> vars() {
  return {{"A", "alpha"}, {"E", ""}, {"U", std::nullopt}, {"SP", "a b"}};
}

Lookup lookup_of(const std::map<std::string, std::optional<std::string>>& m) {
  return [&m](std::string_view n) -> std::optional<std::string> {
    auto it = m.find(std::string(n));
    return it == m.end() ? std::nullopt : it->second;
  };
}

std::vector<std::string> words(std::string_view in, bool split = true, bool substitute = true, char esc = '\\') {
  static const auto m = vars();
  static const Lookup look = lookup_of(m);
  WordOptions o;
  o.escape = esc;
  o.split = split;
  o.lookup = substitute ? &look : nullptr;
  auto r = lex::process_words(in, o);
  if (auto* e = std::get_if<lex::WordError>(&r)) return {"ERROR@" + std::to_string(e->offset) + ": " + e->message};
  std::vector<std::string> out;
  for (auto& w : std::get<std::vector<lex::Word>>(r)) out.push_back(w.text);
  return out;
}

using V = std::vector<std::string>;

TEST(RecipeLexer, SplitsWordsAndQuotes) {
  EXPECT_EQ(words("a b\tc"), (V{"a", "b", "c"}));
  EXPECT_EQ(words("  lead  trail  "), (V{"lead", "trail"}));
  EXPECT_EQ(words("\"a b\" 'c d' e\\ f"), (V{"a b", "c d", "e f"}));
  EXPECT_EQ(words("x\"y z\"w"), (V{"xy zw"}));
  EXPECT_EQ(words("\"\" ''"), (V{"", ""}));
  EXPECT_EQ(words("'it''s'"), (V{"its"}));
  EXPECT_EQ(words(R"("say \"hi\"")"), (V{"say \"hi\""}));
  EXPECT_EQ(words(R"("back\slash")"), (V{"back\\slash"}));  // other escapes kept in double quotes
  EXPECT_EQ(words(R"('no\escape')"), (V{"no\\escape"}));
}

TEST(RecipeLexer, WordOffsets) {
  WordOptions o;
  auto r = lex::process_words("ab  \"c d\"", o);
  auto& ws = std::get<std::vector<lex::Word>>(r);
  ASSERT_EQ(ws.size(), 2u);
  EXPECT_EQ(ws[0].offset, 0u);
  EXPECT_EQ(ws[1].offset, 4u);
}

TEST(RecipeLexer, NoSplitKeepsSpaces) {
  EXPECT_EQ(words("hello   world", false), (V{"hello   world"}));
  EXPECT_EQ(words("", false), (V{""}));
  EXPECT_EQ(words("$E", true), V{});  // an unquoted empty expansion is no word, as in sh
}

TEST(RecipeLexer, Substitution) {
  EXPECT_EQ(words("$A ${A} x${A}y $A.b"), (V{"alpha", "alpha", "xalphay", "alpha.b"}));
  EXPECT_EQ(words("${SP}"), (V{"a b"}));  // substitution results are not split
  EXPECT_EQ(words("[$U] [${E}] [$NOPE]"), (V{"[]", "[]", "[]"}));
  EXPECT_EQ(words("${U:-d} ${E:-d} ${A:-d} ${U-d} [${E-d}]"), (V{"d", "d", "alpha", "d", "[]"}));
  EXPECT_EQ(words("[${U:+x}] [${E:+x}] ${A:+x} [${U+x}] ${E+x}"), (V{"[]", "[]", "x", "[]", "x"}));
  EXPECT_EQ(words("${U:-${A}-${E:-z}}"), (V{"alpha-z"}));
  EXPECT_EQ(words("${U:-\"two words\"}"), (V{"two words"}));
  EXPECT_EQ(words("\"$A\" '$A'"), (V{"alpha", "$A"}));
  EXPECT_EQ(words("$ $1 a$ $-"), (V{"$", "$1", "a$", "$-"}));
  EXPECT_EQ(words("${A:?no}"), (V{"alpha"}));
}

TEST(RecipeLexer, EscapedDollar) {
  EXPECT_EQ(words("\\$A \"\\$A\" \\${A}"), (V{"$A", "$A", "${A}"}));
  EXPECT_EQ(words("`$A", true, true, '`'), (V{"$A"}));
  EXPECT_EQ(words("C:\\dir", true, true, '`'), (V{"C:\\dir"}));
}

TEST(RecipeLexer, NoSubstitutionWhenNoLookup) {
  EXPECT_EQ(words("$A ${A} \"$A\"", true, false), (V{"$A", "${A}", "$A"}));
}

TEST(RecipeLexer, SubstitutionErrors) {
  EXPECT_EQ(words("x${A"), (V{"ERROR@1: missing '}' in substitution ${A"}));
  EXPECT_EQ(words("${"), (V{"ERROR@0: missing '}' in variable substitution"}));
  EXPECT_EQ(words("${}"), (V{"ERROR@0: bad substitution: expected a variable name after ${"}));
  EXPECT_EQ(words("${A:-x"), (V{"ERROR@0: missing '}' in substitution ${A"}));
  EXPECT_EQ(words("${U:?is required}"), (V{"ERROR@0: U: is required"}));
  EXPECT_EQ(words("${U?}"), (V{"ERROR@0: U: is not set"}));
  auto r = words("${A/x/y}");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].rfind("ERROR@0: bad substitution ${A...}", 0), 0u) << r[0];
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "${U:-";
  deep += "x" + std::string(100, '}');
  EXPECT_EQ(words(deep), (V{"ERROR@160: substitutions nested too deeply"}));
}

TEST(RecipeLexer, QuoteErrors) {
  EXPECT_EQ(words("a \"bc"), (V{"ERROR@2: unterminated double quote"}));
  EXPECT_EQ(words("'bc"), (V{"ERROR@0: unterminated single quote"}));
}

TEST(RecipeLexer, JsonArray) {
  using R = std::vector<std::string>;
  auto ok = [](std::string_view s) {
    auto r = lex::parse_json_array(s);
    if (auto* e = std::get_if<lex::WordError>(&r)) return R{"ERROR@" + std::to_string(e->offset) + ": " + e->message};
    return std::get<R>(r);
  };
  EXPECT_EQ(ok(R"(["a", "b c"])"), (R{"a", "b c"}));
  EXPECT_EQ(ok(" [ ] "), R{});
  EXPECT_EQ(ok(R"(["q\"\\\/\n\t", "\u00e9\ud83d\ude00"])"), (R{"q\"\\/\n\t", "\xc3\xa9\xf0\x9f\x98\x80"}));
  EXPECT_EQ(ok(R"(["a",])"), (R{"ERROR@5: invalid JSON array: expected a string in double quotes"}));
  EXPECT_EQ(ok(R"(["a" "b"])"), (R{"ERROR@5: invalid JSON array: expected ',' or ']'"}));
  EXPECT_EQ(ok(R"(["a"] x)"), (R{"ERROR@6: invalid JSON array: unexpected text after ']'"}));
  EXPECT_EQ(ok(R"([1])"), (R{"ERROR@1: invalid JSON array: expected a string in double quotes"}));
  EXPECT_EQ(ok(R"(["a)"), (R{"ERROR@3: invalid JSON array: unterminated string"}));
  EXPECT_EQ(ok(R"(["\x"])"), (R{"ERROR@2: invalid JSON array: bad escape \\x"}));
  EXPECT_EQ(ok(R"(["\ud800"])"), (R{"ERROR@8: invalid JSON array: unpaired surrogate"}));
  EXPECT_EQ(ok("[\"a\tb\"]"), (R{"ERROR@3: invalid JSON array: control character in string"}));
}

TEST(RecipeLexer, LogicalLines) {
  auto r = lex::lex_wasmfile("# escape=`\n\nFROM x `\n  # comment\n\n  AS y\n  COPY a b\r\n");
  auto& lx = std::get<lex::Lexed>(r);
  EXPECT_EQ(lx.directives.escape, '`');
  ASSERT_EQ(lx.lines.size(), 2u);
  EXPECT_EQ(lx.lines[0].text, "FROM x   AS y");
  EXPECT_EQ(lx.lines[0].pos[0].line, 3u);
  EXPECT_EQ(lx.lines[0].pos[9].line, 6u);  // the 'A' of AS
  EXPECT_EQ(lx.lines[0].pos[9].column, 3u);
  EXPECT_EQ(lx.lines[1].text, "COPY a b");
  EXPECT_EQ(lx.lines[1].pos[0].column, 3u);
}

TEST(RecipeLexer, Directives) {
  auto d = [](std::string_view t) { return std::get<lex::Lexed>(lex::lex_wasmfile(t)).directives; };
  EXPECT_EQ(d("#escape=`\nFROM x\n").escape, '`');
  EXPECT_EQ(d("# ESCAPE = ` \nFROM x\n").escape, '`');
  EXPECT_EQ(d("# syntax=docker/dockerfile:1\n# escape=`\n").escape, '`');
  EXPECT_EQ(*d("# syntax=docker/dockerfile:1\n").syntax, "docker/dockerfile:1");
  EXPECT_EQ(d("# hello\n# escape=`\n").escape, '\\');  // after a comment: a comment
  EXPECT_EQ(d("\n# escape=`\n").escape, '\\');         // after a blank line: a comment
  EXPECT_EQ(d("# foo=bar\n# escape=`\n").escape, '\\');
  auto twice = lex::lex_wasmfile("# escape=`\n# escape=\\\n");
  ASSERT_TRUE(std::holds_alternative<lex::Diag>(twice));
  EXPECT_EQ(std::get<lex::Diag>(twice).message, "only one escape parser directive can be used");
  EXPECT_EQ(std::get<lex::Diag>(twice).pos.line, 2u);
}

TEST(RecipeLexer, UnterminatedContinuation) {
  auto r = lex::lex_wasmfile("FROM x\nCOPY a \\\n  # c\n");
  ASSERT_TRUE(std::holds_alternative<lex::Diag>(r));
  EXPECT_EQ(std::get<lex::Diag>(r).pos.line, 2u);
  EXPECT_EQ(std::get<lex::Diag>(r).pos.column, 8u);
}

TEST(RecipeLexer, EditDistance) {
  EXPECT_EQ(lex::edit_distance("COPPY", "COPY"), 1u);
  EXPECT_EQ(lex::edit_distance("", "ADD"), 3u);
  EXPECT_EQ(lex::edit_distance("FORM", "FROM"), 2u);
  EXPECT_EQ(lex::edit_distance("kitten", "sitting"), 3u);
}

TEST(RecipeLexer, ResolvePath) {
  EXPECT_EQ(lex::resolve_path("/", "app", false), "/app");
  EXPECT_EQ(lex::resolve_path("/a/b", "../c/./d/", false), "/a/c/d");
  EXPECT_EQ(lex::resolve_path("/a/b", "../c/./d/", true), "/a/c/d/");
  EXPECT_EQ(lex::resolve_path("/a", "/x//y/", true), "/x/y/");
  EXPECT_EQ(lex::resolve_path("/a", "../../..", false), "/");
  EXPECT_EQ(lex::resolve_path("/a", ".", true), "/a/");
  EXPECT_EQ(lex::resolve_path("/a", "", false), "/a");
  EXPECT_EQ(lex::resolve_path("/a/b", "..", true), "/a/");
  EXPECT_EQ(lex::resolve_path("/", ".", true), "/");
}

TEST(RecipeParser, ApiFields) {
  ParseOptions o;
  o.build_args["V"] = "9";
  auto p = parse_wasmfile(
      "ARG V=1\nFROM base.wasm AS b\nFROM ruby:${V}\nCOPY --from=b --chmod=640 --exclude=x [\"s 1\", \"d/\"]\n"
      "CMD echo 'a b'\n",
      "Wasmfile", o);
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->stages.size(), 2u);
  EXPECT_EQ(p->stages[0].name, "b");
  EXPECT_EQ(p->stages[0].from.kind, FromRef::Kind::Wasm);
  EXPECT_EQ(p->stages[1].from.image, "ruby:9");
  const auto& cp = p->stages[1].instructions.at(0);
  EXPECT_EQ(cp.kind, InstructionKind::Copy);
  EXPECT_EQ(cp.form, Form::Exec);
  EXPECT_EQ(cp.from.kind, CopySource::Kind::Stage);
  EXPECT_EQ(cp.from.stage, 0u);
  EXPECT_EQ(*cp.chmod, 0640u);
  EXPECT_EQ(cp.excludes, V{"x"});
  EXPECT_EQ(cp.args, V{"s 1"});
  EXPECT_EQ(cp.path, "/d/");
  EXPECT_EQ(cp.loc.line, 4u);
  const auto& cmd = p->stages[1].instructions.at(1);
  EXPECT_EQ(cmd.form, Form::Shell);
  EXPECT_EQ(cmd.args, (V{"echo", "a b"}));
  EXPECT_EQ(cmd.text, "CMD echo 'a b'");
  EXPECT_EQ(p->stages[1].config.cmd, (V{"echo", "a b"}));
}

TEST(RecipeParser, ErrorKinds) {
  auto bad = parse_wasmfile("FROM x\nSHELL [\"sh\"]\n", "W", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::Input);
  EXPECT_EQ(bad.error().message,
            "W:2:1: SHELL is not supported: a wasm image has no shell; write ENTRYPOINT and CMD in exec form\n"
            "    SHELL [\"sh\"]\n    ^");
  ParseOptions o;
  o.target = "missing";
  auto t = parse_wasmfile("FROM x\n", "W", o);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().kind, ErrorKind::Usage);
}

TEST(RecipeParser, NeverThrowsOnOddInput) {
  for (std::string_view s : {"", "\n\n", "\\", "FROM", "FROM x\nCOPY", "FROM x\nCMD [", "FROM x\nENV =", "FROM x\nLABEL a=\"",
                             "FROM x\n\\\n", "# escape=`\nFROM x `", "FROM x\nCOPY --", "FROM x\nCOPY --=", "\xff\xfe"}) {
    auto p = parse_wasmfile(s, "W", {});
    if (p.ok()) (void)render_plan(*p);
  }
}

// Issue 16: 30 lines of "ENV A=$A$A" doubled a value into gigabytes. A word
// stops at 128 KiB, with the line of the instruction that crossed it.
TEST(RecipeLimits, DoublingVariableStopsAtTheWordLimit) {
  std::string w = "FROM x\nENV A=0123456789abcdef\n";
  for (int i = 0; i < 30; ++i) w += "ENV A=$A$A\n";
  auto p = parse_wasmfile(w, "Wasmfile", {});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, ErrorKind::Input);
  // The word is "A=" and the value: 16 bytes doubled 12 times (line 14)
  // fits in 128 KiB, the 13th doubling (line 15) does not, at its second $A.
  EXPECT_EQ(p.error().message.rfind("Wasmfile:15:9: the word grows longer than 131072 bytes", 0), 0u)
      << p.error().message;
  w.resize(w.find("ENV A=$A$A\n") + 12 * 11);
  EXPECT_TRUE(parse_wasmfile(w, "Wasmfile", {}).ok());
}

TEST(RecipeLimits, EveryFormOfSubstitutionIsBounded) {
  std::string big(100 * 1024, 'x');
  for (std::string form : {"$B$B", "${B}${B}", "${B:-x}${B}", "${U:-$B$B}", "${B:+$B$B}", "${B:?e}$B", "\"$B$B\""}) {
    auto p = parse_wasmfile("FROM x\nARG U\nARG B=" + big + "\nLABEL l=" + form + "\n", "W", {});
    ASSERT_FALSE(p.ok()) << form;
    EXPECT_NE(p.error().message.find("W:4:"), std::string::npos) << form << ": " << p.error().message;
    EXPECT_NE(p.error().message.find("131072 bytes"), std::string::npos) << form;
  }
}

// Issue 16: 10k chained ENV lines wrote a 719 MB .wasm (history and config).
TEST(RecipeLimits, ChainedVariablesStopAtThePlanLimit) {
  std::string w = "FROM x\nENV A0=" + std::string(100 * 1024, 'v') + "\n";
  for (int i = 1; i < 10000; ++i) w += "ENV A" + std::to_string(i) + "=${A" + std::to_string(i - 1) + "}\n";
  auto p = parse_wasmfile(w, "Wasmfile", {});
  ASSERT_FALSE(p.ok());
  // 100 KiB and the name per line: the 21st line crosses 2 MiB (line 22).
  EXPECT_EQ(p.error().message.rfind("Wasmfile:22:1: the instructions add up to more than 2097152 bytes", 0), 0u)
      << p.error().message.substr(0, 200);
}

}  // namespace
}  // namespace wimg::recipe
