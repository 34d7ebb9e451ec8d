// How citizens' keys are kept (hsm.key_custody: on the token, or wrapped in the database under a key-encryption key
// that never leaves the HSM), and the life of those key-encryption keys: creation, rotation, rewrap, destruction.
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
#include "core/random.h"
#include "core/result.h"
#include "hsm/algorithms.h"
#include "hsm/token.h"

namespace firma::store {
class Database;
class Tx;
}  // namespace firma::store

namespace firma::certs {

enum class CustodyMode { token, wrapped };
// "token", "wrapped" (the values of hsm.key_custody).
std::optional<CustodyMode> parse_custody_mode(std::string_view text) noexcept;

// A citizen key pair just made: on the token (wrapped empty), or only in `wrapped` until record() stores it.
struct NewCitizenKey {
  KeyId id;
  hsm::KeyAlgorithm algorithm = hsm::KeyAlgorithm::ec_p256;
  Bytes public_key;  // SubjectPublicKeyInfo DER
  std::optional<hsm::WrappedKey> wrapped;
};

// A KEK as operators see it: its state ("current", "retiring", "destroyed") and how many keys it still wraps.
struct KekInfo {
  KeyId kek_id;
  std::string state;
  Instant created_at{};
  std::int64_t keys = 0;
};

// Thread-safe. State changes are audited in the same database transaction (kek.create, kek.rotate, kek.rewrap,
// kek.destroy), `actor` naming who asked.
class KeyCustody {
 public:
  KeyCustody(hsm::Token& token, store::Database& db, const Clock& clock, Random& random, CustodyMode mode);

  // At start-up. Wrapped mode: refuses a token that cannot wrap (naming what it lacks), makes the first KEK when
  // there is none, and checks that the current one is on the token. Either mode logs, in one line, what the token
  // offers for wrapped custody.
  Status prepare();
  CustodyMode mode() const noexcept { return mode_; }

  // A new citizen key pair in the configured mode (CEN EN 419241-1: generated in the HSM). A token key is on the
  // token already (the caller destroys it if the issuance fails); a wrapped one exists only in what comes back.
  Result<NewCitizenKey> generate(hsm::KeyAlgorithm algorithm);
  // In the issuance's transaction, after the key's hsm_keys record: stores a wrapped key's blob (nothing for a
  // token key).
  Status record(store::Tx& tx, const NewCitizenKey& key, Instant now) const;
  // The algorithm of a citizen key wherever it is kept; not_found when it is neither wrapped nor on the token.
  Result<hsm::KeyAlgorithm> algorithm(const KeyId& key);

  // KEK rotation: a new current KEK on the token; the one before is retiring until rewrap() has moved its keys.
  // invalid_request outside wrapped mode. Returns the new KEK's id.
  Result<KeyId> rotate(std::string_view actor);
  // The background part of a rotation: moves up to `limit` keys from retiring KEKs to the current one, then
  // destroys on the token each retiring KEK that wraps no key any more. Returns how many keys moved.
  Result<std::size_t> rewrap(std::size_t limit, std::string_view actor);
  // Every KEK, oldest first.
  Result<std::vector<KekInfo>> keks();

 private:
  Result<KeyId> current_kek();
  Result<KeyId> create_kek(std::string_view actor, std::string_view action, const std::optional<KeyId>& retiring);

  hsm::Token& token_;
  store::Database& db_;
  const Clock& clock_;
  Random& random_;
  CustodyMode mode_;
};

}  // namespace firma::certs
