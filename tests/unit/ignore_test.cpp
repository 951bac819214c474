#include "layers/ignore.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace wimg::layers {
namespace {

// Parses `text`, failing the test (and returning no rules) if it is refused.
IgnoreRules rules(std::string_view text) {
  auto r = IgnoreRules::parse(text, "ctx/.wimgignore");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : IgnoreRules();
}

// The error message for `text`, or "" if it parsed.
std::string parse_error(std::string_view text) {
  auto r = IgnoreRules::parse(text, "ctx/.wimgignore");
  if (r.ok()) return "";
  EXPECT_EQ(r.error().kind, ErrorKind::Input);
  return r.error().message;
}

TEST(IgnoreRules, DefaultExcludesNothing) {
  IgnoreRules none;
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.excluded("a"));
  EXPECT_FALSE(none.excluded("a/b/c.txt"));
}

TEST(IgnoreRules, EmptyReflectsRules) {
  EXPECT_TRUE(rules("").empty());
  EXPECT_TRUE(rules("# only a comment\n\n   \n").empty());
  EXPECT_FALSE(rules("foo").empty());
}

TEST(IgnoreRules, PlainNameMatchesTopLevelOnly) {
  auto r = rules("foo\n");
  EXPECT_TRUE(r.excluded("foo"));
  EXPECT_FALSE(r.excluded("foobar"));
  EXPECT_FALSE(r.excluded("fo"));
  EXPECT_FALSE(r.excluded("bar/foo"));
}

TEST(IgnoreRules, ParentDirectoryExcludesChildren) {
  auto r = rules("build");
  EXPECT_TRUE(r.excluded("build"));
  EXPECT_TRUE(r.excluded("build/x"));
  EXPECT_TRUE(r.excluded("build/x/y.o"));
  EXPECT_FALSE(r.excluded("builder/x"));
  EXPECT_FALSE(r.excluded("src/build"));
}

TEST(IgnoreRules, NestedLiteralPath) {
  auto r = rules("a/b");
  EXPECT_TRUE(r.excluded("a/b"));
  EXPECT_TRUE(r.excluded("a/b/c"));
  EXPECT_FALSE(r.excluded("a"));
  EXPECT_FALSE(r.excluded("a/bc"));
  EXPECT_FALSE(r.excluded("x/a/b"));
}

TEST(IgnoreRules, StarStaysInOneComponent) {
  auto r = rules("*.o");
  EXPECT_TRUE(r.excluded("x.o"));
  EXPECT_TRUE(r.excluded(".o"));
  EXPECT_FALSE(r.excluded("a/x.o"));  // as in Docker: not recursive
  EXPECT_FALSE(r.excluded("x.obj"));

  auto mid = rules("a*b");
  EXPECT_TRUE(mid.excluded("ab"));
  EXPECT_TRUE(mid.excluded("axxb"));
  EXPECT_FALSE(mid.excluded("a/b"));
}

TEST(IgnoreRules, StarComponentInPath) {
  auto r = rules("a/*/c");
  EXPECT_TRUE(r.excluded("a/b/c"));
  EXPECT_TRUE(r.excluded("a/b/c/d"));
  EXPECT_FALSE(r.excluded("a/c"));
  EXPECT_FALSE(r.excluded("a/b/d/c"));
}

TEST(IgnoreRules, LoneStarExcludesEverything) {
  auto r = rules("*");
  EXPECT_TRUE(r.excluded("x"));
  EXPECT_TRUE(r.excluded("x/y/z"));
}

TEST(IgnoreRules, QuestionMarkIsOneNonSlashCharacter) {
  auto r = rules("?.txt\na?b");
  EXPECT_TRUE(r.excluded("a.txt"));
  EXPECT_FALSE(r.excluded("ab.txt"));
  EXPECT_FALSE(r.excluded(".txt"));
  EXPECT_TRUE(r.excluded("axb"));
  EXPECT_FALSE(r.excluded("a/b"));
}

