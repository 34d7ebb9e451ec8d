// Token bucket arithmetic.
#include "policies/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace firma::policies {

Bucket full_bucket(const RateLimit& limit, Instant now) {
  return Bucket{limit.capacity, now};
}

bool take(Bucket& bucket, const RateLimit& limit, Instant now) {
  if (now > bucket.updated) {
    const auto elapsed = static_cast<double>((now - bucket.updated).count());
    bucket.tokens = std::min(limit.capacity, bucket.tokens + elapsed * std::max(0.0, limit.refill_per_second));
    bucket.updated = now;
  }
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

std::chrono::seconds retry_after(const Bucket& bucket, const RateLimit& limit) {
  constexpr std::chrono::seconds kNever{24 * 3600};
  if (limit.refill_per_second <= 0.0 || limit.capacity < 1.0) return kNever;
  const double missing = std::max(0.0, 1.0 - bucket.tokens);
  const double seconds = std::clamp(std::ceil(missing / limit.refill_per_second), 1.0, double(kNever.count()));
  return std::chrono::seconds{static_cast<std::chrono::seconds::rep>(seconds)};
}

}  // namespace firma::policies
