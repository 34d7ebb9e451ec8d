// Token buckets over the rate_limits table (migration 0002), decided in one upsert statement.
#include "store/rate_limits.h"

#include <string>
#include <utility>

namespace firma::store {
namespace {

// $2 capacity, $3 refill per second, $4 now (all micro-tokens / unix seconds). The refill counts at most
// kMaxElapsed seconds so that the product cannot overflow 64 bits whatever the idle time.
std::string take_statement() {
  const std::string now = "CAST($4 AS BIGINT)";
  const std::string capacity = "CAST($2 AS BIGINT)";
  const std::string elapsed = "(CASE WHEN " + now + " > rate_limits.updated_at THEN (CASE WHEN " + now +
                              " - rate_limits.updated_at > 1000000 THEN 1000000 ELSE " + now +
                              " - rate_limits.updated_at END) ELSE 0 END)";
  const std::string raw = "(rate_limits.tokens + " + elapsed + " * CAST($3 AS BIGINT))";
  const std::string refilled = "(CASE WHEN " + raw + " > " + capacity + " THEN " + capacity + " ELSE " + raw + " END)";
  const std::string one = std::to_string(kMicroTokens);
  return "INSERT INTO rate_limits (bucket, tokens, updated_at, last_allowed) VALUES ($1, " + capacity + " - " + one +
         ", " + now + ", 1) ON CONFLICT (bucket) DO UPDATE SET tokens = CASE WHEN " + refilled + " >= " + one +
         " THEN " + refilled + " - " + one + " ELSE " + refilled + " END, last_allowed = CASE WHEN " + refilled +
         " >= " + one + " THEN 1 ELSE 0 END, updated_at = CASE WHEN " + now + " > rate_limits.updated_at THEN " + now +
         " ELSE rate_limits.updated_at END RETURNING last_allowed, tokens";
}

}  // namespace

Result<BucketTake> RateLimitRows::take(Tx& tx, std::string_view bucket, std::int64_t capacity,
                                       std::int64_t refill_per_second, Instant now) {
  if (capacity < kMicroTokens || refill_per_second < 0)
    return make_error(ErrorCode::internal, "rate limit: capacity below one token or negative refill");
  static const std::string statement = take_statement();
  auto rows = tx.query(statement, {std::string(bucket), capacity, refill_per_second, to_unix(now)});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->size() != 1) return make_error(ErrorCode::internal, "rate limit: the upsert returned no row");
  return BucketTake{rows->front().integer(0) == 1, rows->front().integer(1)};
}

Status RateLimitRows::give_back(Tx& tx, std::string_view bucket, std::int64_t tokens, std::int64_t capacity) {
  auto updated = tx.execute(
      "UPDATE rate_limits SET tokens = CASE WHEN tokens + CAST($2 AS BIGINT) > CAST($3 AS BIGINT) THEN "
      "CAST($3 AS BIGINT) ELSE tokens + CAST($2 AS BIGINT) END WHERE bucket = $1",
      {std::string(bucket), tokens, capacity});
  if (!updated) return std::move(updated).error();
  return {};
}

Result<std::int64_t> RateLimitRows::purge_idle(Tx& tx, Instant before) {
  return tx.execute("DELETE FROM rate_limits WHERE updated_at < $1", {to_unix(before)});
}

}  // namespace firma::store
