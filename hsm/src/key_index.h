// Key id -> object handles, so that a signature never searches the token (SoftHSM2's C_FindObjects
// walks every object: about 32 us per object).
#pragma once

#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "core/ids.h"
#include "hsm/algorithms.h"
#include "hsm/key_purpose.h"
#include "pkcs11.h"

namespace firma::hsm {

struct KeyHandles {
  CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE certificate = CK_INVALID_HANDLE;
  KeyAlgorithm algorithm = KeyAlgorithm::ec_p256;
  std::optional<KeyPurpose> purpose;  // read from the private key's label; none for a key made before purposes
};

// Thread-safe: many readers (signers), rare writers (generation, destruction, refresh).
class KeyIndex {
 public:
  std::optional<KeyHandles> find(const KeyId& id) const;
  void put(const KeyId& id, const KeyHandles& handles);
  void erase(const KeyId& id);
  void replace_all(std::unordered_map<KeyId, KeyHandles> entries);
  std::size_t size() const;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<KeyId, KeyHandles> entries_;
};

}  // namespace firma::hsm