TEST(IgnoreRules, QuestionMarkMatchesWholeUtf8Character) {
  auto r = rules("?.txt");
  EXPECT_TRUE(r.excluded("\xc3\xa9.txt"));           // é
  EXPECT_TRUE(r.excluded("\xe2\x82\xac.txt"));       // €
  EXPECT_FALSE(r.excluded("\xc3\xa9\xc3\xa9.txt"));  // two characters
}

TEST(IgnoreRules, CharacterClassesAndRanges) {
  auto r = rules("[abc].txt\nfile[0-9]\nx[a-cx-z]");
  EXPECT_TRUE(r.excluded("a.txt"));
  EXPECT_TRUE(r.excluded("c.txt"));
  EXPECT_FALSE(r.excluded("d.txt"));
  EXPECT_TRUE(r.excluded("file7"));
  EXPECT_FALSE(r.excluded("fileA"));
  EXPECT_FALSE(r.excluded("file10"));
  EXPECT_TRUE(r.excluded("xb"));
  EXPECT_TRUE(r.excluded("xy"));
  EXPECT_FALSE(r.excluded("xm"));
}

TEST(IgnoreRules, NegatedClassUsesCaret) {
  auto r = rules("[^a]x");
  EXPECT_TRUE(r.excluded("bx"));
  EXPECT_FALSE(r.excluded("ax"));
  EXPECT_FALSE(r.excluded("x"));
  auto range = rules("v[^0-9]");
  EXPECT_TRUE(range.excluded("vx"));
  EXPECT_FALSE(range.excluded("v5"));
}

TEST(IgnoreRules, BangInClassIsLiteralNotNegation) {
  auto r = rules("[!a]x");  // Go syntax: only "^" negates
  EXPECT_TRUE(r.excluded("!x"));
  EXPECT_TRUE(r.excluded("ax"));
  EXPECT_FALSE(r.excluded("bx"));
}

TEST(IgnoreRules, EscapesInsideClass) {
  auto r = rules("[\\]]x\n[a\\-c]y");
  EXPECT_TRUE(r.excluded("]x"));
  EXPECT_TRUE(r.excluded("-y"));
  EXPECT_TRUE(r.excluded("cy"));
  EXPECT_FALSE(r.excluded("by"));  // "\-" is a literal "-", not a range
}

TEST(IgnoreRules, BackslashEscapesWildcards) {
  auto r = rules("a\\*b\nq\\?\n\\[x]");
  EXPECT_TRUE(r.excluded("a*b"));
  EXPECT_FALSE(r.excluded("axb"));
  EXPECT_TRUE(r.excluded("q?"));
  EXPECT_FALSE(r.excluded("qz"));
  EXPECT_TRUE(r.excluded("[x]"));
  EXPECT_FALSE(r.excluded("x"));
}

TEST(IgnoreRules, EscapedBangIsAnOrdinaryPattern) {
  auto r = rules("\\!important");
  EXPECT_TRUE(r.excluded("!important"));
  EXPECT_FALSE(r.excluded("important"));
}

TEST(IgnoreRules, DoubleStarAtStart) {
  auto r = rules("**/*.go");
  EXPECT_TRUE(r.excluded("a.go"));
  EXPECT_TRUE(r.excluded("x/a.go"));
  EXPECT_TRUE(r.excluded("x/y/z/a.go"));
  EXPECT_FALSE(r.excluded("x/a.gox"));

  auto lit = rules("**/node_modules");
  EXPECT_TRUE(lit.excluded("node_modules"));
  EXPECT_TRUE(lit.excluded("a/b/node_modules"));
  EXPECT_TRUE(lit.excluded("a/node_modules/x/y"));
  EXPECT_FALSE(lit.excluded("a/my_node_modules"));  // Docker's suffix shortcut would say yes
}

