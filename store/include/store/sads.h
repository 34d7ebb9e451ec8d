// Signature Activation Data records: what a SAD authorises (entries, budget, expiry) and which entries are spent.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/result.h"
#include "store/database.h"

namespace firma::store {

struct SadRecord {
  std::string id;            // names the SAD in the audit trail
  std::string value_sha256;  // hex SHA-256 of the opaque value; the value itself is never stored
  CitizenId citizen_id;
  KeyId key_id;
  AppId app_id;
  std::optional<TransactionId> transaction_id;
  int budget = 0;  // signatures in all
  int spent = 0;   // signatures released so far
  Instant minted_at;
  Instant expires_at;
};

// One entry of the authorised multiset, as text the signer parses (the store knows no HSM types).
struct SadEntryRecord {
  std::string digest_algorithm;
  Bytes digest;
  std::string padding;
};

struct SadEntryState {
  int position = 0;
  SadEntryRecord entry;
  bool spent = false;
};

class SadRecords {
 public:
  // The SAD and its entries, in the order given (positions 0..n-1).
  static Status insert(Tx& tx, const SadRecord& record, const std::vector<SadEntryRecord>& entries);
  // The SAD whose value hashes to `value_sha256`.
  static Result<std::optional<SadRecord>> find_by_value(Tx& tx, const std::string& value_sha256);
  // Every entry of the SAD, by position, with whether it is spent.
  static Result<std::vector<SadEntryState>> entries(Tx& tx, const std::string& id);
  // The entries whose digest is one of `digests`, by position, with whether each is spent: what a signing call needs
  // to match its request, read through an index whatever the SAD's size (one statement per 500 digests).
  static Result<std::vector<SadEntryState>> entries_with_digests(Tx& tx, const std::string& id,
                                                                 const std::vector<Bytes>& digests);
  // Spends entry `position`. False when it was spent already (the primary key decides, on any node).
  static Result<bool> use(Tx& tx, const std::string& id, int position, Instant at);
  // Spends every entry of `positions` (distinct) in a constant number of statements (one per 500 positions):
  // false when one of them was spent already (the caller rolls back).
  static Result<bool> use_all(Tx& tx, const std::string& id, const std::vector<int>& positions, Instant at);
  // Counts `count` more signatures against the budget, atomically on any node: false when the budget would be
  // exceeded or the SAD has ended by `at` (expired or revoked, meanwhile included).
  static Result<bool> spend(Tx& tx, const std::string& id, int count, Instant at);
  // Ends the SAD at `at`, atomically on any node: false when it had ended already (expired, revoked or ended by a
  // concurrent call). A signer of the same SAD that has not committed yet then loses (spend checks the expiry).
  static Result<bool> end(Tx& tx, const std::string& id, Instant at);
  // Ends, at `at`, every SAD minted for the transaction that has not expired yet: none of them signs again.
  static Status revoke_for_transaction(Tx& tx, const TransactionId& transaction, Instant at);
};

}  // namespace firma::store
