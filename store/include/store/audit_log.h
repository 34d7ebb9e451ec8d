// The append-only audit trail: events written with each state change, later sealed into a hash chain whose
// checkpoints the audit key signs, so that tampering is detectable even by whoever can write the database.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
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

// An event as stored. Sealed: its place in the chain (seq 1, 2, ...) and the chain hashes. Not sealed yet: seq 0
// and empty hashes.
struct AuditRecord {
  std::int64_t seq = 0;
  Instant at{};
  AuditEvent event;
  std::string prev_hash;  // hash of the record seq - 1; 64 zeros for seq 1
  std::string hash;       // audit_record_hash(...) of this record
  std::int64_t id = 0;    // order of insertion (not of commit); names the row until it is sealed

  bool sealed() const noexcept { return seq != 0; }
};

// The head of the chain after a sealed batch, signed by the audit key.
struct AuditCheckpoint {
  std::int64_t seq = 0;        // the last record the batch sealed
  std::int64_t first_seq = 0;  // its first
  std::string hash;            // the hash of record seq
  Instant at{};                // when it was sealed
  std::string signer;          // serial of the audit certificate whose key signed
  Bytes signature;             // over audit_checkpoint_message(seq, hash, at)
};

// A batch the sealer is about to seal: its records with their places and hashes, and its checkpoint, to be signed.
struct AuditBatch {
  std::vector<AuditRecord> records;
  AuditCheckpoint checkpoint;
  std::int64_t chained_already = 0;  // leading records that were chained but never checkpointed (a migrated chain)
};

struct AuditVerification {
  bool ok = false;
  std::int64_t events = 0;         // sealed records that verified, from seq 1, up to the last checkpoint that matched
  std::string head;                // hash at that checkpoint (64 zeros when none)
  std::int64_t first_bad_seq = 0;  // 0 when ok; else the first seq that is missing, altered, out of chain or past
                                   // every checkpoint (for a rewritten batch: the first seq its checkpoint covers)
  std::int64_t checkpoints = 0;    // checkpoints the chain matched
  std::int64_t unsealed = 0;       // events committed but not sealed yet (not verified: reported apart)
  std::string problem;             // for people, when not ok
};

// The genesis prev_hash: 64 zeros.
extern const std::string audit_genesis_hash;

// Lower-case hex SHA-256 over the record's fields in one unambiguous encoding: the tag "firma-audit-v1", then
// prev_hash, seq, at (unix seconds), actor, action, subject, outcome, detail, each as an 8-byte big-endian length
// followed by its bytes (integers as 8-byte big-endian two's complement).
std::string audit_record_hash(const std::string& prev_hash, std::int64_t seq, Instant at, const AuditEvent& event);

// What the audit key signs for a checkpoint: the same encoding over the tag "firma-audit-checkpoint-v1", seq, hash
// and at.
Bytes audit_checkpoint_message(std::int64_t seq, const std::string& hash, Instant at);

class AuditLog {
 public:
  // Inserts the event within tx, with no place in the chain yet: appends touch no shared row, so transactions of
  // every node append in parallel. The sealer gives it its place once tx has committed.
  static Status append(Tx& tx, const AuditEvent& event, Instant at);

  // Sealed records with seq > after_seq in order, then, while the page has room, unsealed ones in insertion order.
  static Result<std::vector<AuditRecord>> list(Tx& tx, std::int64_t after_seq, std::size_t limit);

  // The sealer's steps, in one transaction that first holds ClusterLock audit_sealing:
  // next_batch reads the last checkpoint and returns the records to seal after it (at most limit): first any
  // chained but never checkpointed (a chain migration 0011 brought over; refused with internal when they do not
  // chain from the checkpoint), then committed events without a place, in insertion order, given the next places.
  // Events that commit later than others with higher ids simply get later places: nothing is skipped.
  // nullopt when there is nothing to seal.
  static Result<std::optional<AuditBatch>> next_batch(Tx& tx, std::size_t limit, Instant now);
  // Records the batch (its checkpoint signed by the caller). conflict when another sealer got there first.
  static Status seal(Tx& tx, const AuditBatch& batch);

  // Checkpoints with seq > after_seq in order, at most limit of them.
  static Result<std::vector<AuditCheckpoint>> checkpoints(Tx& tx, std::int64_t after_seq, std::size_t limit);

  // Walks the whole chain: consecutive seqs from 1, each prev_hash equal to the previous hash, each hash
  // recomputed, and at each of `trusted` (checkpoints whose signatures the caller verified, in any order) the
  // chain's hash equal to the checkpoint's. Records past the last trusted checkpoint, and a chain shorter than it
  // (a deleted tail), fail. Unsealed events are counted apart.
  static Result<AuditVerification> verify(Tx& tx, std::vector<AuditCheckpoint> trusted);
};

}  // namespace firma::store
