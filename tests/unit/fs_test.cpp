#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/fs.h"
#include "test_util.h"

namespace wimg::fs {
namespace {

using test::TempDir;

// replace_file moves a finished temp file over an output: a regular file
// is exchanged and the old one unlinked (no ext4 flush of a renamed-over
// file), anything else gets rename()'s semantics, and the temp file never
// stays behind.
TEST(Fs, ReplaceFileExchangesARegularFileAndLeavesNoTemp) {
  TempDir t;
  const std::string out = t / "out.wasm", tmp = t / "out.wasm.tmp-1";
  test::write_file(out, "old");
  ASSERT_EQ(::link(out.c_str(), (t / "keep").c_str()), 0);  // the old inode, seen elsewhere
  test::write_file(tmp, "new");
  ASSERT_TRUE(replace_file(tmp, out).ok());
  EXPECT_EQ(test::read_file(out), "new");
  EXPECT_FALSE(exists(tmp));
  EXPECT_EQ(test::read_file(t / "keep"), "old");  // replaced, not rewritten in place
  struct stat st;
  ASSERT_EQ(::stat((t / "keep").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);  // the old output's name is gone
}

TEST(Fs, ReplaceFileRenamesWhenThereIsNoTargetOrItIsALink) {
  TempDir t;
  const std::string tmp = t / "tmp";
  test::write_file(tmp, "first");
  ASSERT_TRUE(replace_file(tmp, t / "new.wasm").ok());
  EXPECT_EQ(test::read_file(t / "new.wasm"), "first");
  EXPECT_FALSE(exists(tmp));
  // A symlink is replaced by the file; what it pointed to is untouched.
  test::write_file(t / "target", "target");
  ASSERT_EQ(::symlink("target", (t / "link.wasm").c_str()), 0);
  test::write_file(tmp, "second");
  ASSERT_TRUE(replace_file(tmp, t / "link.wasm").ok());
  struct stat st;
  ASSERT_EQ(::lstat((t / "link.wasm").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(test::read_file(t / "link.wasm"), "second");
  EXPECT_EQ(test::read_file(t / "target"), "target");
}

TEST(Fs, ReplaceFileOverADirectoryFailsAndRemovesTheTemp) {
  TempDir t;
  ASSERT_EQ(::mkdir((t / "dir.wasm").c_str(), 0755), 0);
  test::write_file(t / "dir.wasm/inside", "x");
  const std::string tmp = t / "tmp";
  test::write_file(tmp, "new");
  auto r = replace_file(tmp, t / "dir.wasm");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("dir.wasm"), std::string::npos) << r.error().message;
  EXPECT_FALSE(exists(tmp));
  EXPECT_EQ(test::read_file(t / "dir.wasm/inside"), "x");
}

}  // namespace
}  // namespace wimg::fs
