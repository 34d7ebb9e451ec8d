// The audit trail over audit_events and audit_checkpoints (migrations 0001, 0011): appends, sealing, verification.
#include "store/audit_log.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "core/encoding.h"

namespace firma::store {
namespace {

constexpr std::size_t verify_page = 1000;
// Records placed per UPDATE statement: one round trip seals this many (short chunks are padded with rows that
// match nothing, so that one prepared statement serves every batch).
constexpr std::size_t placement_rows = 64;

void append_length_prefixed(std::string& out, std::string_view field) {
  const auto length = static_cast<std::uint64_t>(field.size());
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((length >> shift) & 0xff));
  out.append(field);
}

void append_integer(std::string& out, std::int64_t value) {
  std::string bytes;
  const auto bits = static_cast<std::uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((bits >> shift) & 0xff));
  append_length_prefixed(out, bytes);
}

constexpr std::string_view record_columns = "seq, at, actor, action, subject, outcome, detail, prev_hash, hash, id";

AuditRecord record_from(const Row& row) {
  return AuditRecord{row.integer(0),
                     from_unix(row.integer(1)),
                     AuditEvent{row.text(2), row.text(3), row.text(4), row.text(5), row.text(6)},
                     row.text(7),
                     row.text(8),
                     row.integer(9)};
}

AuditCheckpoint checkpoint_from(const Row& row) {
  return AuditCheckpoint{row.integer(0), row.integer(1), row.text(2), from_unix(row.integer(3)),
                         row.text(4),    row.blob(5)};
}

Result<std::vector<AuditRecord>> records(Tx& tx, std::string_view where, std::vector<Value> params) {
  auto rows =
      tx.query("SELECT " + std::string(record_columns) + " FROM audit_events " + std::string(where), std::move(params));
  if (!rows.ok()) return std::move(rows).error();
  std::vector<AuditRecord> out;
  out.reserve(rows->size());
  for (const Row& row : *rows) out.push_back(record_from(row));
  return out;
}

Result<std::vector<AuditRecord>> sealed_after(Tx& tx, std::int64_t after_seq, std::size_t limit) {
  return records(tx, "WHERE seq > $1 ORDER BY seq LIMIT $2", {after_seq, static_cast<std::int64_t>(limit)});
}

Result<std::vector<AuditRecord>> unsealed(Tx& tx, std::size_t limit) {
  return records(tx, "WHERE seq IS NULL ORDER BY id LIMIT $1", {static_cast<std::int64_t>(limit)});
}

Result<std::optional<AuditCheckpoint>> last_checkpoint(Tx& tx) {
  auto rows = tx.query(
      "SELECT seq, first_seq, hash, at, signer, signature FROM audit_checkpoints "
      "ORDER BY seq DESC LIMIT 1");
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return std::optional<AuditCheckpoint>{};
  return std::optional<AuditCheckpoint>(checkpoint_from(rows->front()));
}

std::string placement_sql() {
  std::string sql = "UPDATE audit_events SET seq = v.column2, prev_hash = v.column3, hash = v.column4 FROM (VALUES ";
  for (std::size_t i = 0; i < placement_rows; ++i) {
    const std::size_t p = i * 4;
    if (i != 0) sql += ", ";
    sql += "(CAST($" + std::to_string(p + 1) + " AS BIGINT), CAST($" + std::to_string(p + 2) + " AS BIGINT), $" +
           std::to_string(p + 3) + ", $" + std::to_string(p + 4) + ")";
  }
  // seq IS NULL: a record keeps the place it was given first, whoever tries again.
  return sql + ") AS v WHERE audit_events.id = v.column1 AND audit_events.seq IS NULL";
}

}  // namespace

const std::string audit_genesis_hash(64, '0');

std::string audit_record_hash(const std::string& prev_hash, std::int64_t seq, Instant at, const AuditEvent& event) {
  std::string encoded;
  append_length_prefixed(encoded, "firma-audit-v1");
  append_length_prefixed(encoded, prev_hash);
  append_integer(encoded, seq);
  append_integer(encoded, to_unix(at));
  for (const std::string* field : {&event.actor, &event.action, &event.subject, &event.outcome, &event.detail})
    append_length_prefixed(encoded, *field);
  return to_hex(sha256(encoded));
}

