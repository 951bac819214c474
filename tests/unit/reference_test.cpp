#include <gtest/gtest.h>

#include "image/reference.h"

namespace wimg::image {
namespace {

TEST(Reference, Valid) {
  EXPECT_EQ(parse_reference("ruby")->str(), "ruby:latest");
  EXPECT_EQ(parse_reference("ruby:3.4")->str(), "ruby:3.4");
  EXPECT_EQ(parse_reference("my-app_x.y:1.0-rc1")->str(), "my-app_x.y:1.0-rc1");
  EXPECT_EQ(parse_reference("localhost:5000/team/app:v2")->name, "localhost:5000/team/app");
  EXPECT_EQ(parse_reference("localhost:5000/team/app")->tag, "latest");
  EXPECT_EQ(parse_reference("a__b")->name, "a__b");
  EXPECT_EQ(parse_reference("a---b")->name, "a---b");
}

TEST(Reference, Invalid) {
  for (const char* bad : {"", "Ruby", "ruby:", ":tag", "ruby:-x", "-ruby", "ruby-", "a..b", "a___b", "a//b",
                          "ruby@sha256:00", "ru by", "ruby:t/a", "a/:x"}) {
    auto r = parse_reference(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind, ErrorKind::Input);
    }
  }
  EXPECT_FALSE(parse_reference("app:" + std::string(129, 'x')).ok());
}

}  // namespace
}  // namespace wimg::image
