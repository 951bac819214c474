// Golden tests of the Wasmfile parser: tests/golden/wasmfile/NAME.Wasmfile
// parsed with the options in NAME.args (optional; lines "--build-arg K=V"
// and "--target STAGE") must produce exactly NAME.expected: render_plan()
// output, or the error message followed by a newline.
// WIMG_UPDATE_GOLDEN=1 rewrites the .expected files (review every diff!).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "recipe/wasmfile.h"

#ifndef WIMG_SOURCE_DIR
#error "compile with -DWIMG_SOURCE_DIR=\"/path/to/wimg\""
#endif

namespace wimg::recipe {
namespace {

namespace fs = std::filesystem;

fs::path golden_dir() { return fs::path(WIMG_SOURCE_DIR) / "tests" / "golden" / "wasmfile"; }

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(golden_dir(), ec)) {
    if (e.path().extension() == ".Wasmfile") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs one case: the text the .expected file must hold.
std::string run_case(const std::string& name) {
  ParseOptions opts;
  fs::path args = golden_dir() / (name + ".args");
  if (fs::exists(args)) {
    std::istringstream in(read(args));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("--build-arg ", 0) == 0) {
        std::string kv = line.substr(12);
        auto eq = kv.find('=');
        opts.build_args[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
      } else if (line.rfind("--target ", 0) == 0) {
        opts.target = line.substr(9);
      }
    }
  }
  auto plan = parse_wasmfile(read(golden_dir() / (name + ".Wasmfile")), "Wasmfile", opts);
  if (!plan.ok()) return plan.error().message + "\n";
  return render_plan(*plan);
}

class WasmfileGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(WasmfileGolden, MatchesExpected) {
  const std::string& name = GetParam();
  std::string got = run_case(name);
  fs::path expected = golden_dir() / (name + ".expected");
  const char* update = std::getenv("WIMG_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(expected, std::ios::binary) << got;
    return;
  }
  ASSERT_TRUE(fs::exists(expected)) << expected << " is missing (WIMG_UPDATE_GOLDEN=1 creates it)";
  EXPECT_EQ(read(expected), got) << "golden case " << name;
}

TEST(WasmfileGoldenSuite, HasEnoughCases) { EXPECT_GE(case_names().size(), 40u) << golden_dir(); }

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Cases, WasmfileGolden, ::testing::ValuesIn(case_names()), test_name);

}  // namespace
}  // namespace wimg::recipe