TEST(IgnoreRules, DoubleStarInMiddle) {
  auto r = rules("a/**/b");
  EXPECT_TRUE(r.excluded("a/b"));
  EXPECT_TRUE(r.excluded("a/x/b"));
  EXPECT_TRUE(r.excluded("a/x/y/b"));
  EXPECT_TRUE(r.excluded("a/x/b/c"));
  EXPECT_FALSE(r.excluded("a/xb"));
  EXPECT_FALSE(r.excluded("b"));
  EXPECT_FALSE(r.excluded("z/a/b"));
}

TEST(IgnoreRules, DoubleStarAtEnd) {
  auto r = rules("a/**");
  EXPECT_FALSE(r.excluded("a"));  // "a/**" needs something below a
  EXPECT_TRUE(r.excluded("a/x"));
  EXPECT_TRUE(r.excluded("a/x/y"));
  EXPECT_FALSE(r.excluded("ab"));

  auto bare = rules("a**");
  EXPECT_TRUE(bare.excluded("a"));
  EXPECT_TRUE(bare.excluded("abc"));
  EXPECT_TRUE(bare.excluded("a/x"));
  EXPECT_FALSE(bare.excluded("ba"));
}

TEST(IgnoreRules, DoubleStarAloneMatchesEverything) {
  auto r = rules("**");
  EXPECT_TRUE(r.excluded("x"));
  EXPECT_TRUE(r.excluded("x/y/z"));
}

TEST(IgnoreRules, ExceptionReincludesFileInExcludedDirectory) {
  auto r = rules("docs\n!docs/README.md\n");
  EXPECT_TRUE(r.excluded("docs"));
  EXPECT_FALSE(r.excluded("docs/README.md"));
  EXPECT_TRUE(r.excluded("docs/other.md"));
  EXPECT_TRUE(r.excluded("docs/sub/README.md"));
  EXPECT_FALSE(r.excluded("src/main.cpp"));
}

TEST(IgnoreRules, ExceptionWithWildcards) {
  auto r = rules("*.md\n!README*.md\n");
  EXPECT_TRUE(r.excluded("CHANGES.md"));
  EXPECT_FALSE(r.excluded("README.md"));
  EXPECT_FALSE(r.excluded("README-secret.md"));
}

TEST(IgnoreRules, LastMatchingRuleWins) {
  auto before = rules("!docs/README.md\ndocs");
  EXPECT_TRUE(before.excluded("docs/README.md"));

  auto again = rules("*.md\n!README.md\nREADME.md");
  EXPECT_TRUE(again.excluded("README.md"));

  auto nested = rules("a\n!a/b\na/b/c");
  EXPECT_TRUE(nested.excluded("a/z"));
  EXPECT_FALSE(nested.excluded("a/b"));
  EXPECT_FALSE(nested.excluded("a/b/x"));
  EXPECT_TRUE(nested.excluded("a/b/c"));
  EXPECT_TRUE(nested.excluded("a/b/c/d"));
}

TEST(IgnoreRules, ExceptionWithoutEarlierExclusionChangesNothing) {
  auto r = rules("!keep\nother");
  EXPECT_FALSE(r.excluded("keep"));
  EXPECT_TRUE(r.excluded("other"));
  EXPECT_FALSE(r.excluded("third"));
}

TEST(IgnoreRules, CommentsOnlyInFirstColumn) {
  auto r = rules("# build output\nbuild\n  #notacomment\n");
  EXPECT_TRUE(r.excluded("build"));
  EXPECT_FALSE(r.excluded("# build output"));
  EXPECT_TRUE(r.excluded("#notacomment"));  // indented "#" is part of a pattern, as in Docker
}

TEST(IgnoreRules, WhitespaceAndBlankLinesIgnored) {
  auto r = rules("\n   \t\n  foo  \t\n! bar \n  !  baz\nbar\n");
  EXPECT_TRUE(r.excluded("foo"));
  EXPECT_TRUE(r.excluded("bar"));  // the later "bar" wins over "! bar"
  EXPECT_FALSE(r.excluded("baz"));
  EXPECT_FALSE(r.excluded("  foo  "));
}

