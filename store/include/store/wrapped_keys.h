// Wrapped key custody (migration 0012): citizens' keys wrapped under a KEK of the HSM, and the KEKs themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/result.h"
#include "store/database.h"

namespace firma::store {

// A KEK on the token (key_encryption_keys). state: "current", "retiring" or "destroyed".
struct KekRecord {
  KeyId kek_id;
  std::string state;
  Instant created_at{};
  std::optional<Instant> retired_at;
  std::optional<Instant> destroyed_at;
};

class KekRecords {
 public:
  // conflict when the id is taken, or when `record` is current and another KEK is.
  static Status insert(Tx& tx, const KekRecord& record);
  // The KEK new keys are wrapped under; nullopt before the first.
  static Result<std::optional<KekRecord>> current(Tx& tx);
  // Every KEK, oldest first.
  static Result<std::vector<KekRecord>> list(Tx& tx);
  // Moves a KEK from state `from` to `to` (stamping retired_at or destroyed_at); false when it was not in `from`.
  static Result<bool> move(Tx& tx, const KeyId& kek_id, std::string_view from, std::string_view to, Instant at);
  // Locks the KEK's row for the rest of the transaction, if it is not destroyed (false otherwise): a key recorded
  // under it and the KEK's destruction (move to "destroyed", which takes the same lock) cannot pass each other.
  static Result<bool> hold(Tx& tx, const KeyId& kek_id);
};

// A citizen key kept wrapped (wrapped_keys): the hsm_keys record names its owner.
struct WrappedKeyRecord {
  KeyId key_id;
  KeyId kek_id;
  std::string algorithm;  // hsm spelling: "ec-p256", ...
  Bytes public_key;       // SubjectPublicKeyInfo DER
  Bytes wrapped;          // RFC 5649 over the PKCS#8 private key
  Instant created_at{};
  std::optional<Instant> rewrapped_at;
};

class WrappedKeyRecords {
 public:
  static Status insert(Tx& tx, const WrappedKeyRecord& record);
  static Result<std::optional<WrappedKeyRecord>> find(Tx& tx, const KeyId& key_id);
  // Up to `limit` keys wrapped under `kek_id`, in key order.
  static Result<std::vector<WrappedKeyRecord>> under(Tx& tx, const KeyId& kek_id, std::size_t limit);
  static Result<std::int64_t> count_under(Tx& tx, const KeyId& kek_id);
  // The key now wrapped under `to`, if it still was under `from` (false: another node moved or destroyed it).
  static Result<bool> rewrap(Tx& tx, const KeyId& key_id, const KeyId& from, const KeyId& to, const Bytes& wrapped,
                             Instant at);
  // The key destroyed: its blob goes. False when there was none (a token key).
  static Result<bool> remove(Tx& tx, const KeyId& key_id);
};

}  // namespace firma::store
