// SAD records over the sads, sad_entries and sad_uses tables (migration 0006).
#include "store/sads.h"

#include <algorithm>

namespace firma::store {
namespace {

constexpr std::string_view kColumns =
    "id, value_sha256, citizen_id, key_id, app_id, transaction_id, budget, spent, minted_at, expires_at";

SadRecord to_record(const Row& row) {
  const auto transaction = row.optional_text(5);
  return SadRecord{row.text(0),
                   row.text(1),
                   CitizenId(row.text(2)),
                   KeyId(row.text(3)),
                   AppId(row.text(4)),
                   transaction ? std::optional<TransactionId>(TransactionId(*transaction)) : std::nullopt,
                   static_cast<int>(row.integer(6)),
                   static_cast<int>(row.integer(7)),
                   from_unix(row.integer(8)),
                   from_unix(row.integer(9))};
}

}  // namespace

Status SadRecords::insert(Tx& tx, const SadRecord& r, const std::vector<SadEntryRecord>& entries) {
  auto done = tx.execute(
      "INSERT INTO sads (" + std::string(kColumns) + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {r.id, r.value_sha256, r.citizen_id.str(), r.key_id.str(), r.app_id.str(),
       r.transaction_id ? Value(r.transaction_id->str()) : Value(nullptr), static_cast<std::int64_t>(r.budget),
       static_cast<std::int64_t>(r.spent), to_unix(r.minted_at), to_unix(r.expires_at)});
  if (!done) return std::move(done).error();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const SadEntryRecord& e = entries[i];
    auto inserted = tx.execute(
        "INSERT INTO sad_entries (sad_id, position, digest_algorithm, digest, padding) VALUES ($1, $2, $3, $4, $5)",
        {r.id, static_cast<std::int64_t>(i), e.digest_algorithm, e.digest, e.padding});
    if (!inserted) return std::move(inserted).error();
  }
  return {};
}

Result<std::optional<SadRecord>> SadRecords::find_by_value(Tx& tx, const std::string& value_sha256) {
  auto rows = tx.query("SELECT " + std::string(kColumns) + " FROM sads WHERE value_sha256 = $1", {value_sha256});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<SadRecord>{};
  return std::optional<SadRecord>(to_record(rows->front()));
}

Result<std::vector<SadEntryState>> SadRecords::entries(Tx& tx, const std::string& id) {
  auto rows = tx.query(
      "SELECT e.position, e.digest_algorithm, e.digest, e.padding, u.position IS NOT NULL "
      "FROM sad_entries e LEFT JOIN sad_uses u ON u.sad_id = e.sad_id AND u.position = e.position "
      "WHERE e.sad_id = $1 ORDER BY e.position",
      {id});
  if (!rows) return std::move(rows).error();
  std::vector<SadEntryState> out;
  out.reserve(rows->size());
  for (const Row& row : *rows)
    out.push_back({static_cast<int>(row.integer(0)), {row.text(1), row.blob(2), row.text(3)}, row.integer(4) != 0});
  return out;
}

Result<std::vector<SadEntryState>> SadRecords::entries_with_digests(Tx& tx, const std::string& id,
                                                                    const std::vector<Bytes>& digests) {
  constexpr std::size_t kPerStatement = 500;  // well under SQLite's and PostgreSQL's bound on parameters
  std::vector<SadEntryState> out;
  for (std::size_t from = 0; from < digests.size(); from += kPerStatement) {
    const std::size_t to = std::min(digests.size(), from + kPerStatement);
    std::string sql =
        "SELECT e.position, e.digest_algorithm, e.digest, e.padding, u.position IS NOT NULL "
        "FROM sad_entries e LEFT JOIN sad_uses u ON u.sad_id = e.sad_id AND u.position = e.position "
        "WHERE e.sad_id = $1 AND e.digest IN (";
    std::vector<Value> values{id};
    values.reserve(1 + to - from);
    for (std::size_t i = from; i < to; ++i) {
      sql += (i == from ? "$" : ", $") + std::to_string(values.size() + 1);
      values.emplace_back(digests[i]);
    }
    sql += ") ORDER BY e.position";
    auto rows = tx.query(sql, values);
    if (!rows) return std::move(rows).error();
    for (const Row& row : *rows)
      out.push_back({static_cast<int>(row.integer(0)), {row.text(1), row.blob(2), row.text(3)}, row.integer(4) != 0});
  }
  // Chunks may interleave positions; matching takes the lowest unspent position first.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.position < b.position; });
  return out;
}

Result<bool> SadRecords::use(Tx& tx, const std::string& id, int position, Instant at) {
  // ON CONFLICT DO NOTHING: a second use inserts nothing instead of failing the surrounding transaction.
  auto inserted = tx.execute(
      "INSERT INTO sad_uses (sad_id, position, used_at) VALUES ($1, $2, $3) ON CONFLICT (sad_id, position) DO NOTHING",
      {id, static_cast<std::int64_t>(position), to_unix(at)});
  if (!inserted) return std::move(inserted).error();
  return *inserted == 1;
}

Result<bool> SadRecords::use_all(Tx& tx, const std::string& id, const std::vector<int>& positions, Instant at) {
  constexpr std::size_t kPerStatement = 500;  // well under SQLite's and PostgreSQL's bound on parameters
  for (std::size_t from = 0; from < positions.size(); from += kPerStatement) {
    const std::size_t to = std::min(positions.size(), from + kPerStatement);
    std::string sql = "INSERT INTO sad_uses (sad_id, position, used_at) VALUES ";
    std::vector<Value> values{id, to_unix(at)};
    values.reserve(2 + to - from);
    for (std::size_t i = from; i < to; ++i) {
      sql += (i == from ? "($1, $" : ", ($1, $") + std::to_string(values.size() + 1) + ", $2)";
      values.emplace_back(static_cast<std::int64_t>(positions[i]));
    }
    sql += " ON CONFLICT (sad_id, position) DO NOTHING";
    auto inserted = tx.execute(sql, values);
    if (!inserted) return std::move(inserted).error();
    if (*inserted != static_cast<std::int64_t>(to - from)) return false;
  }
  return true;
}

Result<bool> SadRecords::spend(Tx& tx, const std::string& id, int count, Instant at) {
  // One statement decides: PostgreSQL re-reads the row a concurrent signer or a revocation has just changed.
  auto updated =
      tx.execute("UPDATE sads SET spent = spent + $2 WHERE id = $1 AND spent + $2 <= budget AND expires_at > $3",
                 {id, static_cast<std::int64_t>(count), to_unix(at)});
  if (!updated) return std::move(updated).error();
  return *updated == 1;
}

Result<bool> SadRecords::end(Tx& tx, const std::string& id, Instant at) {
  auto done = tx.execute("UPDATE sads SET expires_at = $2 WHERE id = $1 AND expires_at > $2", {id, to_unix(at)});
  if (!done) return std::move(done).error();
  return *done == 1;
}

Status SadRecords::revoke_for_transaction(Tx& tx, const TransactionId& transaction, Instant at) {
  auto done = tx.execute("UPDATE sads SET expires_at = $2 WHERE transaction_id = $1 AND expires_at > $2",
                         {transaction.str(), to_unix(at)});
  if (!done) return std::move(done).error();
  return {};
}

}  // namespace firma::store