TEST(IgnoreRules, CrLfLineEndingsAndBom) {
  auto r = rules("\xef\xbb\xbf# comment\r\nfoo\r\n!foo/keep\r\n");
  EXPECT_TRUE(r.excluded("foo/x"));
  EXPECT_FALSE(r.excluded("foo/keep"));
  EXPECT_FALSE(r.excluded("\xef\xbb\xbf# comment"));
}

TEST(IgnoreRules, PatternsAreCleaned) {
  auto r = rules("/abs\n./dot\ntrail/\na//b/./c\nx/../y\n!/abs/keep/\n");
  EXPECT_TRUE(r.excluded("abs"));
  EXPECT_TRUE(r.excluded("abs/x"));
  EXPECT_FALSE(r.excluded("abs/keep"));
  EXPECT_TRUE(r.excluded("dot"));
  EXPECT_TRUE(r.excluded("trail"));
  EXPECT_TRUE(r.excluded("trail/x"));
  EXPECT_TRUE(r.excluded("a/b/c"));
  EXPECT_TRUE(r.excluded("y"));
  EXPECT_FALSE(r.excluded("x"));
}

TEST(IgnoreRules, PatternsOutsideContextMatchNothing) {
  auto r = rules("../secret\n/\n");
  EXPECT_FALSE(r.excluded("secret"));
  EXPECT_FALSE(r.excluded("a"));
}

TEST(IgnoreRules, ErrorUnterminatedClassNamesLine) {
  EXPECT_EQ(parse_error("ok\n# comment\n[a\n"),
            "ctx/.wimgignore:3: bad pattern \"[a\": unterminated character class");
  EXPECT_EQ(parse_error("x\n\n!src/[a-"),
            "ctx/.wimgignore:3: bad pattern \"!src/[a-\": unterminated character class");
}

TEST(IgnoreRules, ErrorTrailingBackslash) {
  EXPECT_EQ(parse_error("foo\\"), "ctx/.wimgignore:1: bad pattern \"foo\\\\\": trailing backslash");
  EXPECT_NE(parse_error("[a\\"), "");
}

TEST(IgnoreRules, ErrorMalformedClasses) {
  EXPECT_EQ(parse_error("[]"), "ctx/.wimgignore:1: bad pattern \"[]\": empty character class");
  EXPECT_EQ(parse_error("a\n[^]x"), "ctx/.wimgignore:2: bad pattern \"[^]x\": empty character class");
  EXPECT_NE(parse_error("[-a]"), "");
  EXPECT_NE(parse_error("[a-]"), "");
  EXPECT_NE(parse_error("[a"), "");
  EXPECT_EQ(parse_error("[a]]"), "");  // the second "]" is a literal after a complete class
}

TEST(IgnoreRules, ErrorLoneExclamationMark) {
  EXPECT_EQ(parse_error("a\n\n!\n"), "ctx/.wimgignore:3: illegal exclusion pattern \"!\"");
  EXPECT_EQ(parse_error("  !   "), "ctx/.wimgignore:1: illegal exclusion pattern \"!\"");
  EXPECT_EQ(parse_error("!/"), "ctx/.wimgignore:1: illegal exclusion pattern \"!\"");  // cleans to "!"
}

TEST(IgnoreRules, MustDescendWhenExceptionIsBelow) {
  auto r = rules("docs\n!docs/README.md");
  ASSERT_TRUE(r.excluded("docs"));
  EXPECT_TRUE(r.must_descend("docs"));
  EXPECT_FALSE(r.must_descend("docs/sub"));  // nothing below docs/sub can be re-included
}

TEST(IgnoreRules, MustDescendFalseWithoutRelevantException) {
  EXPECT_FALSE(rules("docs").must_descend("docs"));
  EXPECT_FALSE(rules("build\n!src/keep").must_descend("build"));
  EXPECT_FALSE(rules("build\n!*.keep").must_descend("build"));  // "*.keep" is top-level only
  EXPECT_FALSE(rules("build\n!build\nbuild").must_descend("build"));
}

