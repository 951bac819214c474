// base/npm.h: package specs, npm's registry setting, Subresource Integrity
// and the tarball cache (a second fetch of the same version uses no network).
#include "base/npm.h"

#include <gtest/gtest.h>

#include <map>

#include "support/fs.h"
#include "test_util.h"

namespace wimg::base {
namespace {

TEST(NpmSpec, ExactVersionsOnly) {
  auto s = parse_npm_spec("@ruby/4.0-wasm-wasi@2.10.1", "npm:x");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->name, "@ruby/4.0-wasm-wasi");
  EXPECT_EQ(s->version, "2.10.1");
  EXPECT_TRUE(parse_npm_spec("lodash@4.17.21", "x").ok());
  EXPECT_TRUE(parse_npm_spec("a@1.0.0-rc.1", "x").ok());
  for (const char* bad : {"@ruby/4.0-wasm-wasi", "@ruby/4.0-wasm-wasi@latest", "@ruby/4.0-wasm-wasi@^2.10.1",
                          "@ruby/x@2.10", "Upper@1.0.0", "@a/b/c@1.0.0", "@1.0.0"}) {
    auto r = parse_npm_spec(bad, "npm:bad");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::Usage) << bad;
    EXPECT_NE(r.error().message.find("npm:bad"), std::string::npos) << r.error().message;
  }
}

TEST(NpmRegistry, FollowsNpmsSettings) {
  test::TempDir t;
  std::map<std::string, std::string> env{{"HOME", t.path()}};
  auto get = [&](const char* k) -> const char* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_EQ(npm_registry("@ruby/x", get), "https://registry.npmjs.org/");
  test::write_file(t / ".npmrc", "; comment\nregistry = http://mirror.example/npm\n@ruby:registry=http://ruby.example\n");
  EXPECT_EQ(npm_registry("lodash", get), "http://mirror.example/npm/");
  EXPECT_EQ(npm_registry("@ruby/x", get), "http://ruby.example/");
  env["npm_config_registry"] = "http://env.example/";
  EXPECT_EQ(npm_registry("lodash", get), "http://env.example/");
  EXPECT_EQ(npm_registry("@ruby/x", get), "http://ruby.example/");  // the scope's own registry wins
  env["NPM_CONFIG_USERCONFIG"] = t / "missing";
  EXPECT_EQ(npm_registry("@ruby/x", get), "http://env.example/");
}

TEST(NpmIntegrity, StrongestListedAlgorithmDecides) {
  const std::string sha512 = "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==";
  const std::string sha256 = "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";
  EXPECT_TRUE(check_integrity("abc", sha512, "t").ok());
  EXPECT_TRUE(check_integrity("abc", sha256, "t").ok());
  EXPECT_TRUE(check_integrity("abc", "sha1-qZk+NkcGgWq6PiVxeFDCbJzQ2J0= " + sha512, "t").ok());
  auto bad = check_integrity("abd", sha512, "t.tgz");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::Corrupt);
  EXPECT_NE(bad.error().message.find("t.tgz"), std::string::npos);
  // A right sha256 does not rescue a wrong sha512 listed beside it.
  EXPECT_FALSE(check_integrity("abc", sha256 + " sha512-AAAA", "t").ok());
  auto sha1_only = check_integrity("abc", "sha1-qZk+NkcGgWq6PiVxeFDCbJzQ2J0=", "t");
  ASSERT_FALSE(sha1_only.ok());
  EXPECT_EQ(sha1_only.error().kind, ErrorKind::Input);
}

TEST(NpmTarballCache, SecondFetchIsOffline) {
  test::TempDir t;
  auto store = store::Store::open(t / "store");
  ASSERT_TRUE(store.ok());
  const std::string tgz = "abc";  // only its integrity matters here
  int calls = 0;
  HttpGet get = [&](const std::string& url) -> Result<std::string> {
    ++calls;
    if (url == "http://r.example/@ruby%2fx/1.0.0") {
      return std::string(R"({"dist":{"tarball":"http://r.example/x.tgz","integrity":"sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw=="}})");
    }
    if (url == "http://r.example/x.tgz") return tgz;
    return make_error(ErrorKind::Io, "GET " + url + ": 404");
  };
  const NpmSpec spec{"@ruby/x", "1.0.0"};
  auto first = fetch_npm_tarball(*store, spec, "http://r.example/", get);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(first->cached);
  EXPECT_EQ(calls, 2);
  HttpGet offline = [](const std::string& url) -> Result<std::string> {
    return make_error(ErrorKind::Io, "GET " + url + ": offline");
  };
  auto second = fetch_npm_tarball(*store, spec, "http://r.example/", offline);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE(second->cached);
  EXPECT_EQ(second->bytes, tgz);
  // A download that does not match is refused and leaves no entry.
  HttpGet wrong = [&](const std::string& url) -> Result<std::string> {
    if (url.ends_with(".tgz")) return std::string("abd");
    return get(url);
  };
  auto bad = fetch_npm_tarball(*store, NpmSpec{"@ruby/x", "2.0.0"}, "http://r.example/", [&](const std::string& url) {
    return wrong(url == "http://r.example/@ruby%2fx/2.0.0" ? "http://r.example/@ruby%2fx/1.0.0" : url);
  });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::Corrupt);
  EXPECT_FALSE(fs::exists(store->cache_dir() + "/npm/@ruby+x@2.0.0"));
}

}  // namespace
}  // namespace wimg::base
