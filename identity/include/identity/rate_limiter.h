// Rate limits over the database: token buckets that every node shares (the Cl@ve forms' bot protection).
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "identity/settings.h"
#include "policies/rate_limit.h"

namespace firma::store {
class Database;
class Tx;
}  // namespace firma::store

namespace firma::identity {

struct RateDecision {
  bool allowed = true;
  std::chrono::seconds retry_after{0};  // when refused: whole seconds until a token is back (RFC 9110 10.2.3)
};

// The limits of the public citizen endpoints, from rate_limit.* in the configuration.
struct CitizenRateLimits {
  policies::RateLimit per_nif{10, 30.0 / 3600};
  policies::RateLimit per_address{60, 600.0 / 3600};

  static CitizenRateLimits from_config(const RateLimitSettings& config);
};

class RateLimiter {
 public:
  RateLimiter(store::Database& db, const Clock& clock);

  // Takes one token from `bucket` ("nif:12345678Z", "address:192.0.2.1", ...) under `limit`, atomically in the
  // database. Errors only when the database fails (`unavailable`, ...): the caller decides whether to fail open.
  Result<RateDecision> take(std::string_view bucket, const policies::RateLimit& limit);

  // The same within the caller's database transaction, for a count that must be atomic with the caller's
  // work: on PostgreSQL the bucket's row stays locked until tx ends, so callers on any node queue behind it.
  static Result<RateDecision> take_in(store::Tx& tx, std::string_view bucket, const policies::RateLimit& limit,
                                      Instant now);
  // Puts back the token take_in took, within tx, for a request that turned out not to count.
  static Status give_back_in(store::Tx& tx, std::string_view bucket, const policies::RateLimit& limit);

  // Deletes buckets unused for `idle` (by then any of them is full again under the citizen limits, so forgetting
  // it changes nothing); how many. For the periodic upkeep.
  Result<std::int64_t> purge_idle(std::chrono::seconds idle = std::chrono::hours(24));

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace firma::identity