TEST(IgnoreRules, MustDescendRespectsRuleOrder) {
  // The exception comes first, so the later "docs" decides for everything below.
  auto r = rules("!docs/README.md\ndocs");
  ASSERT_TRUE(r.excluded("docs"));
  EXPECT_FALSE(r.must_descend("docs"));
}

TEST(IgnoreRules, MustDescendWithWildcardExceptions) {
  auto deep = rules("build\n!**/keep");
  EXPECT_TRUE(deep.must_descend("build"));
  EXPECT_TRUE(deep.must_descend("build/a/b"));

  auto star = rules("build\n!build/*/keep");
  EXPECT_TRUE(star.must_descend("build"));
  EXPECT_TRUE(star.must_descend("build/x"));
  EXPECT_FALSE(star.must_descend("build/x/y"));

  auto dirs = rules("b*\n!build/keep");
  EXPECT_TRUE(dirs.must_descend("build"));
  EXPECT_FALSE(dirs.must_descend("bin"));
}

TEST(IgnoreRules, MustDescendTrueForDirectoryThatIsNotExcluded) {
  auto r = rules("docs");
  EXPECT_TRUE(r.must_descend("src"));
  EXPECT_TRUE(IgnoreRules().must_descend("anything"));
}

TEST(IgnoreRules, ManyStarsStayFast) {
  auto r = rules("*a*a*a*a*a*a*a*a*a*a*b\n**/**/**/**/**/**/z");
  std::string long_name(254, 'a');  // components are at most 255 bytes
  EXPECT_FALSE(r.excluded(long_name));
  EXPECT_TRUE(r.excluded(long_name + "b"));
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "d/";
  EXPECT_FALSE(r.excluded(deep + "y"));
  EXPECT_TRUE(r.excluded(deep + "z"));
}

TEST(IgnoreRules, RegexMetacharactersAreLiteral) {
  auto r = rules("a.b\nc+(d)|{e}$^");
  EXPECT_TRUE(r.excluded("a.b"));
  EXPECT_FALSE(r.excluded("axb"));
  EXPECT_TRUE(r.excluded("c+(d)|{e}$^"));
}

// Cases from moby/patternmatcher's own tests (TestMatches, TestMatch), judged
// the way MatchesOrParentMatches judges them: the path or a parent matches.
struct Case {
  const char* pattern;
  const char* path;
  bool excluded;
};

