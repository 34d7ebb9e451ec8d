// Rate limits over the database: token buckets that every node shares (the Cl@ve forms' bot protection).
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "policies/rate_limit.h"

namespace firma::store {
class Database;
}

namespace firma::identity {

struct RateDecision {
  bool allowed = true;
  std::chrono::seconds retry_after{0};  // when refused: whole seconds until a token is back (RFC 9110 10.2.3)
};

// The limits of the public citizen endpoints, from rate_limit.* in the configuration.
struct CitizenRateLimits {
  policies::RateLimit per_nif{10, 30.0 / 3600};
  policies::RateLimit per_address{60, 600.0 / 3600};

  static CitizenRateLimits from_config(const RateLimitConfig& config);
};

class RateLimiter {
 public:
  RateLimiter(store::Database& db, const Clock& clock);

  // Takes one token from `bucket` ("nif:12345678Z", "address:192.0.2.1", ...) under `limit`, atomically in the
  // database. Errors only when the database fails (`unavailable`, ...): the caller decides whether to fail open.
  Result<RateDecision> take(std::string_view bucket, const policies::RateLimit& limit);

  // Deletes buckets unused for `idle` (by then any of them is full again under the citizen limits, so forgetting
  // it changes nothing); how many. For the periodic upkeep.
  Result<std::int64_t> purge_idle(std::chrono::seconds idle = std::chrono::hours(24));

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace firma::identity