Bytes audit_checkpoint_message(std::int64_t seq, const std::string& hash, Instant at) {
  std::string encoded;
  append_length_prefixed(encoded, "firma-audit-checkpoint-v1");
  append_integer(encoded, seq);
  append_length_prefixed(encoded, hash);
  append_integer(encoded, to_unix(at));
  return Bytes(encoded.begin(), encoded.end());
}

Status AuditLog::append(Tx& tx, const AuditEvent& event, Instant at) {
  auto inserted = tx.execute(
      "INSERT INTO audit_events (at, actor, action, subject, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6)",
      {to_unix(at), event.actor, event.action, event.subject, event.outcome, event.detail});
  if (!inserted.ok()) return std::move(inserted).error();
  return {};
}

Result<std::vector<AuditRecord>> AuditLog::list(Tx& tx, std::int64_t after_seq, std::size_t limit) {
  auto page = sealed_after(tx, after_seq, limit);
  if (!page.ok()) return page;
  if (page->size() < limit) {
    auto pending = unsealed(tx, limit - page->size());
    if (!pending.ok()) return std::move(pending).error();
    page->insert(page->end(), pending->begin(), pending->end());
  }
  return page;
}

Result<std::optional<AuditBatch>> AuditLog::next_batch(Tx& tx, std::size_t limit, Instant now) {
  auto last = last_checkpoint(tx);
  if (!last.ok()) return std::move(last).error();
  std::int64_t seq = *last ? (*last)->seq : 0;
  std::string head = *last ? (*last)->hash : audit_genesis_hash;

  AuditBatch batch;
  // Chained before it was ever checkpointed: the chain migration 0011 carried over. Checked, then signed as it is.
  auto chained = sealed_after(tx, seq, limit);
  if (!chained.ok()) return std::move(chained).error();
  for (AuditRecord& record : *chained) {
    if (record.seq != seq + 1 || record.prev_hash != head ||
        audit_record_hash(record.prev_hash, record.seq, record.at, record.event) != record.hash)
      return make_error(ErrorCode::internal, "the audit chain past the last checkpoint is broken at seq " +
                                                 std::to_string(seq + 1) + ": it is not sealed over");
    seq = record.seq;
    head = record.hash;
    batch.records.push_back(std::move(record));
  }
  batch.chained_already = static_cast<std::int64_t>(batch.records.size());

  if (batch.records.size() < limit) {
    auto pending = unsealed(tx, limit - batch.records.size());
    if (!pending.ok()) return std::move(pending).error();
    for (AuditRecord& record : *pending) {
      record.seq = ++seq;
      record.prev_hash = head;
      record.hash = audit_record_hash(record.prev_hash, record.seq, record.at, record.event);
      head = record.hash;
      batch.records.push_back(std::move(record));
    }
  }
  if (batch.records.empty()) return std::optional<AuditBatch>{};
  batch.checkpoint = AuditCheckpoint{seq, batch.records.front().seq, head, now, {}, {}};
  return std::optional<AuditBatch>(std::move(batch));
}

Status AuditLog::seal(Tx& tx, const AuditBatch& batch) {
  if (batch.records.empty() || batch.checkpoint.signature.empty() || batch.checkpoint.signer.empty())
    return make_error(ErrorCode::internal, "an audit batch must hold records and a signed checkpoint");
  static const std::string placement = placement_sql();
  const auto first = batch.records.begin() + batch.chained_already;
  const auto to_place = static_cast<std::size_t>(batch.records.end() - first);
  for (std::size_t start = 0; start < to_place; start += placement_rows) {
    std::vector<Value> params;
    params.reserve(placement_rows * 4);
    std::int64_t expected = 0;
    for (std::size_t i = start; i < start + placement_rows; ++i) {
      if (i < to_place) {
        const AuditRecord& r = *(first + static_cast<std::ptrdiff_t>(i));
        params.insert(params.end(), {r.id, r.seq, r.prev_hash, r.hash});
        ++expected;
      } else {
        params.insert(params.end(), {std::int64_t{0}, std::int64_t{0}, std::string(), std::string()});  // no id 0
      }
    }
    auto placed = tx.execute(placement, std::move(params));
    if (!placed.ok()) return std::move(placed).error();
    if (*placed != expected)
      return make_error(ErrorCode::conflict, "audit events were sealed by another sealer meanwhile");
  }
  const AuditCheckpoint& c = batch.checkpoint;
  auto inserted = tx.execute(
      "INSERT INTO audit_checkpoints (seq, first_seq, hash, at, signer, signature) VALUES ($1, $2, $3, $4, $5, $6)",
      {c.seq, c.first_seq, c.hash, to_unix(c.at), c.signer, c.signature});
  if (!inserted.ok()) return std::move(inserted).error();
  return {};
}

