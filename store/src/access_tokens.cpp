// Access tokens over the access_tokens table (migration 0007).
#include "store/access_tokens.h"

namespace firma::store {
namespace {

constexpr std::string_view kColumns =
    "id, value_sha256, refresh_sha256, citizen_id, app_id, issued_at, expires_at, refresh_expires_at, revoked_at";

std::optional<Instant> optional_instant(const Row& row, std::size_t column) {
  if (auto unix_seconds = row.optional_integer(column)) return from_unix(*unix_seconds);
  return std::nullopt;
}

Value optional_value(const std::optional<Instant>& at) {
  return at ? Value(to_unix(*at)) : Value(nullptr);
}

Result<std::optional<AccessTokenRecord>> find_one(Tx& tx, std::string_view column, const std::string& hash) {
  auto rows = tx.query("SELECT " + std::string(kColumns) + " FROM access_tokens WHERE " + std::string(column) + " = $1",
                       {hash});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<AccessTokenRecord>{};
  const Row& row = rows->front();
  return std::optional<AccessTokenRecord>(AccessTokenRecord{
      row.text(0), row.text(1), row.optional_text(2), CitizenId(row.text(3)), AppId(row.text(4)),
      from_unix(row.integer(5)), from_unix(row.integer(6)), optional_instant(row, 7), optional_instant(row, 8)});
}

}  // namespace

Status AccessTokenRecords::insert(Tx& tx, const AccessTokenRecord& r) {
  auto done = tx.execute(
      "INSERT INTO access_tokens (" + std::string(kColumns) + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {r.id, r.value_sha256, r.refresh_sha256 ? Value(*r.refresh_sha256) : Value(nullptr), r.citizen_id.str(),
       r.app_id.str(), to_unix(r.issued_at), to_unix(r.expires_at), optional_value(r.refresh_expires_at),
       optional_value(r.revoked_at)});
  if (!done) return std::move(done).error();
  return {};
}

Result<std::optional<AccessTokenRecord>> AccessTokenRecords::find_by_value(Tx& tx, const std::string& value_sha256) {
  return find_one(tx, "value_sha256", value_sha256);
}

Result<std::optional<AccessTokenRecord>> AccessTokenRecords::find_by_refresh(Tx& tx,
                                                                             const std::string& refresh_sha256) {
  return find_one(tx, "refresh_sha256", refresh_sha256);
}

Result<std::int64_t> AccessTokenRecords::purge_ended(Tx& tx, Instant before) {
  return tx.execute(
      "DELETE FROM access_tokens WHERE (revoked_at IS NOT NULL AND revoked_at < $1) OR "
      "(expires_at < $1 AND (refresh_expires_at IS NULL OR refresh_expires_at < $1))",
      {to_unix(before)});
}

Result<bool> AccessTokenRecords::revoke(Tx& tx, const std::string& id, Instant at) {
  auto updated =
      tx.execute("UPDATE access_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", {id, to_unix(at)});
  if (!updated) return std::move(updated).error();
  return *updated == 1;
}

}  // namespace firma::store
