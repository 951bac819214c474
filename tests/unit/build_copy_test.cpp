// COPY/ADD semantics of the builder (recipe/copy.h): Docker's trailing-slash
// and directory-contents rules, globs, --exclude, --chmod, .wimgignore, the
// context boundary, archives and COPY --from.
#include <unistd.h>

#include "build_test_util.h"

namespace wimg::recipe {
namespace {

using test::write_file;
using test_support::BuildFixture;
using V = std::vector<std::string>;

struct BuildCopy : BuildFixture, ::testing::Test {
  BuildCopy() {
    write_file(ctx + "/a.txt", "a");
    write_file(ctx + "/b.txt", "bb");
    write_file(ctx + "/app/main.rb", "puts 1", 0755);
    write_file(ctx + "/app/lib/x.rb", "x");
    write_file(ctx + "/app/debug.log", "log");
  }
  V layer(const std::string& steps) {
    auto r = build("FROM base.wasm\n" + steps);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok()) return {};
    return top_layer(*r);
  }
  Error failure(const std::string& steps) {
    auto r = build("FROM base.wasm\n" + steps);
    EXPECT_FALSE(r.ok());
    return r.ok() ? Error{} : r.error();
  }
};

TEST_F(BuildCopy, FileToAPathOrIntoADirectory) {
  EXPECT_EQ(layer("COPY a.txt /etc/conf\n"), (V{"d 0755 etc", "f 0644 etc/conf"}));
  EXPECT_EQ(layer("COPY a.txt /etc/\n"), (V{"d 0755 etc", "f 0644 etc/a.txt"}));
  EXPECT_EQ(layer("WORKDIR /w\nCOPY a.txt .\n"), (V{"d 0755 w", "f 0644 w/a.txt"}));
}

TEST_F(BuildCopy, DirectoryCopiesItsContents) {
  EXPECT_EQ(layer("COPY app /srv\n"), (V{"d 0755 srv", "f 0644 srv/debug.log", "d 0755 srv/lib", "f 0644 srv/lib/x.rb",
                                        "f 0755 srv/main.rb"}));
  EXPECT_EQ(layer("COPY app/ /\n"), (V{"f 0644 debug.log", "d 0755 lib", "f 0644 lib/x.rb", "f 0755 main.rb"}));
}

TEST_F(BuildCopy, SeveralSourcesNeedADirectory) {
  EXPECT_EQ(layer("COPY a.txt b.txt /d/\n"), (V{"d 0755 d", "f 0644 d/a.txt", "f 0644 d/b.txt"}));
  // A glob that matches two files is two sources.
  Error e = failure("COPY *.txt /d\n");
  EXPECT_EQ(e.kind, ErrorKind::Input);
  EXPECT_NE(e.message.find("Wasmfile:2"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("must end in \"/\""), std::string::npos) << e.message;
}

TEST_F(BuildCopy, Globs) {
  EXPECT_EQ(layer("COPY *.txt /d/\n"), (V{"d 0755 d", "f 0644 d/a.txt", "f 0644 d/b.txt"}));
  EXPECT_EQ(layer("COPY ap?/*.rb /d/\n"), (V{"d 0755 d", "f 0755 d/main.rb"}));
  EXPECT_EQ(layer("COPY app/[lm]*.rb /one\n"), (V{"f 0755 one"}));
  EXPECT_EQ(failure("COPY *.none /d/\n").kind, ErrorKind::NotFound);
}

TEST_F(BuildCopy, ExcludeMatchesBelowEachSource) {
  EXPECT_EQ(layer("COPY --exclude=*.log --exclude=lib app /s\n"), (V{"d 0755 s", "f 0755 s/main.rb"}));
  EXPECT_EQ(layer("COPY --exclude=b.txt *.txt /d/\n"), (V{"d 0755 d", "f 0644 d/a.txt"}));
}

TEST_F(BuildCopy, ChmodSetsFilesAndDirectories) {
  EXPECT_EQ(layer("COPY --chmod=640 a.txt /x\n"), (V{"f 0640 x"}));
  EXPECT_EQ(layer("COPY --chmod=700 app/lib /l\n"), (V{"d 0700 l", "f 0700 l/x.rb"}));
}

TEST_F(BuildCopy, WimgignoreHidesFilesFromEveryStep) {
  write_file(ctx + "/.wimgignore", "**/*.log\nb.txt\n");
  EXPECT_EQ(layer("COPY app /s\n"), (V{"d 0755 s", "d 0755 s/lib", "f 0644 s/lib/x.rb", "f 0755 s/main.rb"}));
  EXPECT_EQ(layer("COPY *.txt /d/\n"), (V{"d 0755 d", "f 0644 d/a.txt"}));
  Error e = failure("COPY b.txt /b\n");
  EXPECT_EQ(e.kind, ErrorKind::NotFound);
  EXPECT_NE(e.message.find(".wimgignore"), std::string::npos) << e.message;
}

TEST_F(BuildCopy, SourcesOutsideTheContextAreErrors) {
  write_file(dir / "outside.txt", "o");
  ASSERT_EQ(::symlink((dir / "outside.txt").c_str(), (ctx + "/escape").c_str()), 0);
  ASSERT_EQ(::symlink("a.txt", (ctx + "/inside").c_str()), 0);
  for (const char* src : {"../outside.txt", "/../outside.txt", "app/../../outside.txt", "escape"}) {
    Error e = failure(std::string("COPY ") + src + " /x\n");
    EXPECT_EQ(e.kind, ErrorKind::Input) << src;
    EXPECT_NE(e.message.find("Wasmfile:2: COPY"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("outside the build context"), std::string::npos) << e.message;
  }
  // A symlink that stays inside is followed at the top, like Docker.
  EXPECT_EQ(layer("COPY inside /x\n"), (V{"f 0644 x"}));
  // Absolute sources are relative to the context root.
  EXPECT_EQ(layer("COPY /a.txt /x\n"), (V{"f 0644 x"}));
  Error missing = failure("COPY nope.txt /x\n");
  EXPECT_EQ(missing.kind, ErrorKind::NotFound);
  EXPECT_NE(missing.message.find("Wasmfile:2: COPY: nope.txt"), std::string::npos) << missing.message;
}

TEST_F(BuildCopy, SymlinksInsideADirectoryAreKept) {
  ASSERT_EQ(::symlink("main.rb", (ctx + "/app/link").c_str()), 0);
  EXPECT_EQ(layer("COPY --exclude=lib --exclude=*.log app /s\n"),
            (V{"d 0755 s", "l 0777 s/link -> main.rb", "f 0755 s/main.rb"}));
}

TEST_F(BuildCopy, AddExtractsArchivesAndCopiesOtherFiles) {
  test::write_archive(ctx + "/t.tar.gz", {{test::Member::Dir, "pkg", "", "", 0755},
                                          {test::Member::File, "pkg/f", "data", "", 0600}},
                      "pax", "gzip");
  EXPECT_EQ(layer("ADD t.tar.gz /opt\n"), (V{"d 0755 opt", "d 0755 opt/pkg", "f 0600 opt/pkg/f"}));
  EXPECT_EQ(layer("ADD a.txt /opt/\n"), (V{"d 0755 opt", "f 0644 opt/a.txt"}));
  EXPECT_EQ(layer("COPY t.tar.gz /opt/\n").size(), 2u);  // COPY never extracts
}

TEST_F(BuildCopy, CopyFromAnEarlierStage) {
  auto r = build(
      "FROM base.wasm AS b\nCOPY app /out\n"
      "FROM base.wasm\nCOPY --from=b /out/lib /lib\nCOPY --from=0 --exclude=*.log /out/ /all/\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->manifest.layers.size(), 2u);
  EXPECT_EQ(top_layer(*r), (V{"d 0755 all", "d 0755 all/lib", "f 0644 all/lib/x.rb", "f 0755 all/main.rb"}));
  EXPECT_EQ(r->manifest.layers[0].created_by, "COPY --from=b /out/lib /lib");
  Error e = failure("COPY --from=nosuch:1 /x /y\n");
  EXPECT_EQ(e.kind, ErrorKind::NotFound);
  EXPECT_NE(e.message.find("Wasmfile:2"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace wimg::recipe
