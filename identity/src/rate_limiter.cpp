// Token buckets kept in the database (store/rate_limits.h); the arithmetic of policies/rate_limit.h in micro-tokens.
#include "identity/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "store/database.h"
#include "store/rate_limits.h"

namespace firma::identity {

CitizenRateLimits CitizenRateLimits::from_config(const RateLimitSettings& config) {
  return CitizenRateLimits{policies::RateLimit{static_cast<double>(config.per_nif_burst),
                                               static_cast<double>(config.per_nif_per_hour) / 3600},
                           policies::RateLimit{static_cast<double>(config.per_address_burst),
                                               static_cast<double>(config.per_address_per_hour) / 3600}};
}

namespace {

std::int64_t micro(double tokens) {
  return static_cast<std::int64_t>(std::llround(tokens * static_cast<double>(store::kMicroTokens)));
}

std::int64_t capacity_of(const policies::RateLimit& limit) {
  return std::max(micro(limit.capacity), store::kMicroTokens);
}

}  // namespace

RateLimiter::RateLimiter(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<RateDecision> RateLimiter::take_in(store::Tx& tx, std::string_view bucket, const policies::RateLimit& limit,
                                          Instant now) {
  const std::int64_t refill = std::max<std::int64_t>(micro(limit.refill_per_second), 0);
  auto taken = store::RateLimitRows::take(tx, bucket, capacity_of(limit), refill, now);
  if (!taken) return std::move(taken).error();
  if (taken->allowed) return RateDecision{true, std::chrono::seconds{0}};
  const policies::Bucket state{static_cast<double>(taken->tokens) / static_cast<double>(store::kMicroTokens), now};
  return RateDecision{false, policies::retry_after(state, limit)};
}

Status RateLimiter::give_back_in(store::Tx& tx, std::string_view bucket, const policies::RateLimit& limit) {
  return store::RateLimitRows::give_back(tx, bucket, store::kMicroTokens, capacity_of(limit));
}

Result<RateDecision> RateLimiter::take(std::string_view bucket, const policies::RateLimit& limit) {
  const Instant now = clock_.now();
  return db_.transact([&](store::Tx& tx) { return take_in(tx, bucket, limit, now); });
}

Result<std::int64_t> RateLimiter::purge_idle(std::chrono::seconds idle) {
  const Instant before = clock_.now() - idle;
  return db_.transact([&](store::Tx& tx) { return store::RateLimitRows::purge_idle(tx, before); });
}

}  // namespace firma::identity
