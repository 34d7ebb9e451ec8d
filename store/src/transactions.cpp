// Signing transactions over the transactions and transaction_documents tables (migrations 0004, 0009).
#include "store/transactions.h"

#include "typed_columns.h"

namespace firma::store {
namespace {

constexpr std::string_view kColumns =
    "id, app_id, nif, return_url, status, created_at, expires_at, citizen_id, key_id, certificate, challenge_id, "
    "signing_time, finished_at, retrieved_at, failure, claim_id, claimed_at, return_url_as_given, other_return_url, "
    "all_or_nothing, description, default_format, default_digest_algorithm, default_attached, default_key_kind";

std::optional<Instant> optional_instant(const Row& row, std::size_t column) {
  if (auto v = row.optional_integer(column)) return from_unix(*v);
  return std::nullopt;
}

std::optional<Bytes> optional_blob(const Row& row, std::size_t column) {
  if (row.is_null(column)) return std::nullopt;
  return row.blob(column);
}

template <class Id>
std::optional<Id> optional_id(const Row& row, std::size_t column) {
  if (auto v = row.optional_text(column)) return Id(*v);
  return std::nullopt;
}

Result<TransactionRecord> transaction_from(const Row& row) {
  auto status = typed_column(parse_transaction_status, "transaction status", row.text(4));
  if (!status) return std::move(status).error();
  TransactionRecord t;
  t.id = TransactionId(row.text(0));
  t.app_id = AppId(row.text(1));
  t.nif = row.text(2);
  t.return_url = row.text(3);
  t.status = *status;
  t.created_at = from_unix(row.integer(5));
  t.expires_at = from_unix(row.integer(6));
  t.citizen_id = optional_id<CitizenId>(row, 7);
  t.key_id = optional_id<KeyId>(row, 8);
  t.certificate = optional_blob(row, 9);
  t.challenge_id = optional_id<ChallengeId>(row, 10);
  t.signing_time = optional_instant(row, 11);
  t.finished_at = optional_instant(row, 12);
  t.retrieved_at = optional_instant(row, 13);
  t.failure = row.optional_text(14).value_or("");
  t.claim_id = row.optional_text(15);
  t.claimed_at = optional_instant(row, 16);
  t.return_url_as_given = row.integer(17) != 0;
  t.other_return_url = row.optional_text(18);
  t.all_or_nothing = row.integer(19) != 0;
  t.description = row.text(20);
  t.default_format = row.text(21);
  t.default_digest_algorithm = row.text(22);
  t.default_attached = row.integer(23) != 0;
  t.default_key_kind = row.text(24);
  return t;
}

Status done(Result<std::int64_t> r) {
  if (!r) return std::move(r).error();
  return {};
}

}  // namespace

Status TransactionRecords::insert(Tx& tx, const TransactionRecord& t, const std::vector<DocumentRecord>& documents) {
  const Value other_return_url = t.other_return_url ? Value(*t.other_return_url) : Value(nullptr);
  if (Status s = done(tx.execute(
          "INSERT INTO transactions (id, app_id, nif, return_url, status, created_at, expires_at, return_url_as_given, "
          "other_return_url, all_or_nothing, description, default_format, default_digest_algorithm, default_attached, "
          "default_key_kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
          {t.id.str(), t.app_id.str(), t.nif, t.return_url, std::string(to_string(t.status)), to_unix(t.created_at),
           to_unix(t.expires_at), static_cast<std::int64_t>(t.return_url_as_given ? 1 : 0), other_return_url,
           static_cast<std::int64_t>(t.all_or_nothing ? 1 : 0), t.description, t.default_format,
           t.default_digest_algorithm, static_cast<std::int64_t>(t.default_attached ? 1 : 0), t.default_key_kind}));
      !s)
    return s;
  for (const DocumentRecord& d : documents)
    if (Status s = add_document(tx, t.id, d); !s) return s;
  return {};
}

Status TransactionRecords::add_document(Tx& tx, const TransactionId& id, const DocumentRecord& d) {
  return done(tx.execute(
      "INSERT INTO transaction_documents (transaction_id, position, name, format, digest_algorithm, attached, "
      "content_sha256, content, padding, description, level) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      {id.str(), static_cast<std::int64_t>(d.position), d.name, d.format, d.digest_algorithm,
       static_cast<std::int64_t>(d.attached ? 1 : 0), d.content_sha256, d.content.value_or(Bytes{}), d.padding,
       d.description, d.level}));
}

