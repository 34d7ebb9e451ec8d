// What a key pair looks like on the token: generation templates, and the algorithm read back from one.
#pragma once

#include <optional>
#include <string_view>

#include "core/ids.h"
#include "hsm/algorithms.h"
#include "objects.h"
#include "pkcs11.h"

namespace firma::hsm::keys {

CK_MECHANISM_TYPE generation_mechanism(KeyAlgorithm algorithm) noexcept;

// Public half: a token object that can only verify.
objects::Template public_template(KeyAlgorithm algorithm, const KeyId& id, std::string_view label);

// Private half: a private, sensitive, never-extractable token object that can only sign (no decrypt,
// unwrap, derive or sign-recover), so it never exists in the clear outside the token
// (CEN EN 419241-1, and ARCHITECTURE.md security invariant 4).
objects::Template private_template(KeyAlgorithm algorithm, const KeyId& id, std::string_view label);

// DER of the named curve's OID, the value of CKA_EC_PARAMS (PKCS#11 v2.40 mechanisms 2.3.3).
std::span<const std::uint8_t> ec_params(KeyAlgorithm algorithm) noexcept;

// The algorithm of a key object from CKA_KEY_TYPE and CKA_EC_PARAMS or CKA_MODULUS; nullopt for a key
// this layer does not sign with.
std::optional<KeyAlgorithm> algorithm_of(const objects::Attributes& attributes);

}  // namespace firma::hsm::keys
