// Logging writes one JSON object per line with escaped fields, and honours the level.
#include "core/log.h"

#include <gtest/gtest.h>

#include <vector>

namespace firma {
namespace {

TEST(Log, JsonLinesWithFields) {
  std::vector<std::string> lines;
  log::set_sink([&](std::string_view l) { lines.emplace_back(l); });
  log::info("request", {{"route", "/v1/x"}, {"status", 201}, {"ok", true}, {"note", "a\"b\nc"}});
  log::debug("hidden");
  log::set_sink(nullptr);
  ASSERT_EQ(lines.size(), 1u);
  const std::string& l = lines[0];
  EXPECT_EQ(l.front(), '{');
  EXPECT_EQ(l.back(), '}');
  EXPECT_NE(l.find("\"event\":\"request\""), std::string::npos);
  EXPECT_NE(l.find("\"status\":201"), std::string::npos);
  EXPECT_NE(l.find("\"ok\":true"), std::string::npos);
  EXPECT_NE(l.find("a\\\"b\\nc"), std::string::npos);
}

}  // namespace
}  // namespace firma
