// The manual clock moves only when told; RFC 3339 round-trips; random draws have the right shape.
#include <gtest/gtest.h>

#include <set>

#include "core/clock.h"
#include "core/random.h"
#include "core/secret.h"

namespace firma {
namespace {

TEST(Clock, ManualClockAndRfc3339) {
  auto start = parse_rfc3339("2026-11-22T10:00:00Z");
  ASSERT_TRUE(start);
  ManualClock clock(*start);
  clock.advance(std::chrono::seconds{301});
  EXPECT_EQ(to_rfc3339(clock.now()), "2026-11-22T10:05:01Z");
  EXPECT_FALSE(parse_rfc3339("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-22 10:00:00"));
}

TEST(Random, DigitsAndTokens) {
  SystemRandom rng;
  std::string otp = rng.digits(8);
  EXPECT_EQ(otp.size(), 8u);
  EXPECT_EQ(otp.find_first_not_of("0123456789"), std::string::npos);
  std::set<std::string> tokens;
  for (int i = 0; i < 100; ++i) tokens.insert(rng.hex_token(16));
  EXPECT_EQ(tokens.size(), 100u);
  EXPECT_EQ(tokens.begin()->size(), 32u);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(rng.uniform(7), 7u);
}

TEST(Secret, ComparesInConstantTimeAndWipesOnMove) {
  Secret a("hunter2");
  Secret b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT: checking the moved-from state on purpose
  EXPECT_EQ(b.reveal(), "hunter2");
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
}

}  // namespace
}  // namespace firma