TEST(IgnoreRules, AgreesWithDockerTestTable) {
  const Case cases[] = {
      {"**", "file", true},
      {"**", "file/", true},
      {"**/", "file", true},
      {"**/", "file/", true},
      {"**", "/", true},
      {"**", "dir/file", true},
      {"**/", "dir/file", true},
      {"**", "dir/file/", true},
      {"**/**", "dir/file", true},
      {"**/**", "dir/file/", true},
      {"dir/**", "dir/file", true},
      {"dir/**", "dir/file/", true},
      {"dir/**", "dir/dir2/file", true},
      {"**/dir", "dir", true},
      {"**/dir", "dir/file", true},
      {"**/dir2/*", "dir/dir2/file", true},
      {"**/dir2/*", "dir/dir2/file/", true},
      {"**/dir2/**", "dir/dir2/dir3/file", true},
      {"**file", "file", true},
      {"**file", "dir/file", true},
      {"**/file", "dir/file", true},
      {"**file", "dir/dir/file", true},
      {"**/file", "dir/dir/file", true},
      {"**/file*", "dir/dir/file", true},
      {"**/file*", "dir/dir/file.txt", true},
      {"**/file*txt", "dir/dir/file.txt", true},
      {"**/file*.txt", "dir/dir/file.txt", true},
      {"**/file*.txt*", "dir/dir/file.txt", true},
      {"**/**/*.txt", "dir/dir/file.txt", true},
      {"**/**/*.txt2", "dir/dir/file.txt", false},
      {"**/*.txt", "file.txt", true},
      {"**/**/*.txt", "file.txt", true},
      {"a**/*.txt", "a/file.txt", true},
      {"a**/*.txt", "a/dir/file.txt", true},
      {"a**/*.txt", "a/dir/dir/file.txt", true},
      {"a/*.txt", "a/dir/file.txt", false},
      {"a/*.txt", "a/file.txt", true},
      {"a/*.txt**", "a/file.txt", true},
      {"a[b-d]e", "ae", false},
      {"a[b-d]e", "ace", true},
      {"a[b-d]e", "aae", false},
      {"a[^b-d]e", "aze", true},
      {".*", ".foo", true},
      {".*", "foo", false},
      {"abc.def", "abcdef", false},
      {"abc.def", "abc.def", true},
      {"abc.def", "abcZdef", false},
      {"abc?def", "abcZdef", true},
      {"abc?def", "abcdef", false},
      {"**/foo/bar", "foo/bar", true},
      {"**/foo/bar", "dir/foo/bar", true},
      {"**/foo/bar", "dir/dir2/foo/bar", true},
      {"abc/**", "abc", false},
      {"abc/**", "abc/def", true},
      {"abc/**", "abc/def/ghi", true},
      {"**/.foo", ".foo", true},
      {"**/.foo", "bar.foo", false},
      {"a(b)c/def", "a(b)c/def", true},
      {"a(b)c/def", "a(b)c/xyz", false},
      {"a.|)$(}+{bc", "a.|)$(}+{bc", true},
      {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true},
      {"a\\\\", "a\\", true},
      {"a\\*b", "a*b", true},
      // From Go's filepath.Match tests.
      {"abc", "abc", true},
      {"*", "abc", true},
      {"*c", "abc", true},
      {"a*", "a", true},
      {"a*", "abc", true},
      {"a*", "ab/c", true},
      {"a*/b", "abc/b", true},
      {"a*/b", "a/c/b", false},
      {"a*b*c*d*e*/f", "axbxcxdxe/f", true},
      {"a*b*c*d*e*/f", "axbxcxdxexxx/f", true},
      {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false},
      {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", false},
      {"a*b?c*x", "abxbbxdbxebxczzx", true},
      {"a*b?c*x", "abxbbxdbxebxczzy", false},
      {"ab[c]", "abc", true},
      {"ab[b-d]", "abc", true},
      {"ab[e-g]", "abc", false},
      {"ab[^c]", "abc", false},
      {"ab[^b-d]", "abc", false},
      {"ab[^e-g]", "abc", true},
      {"a\\*b", "ab", false},
      {"a?b", "a\u263Ab", true},
      {"a[^a]b", "a\u263Ab", true},
      {"a???b", "a\u263Ab", false},
      {"a[^a][^a][^a]b", "a\u263Ab", false},
      {"[a-\u03B6]*", "\u03B1", true},
      {"*[a-\u03B6]", "A", false},
      {"a?b", "a/b", false},
      {"a*b", "a/b", false},
      {"[\\]a]", "]", true},
      {"[\\-]", "-", true},
      {"[x\\-]", "x", true},
      {"[x\\-]", "-", true},
      {"[x\\-]", "z", false},
      {"[\\-x]", "x", true},
      {"[\\-x]", "-", true},
      {"[\\-x]", "a", false},
      {"*x", "xxx", true},
  };
  for (const Case& c : cases) {
    auto r = rules(c.pattern);
    EXPECT_EQ(r.excluded(c.path), c.excluded) << "pattern " << c.pattern << " path " << c.path;
  }
}

TEST(IgnoreRules, AgreesWithDockerMultiRuleTable) {
  EXPECT_FALSE(rules("**\n!util/docker/web").excluded("util/docker/web/foo"));
  EXPECT_TRUE(rules("**\n!util/docker/web\nutil/docker/web/foo").excluded("util/docker/web/foo"));
  EXPECT_FALSE(rules("**\n!dist/*.whl").excluded("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"));
  EXPECT_TRUE(rules("*.go\n!fileutils.go\n").excluded("other.go"));
  EXPECT_FALSE(rules("*.go\n!fileutils.go\n").excluded("fileutils.go"));
  EXPECT_TRUE(rules("!fileutils.go\n*.go\n").excluded("fileutils.go"));
  EXPECT_FALSE(rules("docs/\n!docs/README.md").excluded("docs/README.md"));
  EXPECT_FALSE(rules("docs/*\n!docs/README.md").excluded("docs/README.md"));
}

TEST(IgnoreRules, RejectsWhatDockerRejects) {
  for (const char* bad : {"[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "[z-a]"}) {
    EXPECT_NE(parse_error(bad), "") << bad;
  }
}

TEST(IgnoreRules, BareDoubleStarSuffixIsAPlainSuffix) {
  // Docker checks "**name" with strings.HasSuffix, so it is not tied to a component.
  auto r = rules("**file");
  EXPECT_TRUE(r.excluded("dir/myfile"));
  EXPECT_TRUE(r.excluded("myfile"));
  EXPECT_FALSE(r.excluded("file.txt"));
}

// Issue 16: "**/" + 40 x "*a" + "b0" took 15 s on 615 paths with the
// backtracking matcher. The NFA gives the same answers (the time bound is
// the harness's: tests/e2e/test_hardening.sh).
TEST(IgnoreRules, PathologicalStarPatternMatchesLikeTheOracle) {
  std::string pattern = "**/";
  for (int i = 0; i < 40; ++i) pattern += "*a";
  pattern += "b0";
  auto r = rules(pattern);
  std::string many_a(60, 'a');
  EXPECT_FALSE(r.excluded("d/" + many_a));
  EXPECT_FALSE(r.excluded("d/" + many_a + "b1"));
  EXPECT_TRUE(r.excluded("d/e/" + many_a + "b0"));
  EXPECT_TRUE(r.excluded(many_a + "b0/below"));
  EXPECT_FALSE(r.excluded(std::string(39, 'a') + "b0"));
}

// The NFA against the former backtracking matcher on random patterns and
// paths over a small alphabet (so that they often match), both goals.
TEST(IgnoreRules, NfaAgreesWithBacktrackingOracle) {
  namespace ii = ignore_internal;
  std::mt19937 rng(16);
  const std::vector<std::string> pieces{"a", "b", "/", "*", "**", "**/", "?", "[ab]", "[^a]", "\\*", "\xc3\xa9"};
  const std::vector<std::string> path_pieces{"a", "b", "/", "*", "\xc3\xa9", "ab/"};
  int compared = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string pattern, path;
    for (int k = std::uniform_int_distribution<int>(1, 7)(rng); k > 0; --k) pattern += pieces[rng() % pieces.size()];
    for (int k = std::uniform_int_distribution<int>(0, 9)(rng); k > 0; --k) path += path_pieces[rng() % path_pieces.size()];
    auto tokens = ii::compile_pattern(pattern, nullptr);
    if (!tokens) continue;
    const auto nfa = ii::build_automaton(*tokens);
    const std::u32string p = ii::decode_path(path);
    for (auto goal : {ii::Goal::kPathOrParent, ii::Goal::kSomeContinuation}) {
      ASSERT_EQ(ii::match(nfa, p, goal), ii::reference_match(*tokens, p, goal))
          << "pattern \"" << pattern << "\" path \"" << path << "\" goal " << static_cast<int>(goal);
    }
    ++compared;
  }
  EXPECT_GT(compared, 10000);
}

// More than 64 tokens: the state sets span several words.
TEST(IgnoreRules, LongPatternsSpanSeveralWords) {
  std::string name(150, 'x');
  auto r = rules("*" + name + "?\n" + name + "/**");
  EXPECT_TRUE(r.excluded("a" + name + "b"));
  EXPECT_FALSE(r.excluded("a" + name));
  EXPECT_TRUE(r.excluded(name + "/deep/file"));
  EXPECT_FALSE(r.excluded(name));
}

}  // namespace
}  // namespace wimg::layers
