// Signature Activation Data records: what a SAD authorises, and which of its digests have been signed.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/ids.h"
#include "core/result.h"
#include "store/database.h"

namespace firma::store {

struct SadRecord {
  std::string id;
  TransactionId transaction_id;
  CitizenId citizen_id;
  KeyId key_id;
  std::string digests_sha256;  // hex SHA-256 over the ordered, length-prefixed list of authorised digests
  int digest_count = 0;
  Instant minted_at;
  Instant expires_at;
};

class SadRecords {
 public:
  static Status insert(Tx& tx, const SadRecord& record);
  static Result<std::optional<SadRecord>> find(Tx& tx, const std::string& id);
  // Records that digest `index` of the SAD is being signed. False when it was used already: a SAD signs each
  // authorised digest once (the primary key makes the second use fail on any node).
  static Result<bool> use(Tx& tx, const std::string& id, int index, Instant at);
  // Ends, at `at`, every SAD minted for the transaction that has not expired yet: none of them signs again.
  static Status revoke_for_transaction(Tx& tx, const TransactionId& transaction, Instant at);
};

}  // namespace firma::store
