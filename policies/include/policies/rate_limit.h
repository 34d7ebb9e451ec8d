// A token bucket as a value: the rule (capacity, refill) and one bucket's state; the service keeps buckets.
#pragma once

#include <chrono>

#include "core/clock.h"

namespace firma::policies {

// Up to `capacity` requests in a burst, then `refill_per_second` requests per second on average.
struct RateLimit {
  double capacity;
  double refill_per_second;
};

struct Bucket {
  double tokens;
  Instant updated;
};

// A bucket that has not been used yet: full.
Bucket full_bucket(const RateLimit& limit, Instant now);

// Refills the bucket for the time since it was last updated (never above capacity; a clock that went
// back refills nothing), then takes one token if there is one. True when the request may go on.
// Pure: changes only `bucket`.
bool take(Bucket& bucket, const RateLimit& limit, Instant now);

// After a refused take(): whole seconds until a token is available (at least 1), for Retry-After
// (RFC 9110 10.2.3). A limit that never refills answers one day.
std::chrono::seconds retry_after(const Bucket& bucket, const RateLimit& limit);

}  // namespace firma::policies
