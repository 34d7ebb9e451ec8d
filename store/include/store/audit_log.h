// The append-only audit trail: every state change writes an event, hash-chained so tampering is detectable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/database.h"

namespace firma::store {

// What happened: who (`actor`, e.g. "operator:alice"), did what (`action`, e.g. "operator.create"), to what
// (`subject`), with which `outcome` ("success", "denied", ...), plus free `detail` that must never hold a secret.
struct AuditEvent {
  std::string actor;
  std::string action;
  std::string subject;
  std::string outcome;
  std::string detail;
};

// An event as stored: its place in the chain (seq 1, 2, ...), when it happened, and the chain hashes.
struct AuditRecord {
  std::int64_t seq = 0;
  Instant at{};
  AuditEvent event;
  std::string prev_hash;  // hash of the record seq - 1; 64 zeros for seq 1
  std::string hash;       // audit_record_hash(...) of this record
};

struct AuditVerification {
  bool ok = false;
  std::int64_t events = 0;         // records that verified, in order from seq 1 (all of them when ok)
  std::string head;                // hash of the last record that verified (64 zeros when none did)
  std::int64_t first_bad_seq = 0;  // 0 when ok; else the first seq that is missing, altered or out of chain
};

// The genesis prev_hash: 64 zeros.
extern const std::string audit_genesis_hash;

// Lower-case hex SHA-256 over the record's fields in one unambiguous encoding: the tag "firma-audit-v1", then
// prev_hash, seq, at (unix seconds), actor, action, subject, outcome, detail, each as an 8-byte big-endian length
// followed by its bytes (integers as 8-byte big-endian two's complement).
std::string audit_record_hash(const std::string& prev_hash, std::int64_t seq, Instant at, const AuditEvent& event);

class AuditLog {
 public:
  // Appends within tx. Appends are serialised on the one-row audit_head table (a row lock on PostgreSQL, the write
  // lock on SQLite), so concurrent transactions, from any number of nodes, extend one chain and never fork it.
  static Status append(Tx& tx, const AuditEvent& event, Instant at);
  // Records with seq > after_seq in order, at most limit of them.
  static Result<std::vector<AuditRecord>> list(Tx& tx, std::int64_t after_seq, std::size_t limit);
  // Walks the whole chain: consecutive seqs from 1, each prev_hash equal to the previous hash, each hash
  // recomputed, and the last record matching audit_head (so a deleted tail is caught too).
  static Result<AuditVerification> verify(Tx& tx);
};

}  // namespace firma::store