Result<std::vector<AuditCheckpoint>> AuditLog::checkpoints(Tx& tx, std::int64_t after_seq, std::size_t limit) {
  auto rows = tx.query(
      "SELECT seq, first_seq, hash, at, signer, signature FROM audit_checkpoints WHERE seq > $1 ORDER BY seq "
      "LIMIT $2",
      {after_seq, static_cast<std::int64_t>(limit)});
  if (!rows.ok()) return std::move(rows).error();
  std::vector<AuditCheckpoint> out;
  out.reserve(rows->size());
  for (const Row& row : *rows) out.push_back(checkpoint_from(row));
  return out;
}

Result<AuditVerification> AuditLog::verify(Tx& tx, std::vector<AuditCheckpoint> trusted) {
  std::map<std::int64_t, std::vector<AuditCheckpoint>> at_seq;  // several sources may name the same seq
  for (AuditCheckpoint& c : trusted) at_seq[c.seq].push_back(std::move(c));
  const std::int64_t bound = at_seq.empty() ? 0 : at_seq.rbegin()->first;

  AuditVerification result;
  result.head = audit_genesis_hash;
  std::string chain = audit_genesis_hash;  // hash of the last record walked
  std::int64_t batch_start = 1;            // first seq after the last checkpoint that matched
  std::int64_t expected_seq = 1;
  std::int64_t unsigned_from = 0;  // the first record past the last checkpoint, if any
  auto failed_at = [&result](std::int64_t seq, std::string problem) {
    result.ok = false;
    result.first_bad_seq = seq;
    result.problem = std::move(problem);
    return result;
  };
  auto count = tx.query("SELECT count(*) FROM audit_events WHERE seq IS NULL");
  if (!count.ok()) return std::move(count).error();
  result.unsealed = count->front().integer(0);

  for (;;) {
    auto page = sealed_after(tx, expected_seq - 1, verify_page);
    if (!page.ok()) return std::move(page).error();
    for (const AuditRecord& record : *page) {
      const std::int64_t seq = record.seq;
      if (seq != expected_seq) return failed_at(expected_seq, "record " + std::to_string(expected_seq) + " is missing");
      if (record.prev_hash != chain)
        return failed_at(seq, "record " + std::to_string(seq) + " does not chain to the one before");
      if (audit_record_hash(record.prev_hash, seq, record.at, record.event) != record.hash)
        return failed_at(seq, "record " + std::to_string(seq) + " does not match its hash");
      // Past every checkpoint: nothing vouches for it. The walk goes on, so that a break further on is named.
      if (seq > bound && unsigned_from == 0) unsigned_from = seq;
      chain = record.hash;
      if (auto found = at_seq.find(seq); found != at_seq.end()) {
        for (const AuditCheckpoint& c : found->second)
          if (c.hash != chain)
            return failed_at(batch_start, "the records " + std::to_string(batch_start) + " to " + std::to_string(seq) +
                                              " were rewritten: they no longer match the checkpoint signed at " +
                                              to_rfc3339(c.at));
        result.head = chain;
        result.events = seq;
        ++result.checkpoints;  // one per place, whichever sources named it
        batch_start = seq + 1;
      }
      ++expected_seq;
    }
    if (page->size() < verify_page) break;
  }
  if (unsigned_from != 0)
    return failed_at(unsigned_from, "the records from " + std::to_string(unsigned_from) +
                                        " on lie past the last signed checkpoint (" + std::to_string(bound) + ")");
  if (expected_seq - 1 < bound)
    return failed_at(expected_seq, "the chain ends at " + std::to_string(expected_seq - 1) +
                                       " but a signed checkpoint covers up to " + std::to_string(bound));
  result.ok = true;
  return result;
}

}  // namespace firma::store
