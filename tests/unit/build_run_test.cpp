// RUN steps (recipe/run_step.h) with the host replaced by a callback that
// plays the guest: it checks what it was given (the tree at "/", the
// image's preopens, the scratch /tmp and /dev, argv, clock, seed) and
// changes the tree as a guest would. The layer must hold exactly the
// changes: whiteouts for removals (the topmost only), new and changed
// files, parents with the image's modes; an untouched or rewritten-alike
// file is not in it; failures and special files are errors naming the step.
// (The real node runs in tests/e2e/test_build_run.sh and
// tests/ruby/test_build_run.sh.)
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "image/images.h"
#include "layers/index.h"
#include "pack_test_util.h"
#include "recipe/run_step.h"
#include "store/batch.h"
#include "test_util.h"

namespace wimg::recipe {
namespace {

using test::TempDir;

struct Fixture {
  TempDir dir;
  store::Store st = *store::Store::open(dir / "store");
  test::Contents c;
  image::Manifest m;
  layers::Overlay view;
  image::Preparer prep{sha256_of("p"), sha256_of("q"), [](std::string_view, std::string_view, image::PrepareMode) {
                         return Result<std::string>(make_error(ErrorKind::Input, "the test base is already prepared"));
                       },
                       image::Snapshotter{}};

  Fixture() {
    std::vector<layers::Entry> layer = {test::dir("data"),
                                        c.file("data/a.txt", "a\n"),
                                        c.file("data/keep.txt", "keep\n", 0600),
                                        test::link("data/link", "a.txt"),
                                        test::dir("data/old"),
                                        c.file("data/old/x.txt", "x\n"),
                                        test::dir("data/priv", 0700),
                                        c.file("data/priv/p.txt", "p\n"),
                                        c.file("top.txt", "top\n")};
    test::write_file(dir / "base.wasm", test::prepared_base());
    auto base = image::put_base_wasm(st, dir / "base.wasm");
    EXPECT_TRUE(base.ok()) << base.error().message;
    if (base.ok()) m.base = *base;
    for (const auto& [d, bytes] : c.bytes) EXPECT_TRUE(st.put(bytes).ok());
    m.layers.push_back({*st.put(*layers::encode_index(layer)), 0, 0, "COPY"});
    m.config.mounts = {"/data"};
    m.created = 1000;
    view.push(layer);
  }

