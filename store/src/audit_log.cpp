// The hash-chained audit trail over the audit_events and audit_head tables (migration 0001).
#include "store/audit_log.h"

#include <string>
#include <utility>

#include "core/encoding.h"

namespace firma::store {
namespace {

constexpr std::size_t verify_page = 1000;

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

AuditRecord record_from(const Row& row) {
  return AuditRecord{row.integer(0), from_unix(row.integer(1)),
                     AuditEvent{row.text(2), row.text(3), row.text(4), row.text(5), row.text(6)}, row.text(7),
                     row.text(8)};
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

Status AuditLog::append(Tx& tx, const AuditEvent& event, Instant at) {
  // Taking the next seq locks the head row until this transaction ends: appends from every connection and every
  // node queue here, so each one chains onto the hash its predecessor committed.
  auto head = tx.query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash");
  if (!head.ok()) return std::move(head).error();
  if (head->size() != 1) return make_error(ErrorCode::internal, "the audit trail has no head row (not migrated?)");
  const std::int64_t seq = head->front().integer(0);
  const std::string prev_hash = head->front().text(1);
  const std::string hash = audit_record_hash(prev_hash, seq, at, event);
  auto inserted = tx.execute(
      "INSERT INTO audit_events (seq, at, actor, action, subject, outcome, detail, prev_hash, hash) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {seq, to_unix(at), event.actor, event.action, event.subject, event.outcome, event.detail, prev_hash, hash});
  if (!inserted.ok()) return std::move(inserted).error();
  auto moved = tx.execute("UPDATE audit_head SET hash = $1 WHERE id = 1", {hash});
  if (!moved.ok()) return std::move(moved).error();
  return {};
}

Result<std::vector<AuditRecord>> AuditLog::list(Tx& tx, std::int64_t after_seq, std::size_t limit) {
  auto rows = tx.query(
      "SELECT seq, at, actor, action, subject, outcome, detail, prev_hash, hash FROM audit_events "
      "WHERE seq > $1 ORDER BY seq LIMIT $2",
      {after_seq, static_cast<std::int64_t>(limit)});
  if (!rows.ok()) return std::move(rows).error();
  std::vector<AuditRecord> records;
  records.reserve(rows->size());
  for (const Row& row : *rows) records.push_back(record_from(row));
  return records;
}

Result<AuditVerification> AuditLog::verify(Tx& tx) {
  AuditVerification result;
  result.head = audit_genesis_hash;
  std::int64_t expected_seq = 1;
  auto failed_at = [&result](std::int64_t seq) {
    result.ok = false;
    result.first_bad_seq = seq;
    return result;
  };
  for (;;) {
    auto page = list(tx, expected_seq - 1, verify_page);
    if (!page.ok()) return std::move(page).error();
    for (const AuditRecord& record : *page) {
      if (record.seq != expected_seq) return failed_at(expected_seq);  // a record is missing
      if (record.prev_hash != result.head) return failed_at(record.seq);
      if (audit_record_hash(record.prev_hash, record.seq, record.at, record.event) != record.hash)
        return failed_at(record.seq);
      result.head = record.hash;
      ++result.events;
      ++expected_seq;
    }
    if (page->size() < verify_page) break;
  }
  // The head row says how long the chain is: it catches a deleted tail and rows added behind its back.
  auto head = tx.query("SELECT seq, hash FROM audit_head WHERE id = 1");
  if (!head.ok()) return std::move(head).error();
  if (head->size() != 1) return make_error(ErrorCode::internal, "the audit trail has no head row (not migrated?)");
  const std::int64_t last = expected_seq - 1;
  const std::int64_t head_seq = head->front().integer(0);
  if (head_seq > last) return failed_at(last + 1);
  if (head_seq < last) return failed_at(head_seq + 1);
  if (head->front().text(1) != result.head) return failed_at(last);
  result.ok = true;
  return result;
}

}  // namespace firma::store
