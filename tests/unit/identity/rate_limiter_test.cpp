// Token buckets in the database: burst, refill with the clock, Retry-After, independence, and atomicity.
#include "identity/rate_limiter.h"

#include <atomic>
#include <thread>

#include "identity_fixture.h"

namespace firma::identity::testing {
namespace {

using namespace std::chrono_literals;

class RateLimiterTest : public IdentityTest {};

TEST_P(RateLimiterTest, AllowsTheBurstThenRefusesWithRetryAfter) {
  RateLimiter limiter(*db_, clock_);
  const policies::RateLimit limit{3, 1.0 / 60};  // 3 at once, then one a minute
  for (int i = 0; i < 3; ++i) {
    auto d = limiter.take("nif:12345678Z", limit);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_TRUE(d->allowed) << i;
  }
  auto refused = limiter.take("nif:12345678Z", limit);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->allowed);
  EXPECT_EQ(refused->retry_after, 60s);

  clock_.advance(30s);
  auto half = limiter.take("nif:12345678Z", limit);
  ASSERT_TRUE(half.ok());
  EXPECT_FALSE(half->allowed);
  EXPECT_EQ(half->retry_after, 30s) << "half a token came back";

  clock_.advance(30s);
  auto again = limiter.take("nif:12345678Z", limit);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->allowed);
  auto after = limiter.take("nif:12345678Z", limit);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->allowed);
}

TEST_P(RateLimiterTest, BucketsAreIndependentAndRefillOnlyToCapacity) {
  RateLimiter limiter(*db_, clock_);
  const policies::RateLimit limit{2, 1.0};
  ASSERT_TRUE(limiter.take("a", limit)->allowed);
  ASSERT_TRUE(limiter.take("a", limit)->allowed);
  EXPECT_FALSE(limiter.take("a", limit)->allowed);
  EXPECT_TRUE(limiter.take("b", limit)->allowed) << "another key has its own bucket";

  clock_.advance(24h);  // a long idle time refills to the capacity, not beyond
  EXPECT_TRUE(limiter.take("a", limit)->allowed);
  EXPECT_TRUE(limiter.take("a", limit)->allowed);
  EXPECT_FALSE(limiter.take("a", limit)->allowed);
}

TEST_P(RateLimiterTest, AClockThatGoesBackRefillsNothing) {
  RateLimiter limiter(*db_, clock_);
  const policies::RateLimit limit{1, 1.0};
  ASSERT_TRUE(limiter.take("k", limit)->allowed);
  clock_.set(t0 - 1h);
  EXPECT_FALSE(limiter.take("k", limit)->allowed);
  clock_.set(t0);
  EXPECT_FALSE(limiter.take("k", limit)->allowed) << "the bucket remembers the latest time it saw";
  clock_.set(t0 + 1s);
  EXPECT_TRUE(limiter.take("k", limit)->allowed);
}

TEST_P(RateLimiterTest, ConcurrentRequestsNeverTakeMoreThanTheBucketHolds) {
  RateLimiter limiter(*db_, clock_);
  const policies::RateLimit limit{5, 0.0};
  std::atomic<int> allowed{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&] {
      auto d = limiter.take("shared", limit);
      if (!d.ok())
        ++failed;
      else if (d->allowed)
        ++allowed;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(allowed.load(), 5);
}

TEST_P(RateLimiterTest, IdleBucketsArePurged) {
  RateLimiter limiter(*db_, clock_);
  const policies::RateLimit limit{1, 1.0 / 3600};
  ASSERT_TRUE(limiter.take("old", limit)->allowed);
  clock_.advance(25h);
  ASSERT_TRUE(limiter.take("recent", limit)->allowed);
  auto purged = limiter.purge_idle(24h);
  ASSERT_TRUE(purged.ok()) << purged.error().message;
  EXPECT_EQ(*purged, 1);
  EXPECT_FALSE(limiter.take("recent", limit)->allowed) << "the recent bucket is kept";
  EXPECT_TRUE(limiter.take("old", limit)->allowed);
}

TEST_P(RateLimiterTest, LimitsComeFromTheConfiguration) {
  RateLimitSettings settings;
  config::Registry keys;
  keys.add(rate_limit_setting_keys(), settings);
  ASSERT_TRUE(keys.set("rate_limit.per_nif.burst", "4").ok());
  ASSERT_TRUE(keys.set("rate_limit.per_nif.per_hour", "36").ok());
  auto limits = CitizenRateLimits::from_config(settings);
  EXPECT_EQ(limits.per_nif.capacity, 4);
  EXPECT_DOUBLE_EQ(limits.per_nif.refill_per_second, 0.01);
  EXPECT_EQ(limits.per_address.capacity, 60);
}

INSTANTIATE_TEST_SUITE_P(Identity, RateLimiterTest,
                         ::testing::Values(store::Backend::sqlite, store::Backend::postgresql), backend_name);

}  // namespace
}  // namespace firma::identity::testing
