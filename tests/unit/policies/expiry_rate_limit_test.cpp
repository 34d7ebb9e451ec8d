// Password expiry after a year, and the token bucket: bursts, refill, cap, clocks that go back.
#include <gtest/gtest.h>

#include "core/clock.h"
#include "policies/password_expiry.h"
#include "policies/rate_limit.h"

namespace firma::policies {
namespace {

using std::chrono::seconds;

Instant rfc3339(const char* text) {
  auto instant = parse_rfc3339(text);
  EXPECT_TRUE(instant.has_value()) << text;
  return instant.value_or(Instant{});
}

TEST(PasswordExpiry, ValidForOneYearOf365Days) {
  const PasswordExpiryPolicy policy;
  struct Case {
    const char* set_at;
    const char* expires_at;
  };
  const Case cases[] = {
      {"2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"},
      {"2027-06-01T10:30:00Z", "2028-05-31T10:30:00Z"},  // 2028 has a 29 February inside the year
      {"2027-12-31T23:59:59Z", "2028-12-30T23:59:59Z"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.set_at);
    EXPECT_EQ(to_rfc3339(policy.expires_at(rfc3339(c.set_at))), c.expires_at);
  }
}

TEST(PasswordExpiry, ExpiredFromTheExpiryInstantOn) {
  const PasswordExpiryPolicy policy;
  const Instant expires = policy.expires_at(rfc3339("2026-03-01T12:00:00Z"));
  EXPECT_FALSE(policy.expired(expires, expires - seconds{1}));
  EXPECT_TRUE(policy.expired(expires, expires));
  EXPECT_TRUE(policy.expired(expires, expires + seconds{86400}));
  const PasswordExpiryPolicy ninety_days{std::chrono::days{90}};
  EXPECT_EQ(to_rfc3339(ninety_days.expires_at(rfc3339("2026-01-01T00:00:00Z"))), "2026-04-01T00:00:00Z");
}

TEST(RateLimit, BurstThenRefill) {
  const RateLimit limit{3, 0.5};  // bursts of 3, then one request every 2 s
  const Instant t0 = rfc3339("2026-11-22T10:00:00Z");
  Bucket bucket = full_bucket(limit, t0);
  EXPECT_TRUE(take(bucket, limit, t0));
  EXPECT_TRUE(take(bucket, limit, t0));
  EXPECT_TRUE(take(bucket, limit, t0));
  EXPECT_FALSE(take(bucket, limit, t0));
  EXPECT_EQ(retry_after(bucket, limit), seconds{2});
  EXPECT_FALSE(take(bucket, limit, t0 + seconds{1}));  // half a token
  EXPECT_EQ(retry_after(bucket, limit), seconds{1});
  EXPECT_TRUE(take(bucket, limit, t0 + seconds{2}));
  EXPECT_FALSE(take(bucket, limit, t0 + seconds{2}));
}

TEST(RateLimit, RefillStopsAtCapacity) {
  const RateLimit limit{2, 1};
  const Instant t0 = rfc3339("2026-11-22T10:00:00Z");
  Bucket bucket{0, t0};
  const Instant later = t0 + seconds{3600};
  EXPECT_TRUE(take(bucket, limit, later));
  EXPECT_TRUE(take(bucket, limit, later));
  EXPECT_FALSE(take(bucket, limit, later));
}

TEST(RateLimit, ClockGoingBackRefillsNothing) {
  const RateLimit limit{1, 1};
  const Instant t0 = rfc3339("2026-11-22T10:00:00Z");
  Bucket bucket = full_bucket(limit, t0);
  EXPECT_TRUE(take(bucket, limit, t0));
  EXPECT_FALSE(take(bucket, limit, t0 - seconds{100}));
  EXPECT_EQ(bucket.updated, t0);
  EXPECT_TRUE(take(bucket, limit, t0 + seconds{1}));
}

TEST(RateLimit, BucketsAreIndependentValues) {
  const RateLimit limit{1, 0.25};
  const Instant t0 = rfc3339("2026-11-22T10:00:00Z");
  Bucket per_nif = full_bucket(limit, t0);
  Bucket per_address = full_bucket(limit, t0);
  EXPECT_TRUE(take(per_nif, limit, t0));
  EXPECT_FALSE(take(per_nif, limit, t0));
  EXPECT_TRUE(take(per_address, limit, t0));
  EXPECT_EQ(retry_after(per_nif, limit), seconds{4});
}

TEST(RateLimit, ALimitThatNeverRefillsSaysOneDay) {
  const RateLimit limit{1, 0};
  const Instant t0 = rfc3339("2026-11-22T10:00:00Z");
  Bucket bucket = full_bucket(limit, t0);
  EXPECT_TRUE(take(bucket, limit, t0));
  EXPECT_FALSE(take(bucket, limit, t0 + seconds{86400 * 30}));
  EXPECT_EQ(retry_after(bucket, limit), seconds{86400});
}

}  // namespace
}  // namespace firma::policies
