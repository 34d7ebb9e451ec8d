// SAD records over the sads and sad_uses tables (migration 0004).
#include "store/sads.h"

namespace firma::store {

Status SadRecords::insert(Tx& tx, const SadRecord& r) {
  auto done = tx.execute(
      "INSERT INTO sads (id, transaction_id, citizen_id, key_id, digests_sha256, digest_count, minted_at, expires_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {r.id, r.transaction_id.str(), r.citizen_id.str(), r.key_id.str(), r.digests_sha256,
       static_cast<std::int64_t>(r.digest_count), to_unix(r.minted_at), to_unix(r.expires_at)});
  if (!done) return std::move(done).error();
  return {};
}

Result<std::optional<SadRecord>> SadRecords::find(Tx& tx, const std::string& id) {
  auto rows = tx.query(
      "SELECT id, transaction_id, citizen_id, key_id, digests_sha256, digest_count, minted_at, expires_at "
      "FROM sads WHERE id = $1",
      {id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<SadRecord>{};
  const Row& row = rows->front();
  return std::optional<SadRecord>(SadRecord{row.text(0), TransactionId(row.text(1)), CitizenId(row.text(2)),
                                            KeyId(row.text(3)), row.text(4), static_cast<int>(row.integer(5)),
                                            from_unix(row.integer(6)), from_unix(row.integer(7))});
}

Result<bool> SadRecords::use(Tx& tx, const std::string& id, int index, Instant at) {
  // ON CONFLICT DO NOTHING: a second use inserts nothing instead of failing the surrounding transaction.
  auto inserted = tx.execute(
      "INSERT INTO sad_uses (sad_id, digest_index, used_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (sad_id, digest_index) DO NOTHING",
      {id, static_cast<std::int64_t>(index), to_unix(at)});
  if (!inserted) return std::move(inserted).error();
  return *inserted == 1;
}

Status SadRecords::revoke_for_transaction(Tx& tx, const TransactionId& transaction, Instant at) {
  auto done = tx.execute("UPDATE sads SET expires_at = $2 WHERE transaction_id = $1 AND expires_at > $2",
                         {transaction.str(), to_unix(at)});
  if (!done) return std::move(done).error();
  return {};
}

}  // namespace firma::store
