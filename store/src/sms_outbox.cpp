// The sms_outbox table (migration 0002).
#include "store/sms_outbox.h"

#include <algorithm>
#include <utility>

namespace firma::store {

Result<std::int64_t> SmsOutboxRows::insert(Tx& tx, std::string_view to, std::string_view body, Instant at) {
  auto rows = tx.query("INSERT INTO sms_outbox (to_number, body, created_at) VALUES ($1, $2, $3) RETURNING id",
                       {std::string(to), std::string(body), to_unix(at)});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return make_error(ErrorCode::internal, "sms outbox: the insert returned no id");
  return rows->front().integer(0);
}

Result<std::vector<OutboxRow>> SmsOutboxRows::list(Tx& tx, const std::optional<std::string>& to, std::size_t limit) {
  const auto n = static_cast<std::int64_t>(limit);
  auto rows = to ? tx.query(
                       "SELECT id, to_number, body, created_at FROM sms_outbox WHERE to_number = $1 "
                       "ORDER BY id DESC LIMIT $2",
                       {*to, n})
                 : tx.query("SELECT id, to_number, body, created_at FROM sms_outbox ORDER BY id DESC LIMIT $1", {n});
  if (!rows.ok()) return std::move(rows).error();
  std::vector<OutboxRow> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) out.push_back(OutboxRow{r.integer(0), r.text(1), r.text(2), from_unix(r.integer(3))});
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace firma::store
