// What a key pair looks like on the token: generation templates, and the algorithm read back from one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "hsm/algorithms.h"
#include "hsm/key_purpose.h"
#include "objects.h"
#include "pkcs11.h"

namespace firma::hsm::keys {

CK_MECHANISM_TYPE generation_mechanism(KeyAlgorithm algorithm) noexcept;

// A key's purpose is written in its CKA_LABEL, "[citizen_signing] Firma citizen key": every PKCS#11 token
// stores a label and shows it to operators' tools, where a vendor-defined attribute would be refused
// (CKR_ATTRIBUTE_TYPE_INVALID) by SoftHSM2, tpm2-pkcs11 and openCryptoki alike.
std::string purpose_label(KeyPurpose purpose, std::string_view label);

struct LabelParts {
  std::optional<KeyPurpose> purpose;  // none: a key made before purposes were recorded, or by another tool
  std::string label;                  // the rest, as the key's maker named it
};
LabelParts parse_label(std::string_view text);

// Public half: a token object (or, for a key to be wrapped, a session object) that can only verify. `label` is
// the purpose_label.
objects::Template public_template(KeyAlgorithm algorithm, const KeyId& id, std::string_view label,
                                  bool token_object = true);

// Private half: a private, sensitive, never-extractable token object that can only sign (no decrypt,
// unwrap, derive or sign-recover), so it never exists in the clear outside the token
// (CEN EN 419241-1, and ARCHITECTURE.md security invariant 4). Both halves are unmodifiable
// (CKA_MODIFIABLE false, settable only at creation): the purpose in the label cannot be rewritten.
objects::Template private_template(KeyAlgorithm algorithm, const KeyId& id, std::string_view label);

// DER of the named curve's OID, the value of CKA_EC_PARAMS (PKCS#11 v2.40 mechanisms 2.3.3).
std::span<const std::uint8_t> ec_params(KeyAlgorithm algorithm) noexcept;

// The algorithm of a key object from CKA_KEY_TYPE and CKA_EC_PARAMS or CKA_MODULUS; nullopt for a key
// this layer does not sign with.
std::optional<KeyAlgorithm> algorithm_of(const objects::Attributes& attributes);

}  // namespace firma::hsm::keys
