// Wrapped key custody over the tables of migration 0012: key_encryption_keys, wrapped_keys.
#include "store/wrapped_keys.h"

#include <utility>

namespace firma::store {
namespace {

Value optional_instant(const std::optional<Instant>& at) {
  if (!at) return nullptr;
  return to_unix(*at);
}

constexpr std::string_view kKekColumns = "kek_id, state, created_at, retired_at, destroyed_at";

KekRecord kek_from(const Row& row) {
  KekRecord record{KeyId(row.text(0)), row.text(1), from_unix(row.integer(2)), std::nullopt, std::nullopt};
  if (auto at = row.optional_integer(3)) record.retired_at = from_unix(*at);
  if (auto at = row.optional_integer(4)) record.destroyed_at = from_unix(*at);
  return record;
}

constexpr std::string_view kWrappedColumns = "key_id, kek_id, algorithm, public_key, wrapped, created_at, rewrapped_at";

WrappedKeyRecord wrapped_from(const Row& row) {
  WrappedKeyRecord record{KeyId(row.text(0)), KeyId(row.text(1)),        row.text(2), row.blob(3),
                          row.blob(4),        from_unix(row.integer(5)), std::nullopt};
  if (auto at = row.optional_integer(6)) record.rewrapped_at = from_unix(*at);
  return record;
}

}  // namespace

Status KekRecords::insert(Tx& tx, const KekRecord& r) {
  auto done =
      tx.execute("INSERT INTO key_encryption_keys (" + std::string(kKekColumns) + ") VALUES ($1, $2, $3, $4, $5)",
                 {r.kek_id.str(), r.state, to_unix(r.created_at), optional_instant(r.retired_at),
                  optional_instant(r.destroyed_at)});
  if (!done) return std::move(done).error();
  return {};
}

Result<std::optional<KekRecord>> KekRecords::current(Tx& tx) {
  auto rows = tx.query("SELECT " + std::string(kKekColumns) + " FROM key_encryption_keys WHERE state = 'current'", {});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<KekRecord>{};
  return std::optional<KekRecord>{kek_from(rows->front())};
}

Result<std::vector<KekRecord>> KekRecords::list(Tx& tx) {
  auto rows =
      tx.query("SELECT " + std::string(kKekColumns) + " FROM key_encryption_keys ORDER BY created_at, kek_id", {});
  if (!rows) return std::move(rows).error();
  std::vector<KekRecord> out;
  for (const Row& row : *rows) out.push_back(kek_from(row));
  return out;
}

Result<bool> KekRecords::move(Tx& tx, const KeyId& kek_id, std::string_view from, std::string_view to, Instant at) {
  const std::string stamp = to == "destroyed" ? "destroyed_at" : "retired_at";
  auto done =
      tx.execute("UPDATE key_encryption_keys SET state = $1, " + stamp + " = $2 WHERE kek_id = $3 AND state = $4",
                 {std::string(to), to_unix(at), kek_id.str(), std::string(from)});
  if (!done) return std::move(done).error();
  return *done > 0;
}

Result<bool> KekRecords::hold(Tx& tx, const KeyId& kek_id) {
  auto done = tx.execute("UPDATE key_encryption_keys SET state = state WHERE kek_id = $1 AND state <> 'destroyed'",
                         {kek_id.str()});
  if (!done) return std::move(done).error();
  return *done > 0;
}

Status WrappedKeyRecords::insert(Tx& tx, const WrappedKeyRecord& r) {
  auto done =
      tx.execute("INSERT INTO wrapped_keys (" + std::string(kWrappedColumns) + ") VALUES ($1, $2, $3, $4, $5, $6, $7)",
                 {r.key_id.str(), r.kek_id.str(), r.algorithm, r.public_key, r.wrapped, to_unix(r.created_at),
                  optional_instant(r.rewrapped_at)});
  if (!done) return std::move(done).error();
  return {};
}

Result<std::optional<WrappedKeyRecord>> WrappedKeyRecords::find(Tx& tx, const KeyId& key_id) {
  auto rows =
      tx.query("SELECT " + std::string(kWrappedColumns) + " FROM wrapped_keys WHERE key_id = $1", {key_id.str()});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<WrappedKeyRecord>{};
  return std::optional<WrappedKeyRecord>{wrapped_from(rows->front())};
}

Result<std::vector<WrappedKeyRecord>> WrappedKeyRecords::under(Tx& tx, const KeyId& kek_id, std::size_t limit) {
  auto rows = tx.query(
      "SELECT " + std::string(kWrappedColumns) + " FROM wrapped_keys WHERE kek_id = $1 ORDER BY key_id LIMIT $2",
      {kek_id.str(), static_cast<std::int64_t>(limit)});
  if (!rows) return std::move(rows).error();
  std::vector<WrappedKeyRecord> out;
  out.reserve(rows->size());
  for (const Row& row : *rows) out.push_back(wrapped_from(row));
  return out;
}

Result<std::int64_t> WrappedKeyRecords::count_under(Tx& tx, const KeyId& kek_id) {
  auto rows = tx.query("SELECT COUNT(*) FROM wrapped_keys WHERE kek_id = $1", {kek_id.str()});
  if (!rows) return std::move(rows).error();
  return rows->front().integer(0);
}

Result<bool> WrappedKeyRecords::rewrap(Tx& tx, const KeyId& key_id, const KeyId& from, const KeyId& to,
                                       const Bytes& wrapped, Instant at) {
  auto done = tx.execute(
      "UPDATE wrapped_keys SET kek_id = $1, wrapped = $2, rewrapped_at = $3 WHERE key_id = $4 AND kek_id = $5",
      {to.str(), wrapped, to_unix(at), key_id.str(), from.str()});
  if (!done) return std::move(done).error();
  return *done > 0;
}

Result<bool> WrappedKeyRecords::remove(Tx& tx, const KeyId& key_id) {
  auto done = tx.execute("DELETE FROM wrapped_keys WHERE key_id = $1", {key_id.str()});
  if (!done) return std::move(done).error();
  return *done > 0;
}

}  // namespace firma::store