  Result<RunStepOutput> run(const RunProcess& guest) {
    RunStepInput in;
    in.image = &m;
    in.view = &view;
    in.words = {"-x", "y"};
    in.where = "Wasmfile:3: RUN x";
    in.clock = 1700000000;
    in.seed = "seed";
    in.timeout = std::chrono::milliseconds(1500);
    store::Batch batch(st);
    auto out = run_step(st, batch, in, prep, guest);
    if (out.ok()) {
      EXPECT_TRUE(batch.commit().ok());
    }
    return out;
  }
};

void write(const std::string& path, const std::string& text) { test::write_file(path, text); }

std::map<std::string, layers::Entry> by_path(const std::vector<layers::Entry>& entries) {
  std::map<std::string, layers::Entry> out;
  for (const auto& e : entries) out.emplace(e.path, e);
  return out;
}

TEST(BuildRun, TheRequestAndTheCapturedChanges) {
  Fixture f;
  std::string root;
  auto out = f.run([&](const StepProcess& sp) -> Result<proc::Exit> {
    // What the host is asked: the tree at "/", the preopen from it, the
    // scratch directories, argv, the fixed clock and seed.
    EXPECT_EQ(sp.req.dirs.size(), 4u);
    root = sp.req.dirs.at(0).host;
    EXPECT_EQ(sp.req.dirs.at(0).guest, "/");
    EXPECT_EQ(sp.req.dirs.at(1).host, root + "/data");
    EXPECT_EQ(sp.req.dirs.at(1).guest, "/data");
    EXPECT_EQ(sp.req.dirs.at(2).guest, "/dev");
    EXPECT_EQ(sp.req.dirs.at(3).guest, "/tmp");
    EXPECT_EQ(sp.req.args, (std::vector<std::string>{"-x", "y"}));
    EXPECT_EQ(sp.req.clock, 1700000000);
    EXPECT_EQ(sp.req.seed, "seed");
    EXPECT_EQ(sp.timeout.count(), 1500);
    EXPECT_TRUE(std::filesystem::is_regular_file(sp.req.module));
    EXPECT_EQ(test::read_file(sp.req.dirs.at(2).host + "/null"), "");
    // The image, written out: contents, links, times = created.
    EXPECT_EQ(test::read_file(root + "/data/keep.txt"), "keep\n");
    EXPECT_EQ(std::filesystem::read_symlink(root + "/data/link"), "a.txt");
    struct stat st;
    EXPECT_EQ(::stat((root + "/top.txt").c_str(), &st), 0);
    EXPECT_EQ(st.st_mtime, 1000);
    // The guest's changes.
    std::filesystem::remove(root + "/data/a.txt");
    std::filesystem::remove_all(root + "/data/old");
    write(root + "/data/new.txt", "new\n");
    write(root + "/data/priv/q.txt", "q\n");
    write(root + "/data/keep.txt", "keep\n");  // rewritten alike: not a change
    write(root + "/top.txt", "TOP\n");
    std::filesystem::remove(root + "/data/link");
    std::filesystem::create_symlink("new.txt", root + "/data/link");
    std::filesystem::create_directories(root + "/made/deep");
    write(sp.req.dirs.at(3).host + "/scratch", "not captured\n");
    write(sp.log, "guest says hi\n");
    return proc::Exit{0, false};
  });
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->output, "guest says hi");
  auto e = by_path(out->entries);
  std::vector<std::string> paths;
  for (const auto& [p, _] : e) paths.push_back(p);
  EXPECT_EQ(paths, (std::vector<std::string>{"data", "data/a.txt", "data/link", "data/new.txt", "data/old", "data/priv",
                                              "data/priv/q.txt", "made", "made/deep", "top.txt"}));
  EXPECT_EQ(e["data/a.txt"].kind, layers::Kind::Whiteout);
  EXPECT_EQ(e["data/old"].kind, layers::Kind::Whiteout);  // its file goes with it
  EXPECT_EQ(e["data/link"].target, "new.txt");
  EXPECT_EQ(e["data/new.txt"].mode, 0644u);
  EXPECT_EQ(e["data/new.txt"].digest, sha256_of("new\n"));
  EXPECT_EQ(e["data/priv"].mode, 0700u);  // a parent keeps the image's mode
  EXPECT_EQ(e["top.txt"].mode, 0644u);
  EXPECT_EQ(e["top.txt"].digest, sha256_of("TOP\n"));
  EXPECT_TRUE(f.st.has(sha256_of("TOP\n")));
  EXPECT_EQ(e["made/deep"].kind, layers::Kind::Dir);
  // The temp tree is gone.
  EXPECT_FALSE(std::filesystem::exists(root));
}

TEST(BuildRun, NothingChangedIsAnEmptyLayer) {
  Fixture f;
  auto out = f.run([](const StepProcess&) -> Result<proc::Exit> { return proc::Exit{0, false}; });
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_TRUE(out->entries.empty());
}

TEST(BuildRun, FailuresNameTheStepAndQuoteItsOutput) {
  Fixture f;
  auto failed = f.run([](const StepProcess& sp) -> Result<proc::Exit> {
    test::write_file(sp.log, "boom\n");
    write(sp.req.dirs.at(0).host + "/left.txt", "x");
    return proc::Exit{3, false};
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "Wasmfile:3: RUN x: failed (exit 3); its output:\nboom");
  auto slow = f.run([](const StepProcess&) -> Result<proc::Exit> { return proc::Exit{137, true}; });
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().message, "Wasmfile:3: RUN x: still running after 1500 ms (--run-timeout): stopped, nothing committed");
  auto fifo = f.run([](const StepProcess& sp) -> Result<proc::Exit> {
    EXPECT_EQ(::mkfifo((sp.req.dirs.at(0).host + "/data/pipe").c_str(), 0644), 0);
    return proc::Exit{0, false};
  });
  ASSERT_FALSE(fifo.ok());
  EXPECT_NE(fifo.error().message.find("Wasmfile:3: RUN x: made /data/pipe, a special file"), std::string::npos)
      << fifo.error().message;
  auto no_host = f.run(RunProcess{});
  ASSERT_FALSE(no_host.ok());
  // Nothing of the failed steps is left in the store's temp space.
  std::size_t left = 0;
  for (const auto& d : std::filesystem::directory_iterator(f.st.tmp_dir())) left += d.path().filename().string().starts_with("run-");
  EXPECT_EQ(left, 0u);
}

}  // namespace
}  // namespace wimg::recipe
