// Rate-limit token buckets shared by every node: one atomic upsert per request decides and records.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "store/database.h"

namespace firma::store {

// One token is this many micro-tokens: integer arithmetic, the same on SQLite and PostgreSQL.
inline constexpr std::int64_t kMicroTokens = 1'000'000;

struct BucketTake {
  bool allowed = false;
  std::int64_t tokens = 0;  // micro-tokens left afterwards
};

class RateLimitRows {
 public:
  // Refills the bucket for the seconds since its last use (up to `capacity`; a clock that went back refills
  // nothing), then takes one token if there is one, in one INSERT ... ON CONFLICT DO UPDATE ... RETURNING, so
  // concurrent requests on any number of nodes never take more tokens than the bucket holds. A new bucket starts
  // full. capacity >= kMicroTokens and refill_per_second >= 0, in micro-tokens.
  static Result<BucketTake> take(Tx& tx, std::string_view bucket, std::int64_t capacity, std::int64_t refill_per_second,
                                 Instant now);
  // Puts back `tokens` taken from the bucket (never above `capacity`), for a request that turned out not to count;
  // nothing when the bucket is unknown.
  static Status give_back(Tx& tx, std::string_view bucket, std::int64_t tokens, std::int64_t capacity);
  // Deletes buckets last used before `before` (the caller picks a time by which any of them is full again).
  static Result<std::int64_t> purge_idle(Tx& tx, Instant before);
};

}  // namespace firma::store