Result<bool> TransactionRecords::submit(Tx& tx, const TransactionId& id, bool all_or_nothing) {
  auto changed =
      tx.execute("UPDATE transactions SET status = 'pending', all_or_nothing = $2 WHERE id = $1 AND status = 'draft'",
                 {id.str(), static_cast<std::int64_t>(all_or_nothing ? 1 : 0)});
  if (!changed) return std::move(changed).error();
  return *changed == 1;
}

Status TransactionRecords::set_document_failure(Tx& tx, const TransactionId& id, int position,
                                                std::string_view failure) {
  return done(
      tx.execute("UPDATE transaction_documents SET failure = $3, content = NULL, prepared_state = NULL, result = NULL "
                 "WHERE transaction_id = $1 AND position = $2",
                 {id.str(), static_cast<std::int64_t>(position), std::string(failure)}));
}

Status TransactionRecords::purge_document(Tx& tx, const TransactionId& id, int position, Instant at) {
  if (Status s =
          done(tx.execute("UPDATE transaction_documents SET content = NULL, prepared_state = NULL, result = NULL "
                          "WHERE transaction_id = $1 AND position = $2",
                          {id.str(), static_cast<std::int64_t>(position)}));
      !s)
    return s;
  auto left = tx.query("SELECT position FROM transaction_documents WHERE transaction_id = $1 AND result IS NOT NULL",
                       {id.str()});
  if (!left) return std::move(left).error();
  if (!left->empty()) return {};
  return purge(tx, id, at);
}

Result<std::optional<TransactionRecord>> TransactionRecords::find(Tx& tx, const TransactionId& id) {
  auto rows = tx.query("SELECT " + std::string(kColumns) + " FROM transactions WHERE id = $1", {id.str()});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<TransactionRecord>{};
  auto transaction = transaction_from(rows->front());
  if (!transaction) return std::move(transaction).error();
  return std::optional<TransactionRecord>(std::move(*transaction));
}

Result<std::vector<DocumentRecord>> TransactionRecords::documents(Tx& tx, const TransactionId& id, bool with_payloads) {
  auto rows =
      tx.query(with_payloads
                   ? "SELECT position, name, format, digest_algorithm, attached, content_sha256, dtbs_digest, padding, "
                     "result_algorithm, description, failure, CASE WHEN result IS NULL THEN 0 ELSE 1 END, level, "
                     "content, prepared_state, result FROM transaction_documents "
                     "WHERE transaction_id = $1 ORDER BY position"
                   : "SELECT position, name, format, digest_algorithm, attached, content_sha256, dtbs_digest, padding, "
                     "result_algorithm, description, failure, CASE WHEN result IS NULL THEN 0 ELSE 1 END, level "
                     "FROM transaction_documents WHERE transaction_id = $1 "
                     "ORDER BY position",
               {id.str()});
  if (!rows) return std::move(rows).error();
  std::vector<DocumentRecord> out;
  for (const Row& row : *rows) {
    DocumentRecord d;
    d.position = static_cast<int>(row.integer(0));
    d.name = row.text(1);
    d.format = row.text(2);
    d.digest_algorithm = row.text(3);
    d.attached = row.integer(4) != 0;
    d.content_sha256 = row.text(5);
    d.dtbs_digest = optional_blob(row, 6);
    d.padding = row.optional_text(7).value_or("");
    d.result_algorithm = row.optional_text(8).value_or("");
    d.description = row.text(9);
    d.failure = row.optional_text(10);
    d.has_result = row.integer(11) != 0;
    d.level = row.text(12);
    if (with_payloads) {
      d.content = optional_blob(row, 13);
      d.prepared_state = optional_blob(row, 14);
      d.result = optional_blob(row, 15);
    }
    out.push_back(std::move(d));
  }
  return out;
}

Result<bool> TransactionRecords::transition(Tx& tx, const TransactionId& id, const std::vector<TransactionStatus>& from,
                                            TransactionStatus to, Instant at) {
  // One statement: "status IN (...)" is evaluated under the row lock the UPDATE takes.
  std::string sql =
      "UPDATE transactions SET status = $2, finished_at = CASE WHEN $2 IN ('signed', 'rejected', "
      "'expired', 'failed') THEN $3 ELSE finished_at END WHERE id = $1 AND status IN (";
  std::vector<Value> params = {id.str(), std::string(to_string(to)), to_unix(at)};
  for (std::size_t i = 0; i < from.size(); ++i) {
    sql += (i ? ", $" : "$") + std::to_string(params.size() + 1);
    params.emplace_back(std::string(to_string(from[i])));
  }
  sql += ")";
  auto changed = tx.execute(sql, std::move(params));
  if (!changed) return std::move(changed).error();
  return *changed == 1;
}

