// SubjectPublicKeyInfo (RFC 5280 4.1.2.7) of a public key object on the token.
#pragma once

#include "core/encoding.h"
#include "core/result.h"
#include "hsm/algorithms.h"
#include "objects.h"

namespace firma::hsm::keys {

// The attributes subject_public_key_info() needs from a public key object.
inline constexpr std::initializer_list<CK_ATTRIBUTE_TYPE> kPublicKeyAttributes = {CKA_MODULUS, CKA_PUBLIC_EXPONENT,
                                                                                  CKA_EC_PARAMS, CKA_EC_POINT};

// DER SubjectPublicKeyInfo from CKA_MODULUS / CKA_PUBLIC_EXPONENT (RSA, RFC 3279 2.3.1) or CKA_EC_PARAMS /
// CKA_EC_POINT (EC with a named curve, RFC 5480 2).
Result<Bytes> subject_public_key_info(KeyAlgorithm algorithm, const objects::Attributes& attributes);

}  // namespace firma::hsm::keys