Result<bool> TransactionRecords::claim_signing(Tx& tx, const TransactionId& id, std::string_view claim, Instant at) {
  auto changed = tx.execute(
      "UPDATE transactions SET status = 'signing', claim_id = $2, claimed_at = $3 "
      "WHERE id = $1 AND status = 'authenticated'",
      {id.str(), std::string(claim), to_unix(at)});
  if (!changed) return std::move(changed).error();
  return *changed == 1;
}

Result<bool> TransactionRecords::finish_signing(Tx& tx, const TransactionId& id, std::string_view claim,
                                                TransactionStatus to, Instant at) {
  auto changed = tx.execute(
      "UPDATE transactions SET status = $3, finished_at = $4 WHERE id = $1 AND status = 'signing' AND claim_id = $2",
      {id.str(), std::string(claim), std::string(to_string(to)), to_unix(at)});
  if (!changed) return std::move(changed).error();
  return *changed == 1;
}

Result<std::vector<TransactionId>> TransactionRecords::fail_abandoned(Tx& tx, Instant claimed_by, Instant now,
                                                                      std::string_view failure) {
  auto rows = tx.query(
      "UPDATE transactions SET status = 'failed', finished_at = $2, failure = $3 "
      "WHERE status = 'signing' AND COALESCE(claimed_at, signing_time, created_at) <= $1 RETURNING id",
      {to_unix(claimed_by), to_unix(now), std::string(failure)});
  if (!rows) return std::move(rows).error();
  std::vector<TransactionId> ids;
  for (const Row& row : *rows) ids.emplace_back(row.text(0));
  return ids;
}

Status TransactionRecords::set_prepared(Tx& tx, const TransactionId& id, const CitizenId& citizen, const KeyId& key,
                                        const Bytes& certificate, Instant signing_time, const ChallengeId& challenge,
                                        const std::vector<PreparedDocument>& documents) {
  if (Status s =
          done(tx.execute("UPDATE transactions SET citizen_id = $2, key_id = $3, certificate = $4, signing_time = $5, "
                          "challenge_id = $6 WHERE id = $1",
                          {id.str(), citizen.str(), key.str(), certificate, to_unix(signing_time), challenge.str()}));
      !s)
    return s;
  for (const PreparedDocument& d : documents) {
    if (Status s =
            done(tx.execute("UPDATE transaction_documents SET dtbs_digest = $3, padding = $4, prepared_state = $5 "
                            "WHERE transaction_id = $1 AND position = $2",
                            {id.str(), static_cast<std::int64_t>(d.position), d.dtbs_digest, d.padding, d.state}));
        !s)
      return s;
  }
  return {};
}

Status TransactionRecords::set_results(Tx& tx, const TransactionId& id, const std::vector<DocumentResult>& results) {
  for (const DocumentResult& r : results) {
    if (Status s = done(
            tx.execute("UPDATE transaction_documents SET result = $3, result_algorithm = $4, prepared_state = NULL "
                       "WHERE transaction_id = $1 AND position = $2",
                       {id.str(), static_cast<std::int64_t>(r.position), r.result, r.algorithm}));
        !s)
      return s;
  }
  return {};
}

Status TransactionRecords::set_failure(Tx& tx, const TransactionId& id, std::string_view failure) {
  return done(tx.execute("UPDATE transactions SET failure = $2 WHERE id = $1", {id.str(), std::string(failure)}));
}

Status TransactionRecords::purge(Tx& tx, const TransactionId& id, Instant at) {
  if (Status s =
          done(tx.execute("UPDATE transaction_documents SET content = NULL, prepared_state = NULL, result = NULL "
                          "WHERE transaction_id = $1",
                          {id.str()}));
      !s)
    return s;
  return done(tx.execute("UPDATE transactions SET retrieved_at = $2 WHERE id = $1 AND retrieved_at IS NULL",
                         {id.str(), to_unix(at)}));
}

Result<std::vector<TransactionId>> TransactionRecords::expire_due(Tx& tx, Instant now) {
  auto rows = tx.query(
      "UPDATE transactions SET status = 'expired', finished_at = $1 "
      "WHERE status IN ('draft', 'pending', 'authenticated') AND expires_at <= $1 RETURNING id",
      {to_unix(now)});
  if (!rows) return std::move(rows).error();
  std::vector<TransactionId> ids;
  for (const Row& row : *rows) {
    ids.emplace_back(row.text(0));
    if (auto s = tx.execute("UPDATE transaction_documents SET content = NULL, prepared_state = NULL, result = NULL "
                            "WHERE transaction_id = $1",
                            {row.text(0)});
        !s)
      return std::move(s).error();
  }
  return ids;
}

}  // namespace firma::store
