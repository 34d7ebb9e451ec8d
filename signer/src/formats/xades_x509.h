// The certificate facts a XAdES signature carries (IssuerSerialV2) and the check of the HSM's signature.
#pragma once

#include <cstdint>
#include <span>

#include "core/encoding.h"
#include "core/result.h"
#include "hsm/algorithms.h"

namespace firma::signer::xades {

// DER of IssuerSerial (RFC 5035 section 4): SEQUENCE { issuer GeneralNames (one directoryName, the
// certificate's issuer), serialNumber }. ETSI EN 319 132-1 5.2.2 puts its base64 in IssuerSerialV2.
// invalid_request when `certificate` is not a DER X.509 certificate.
Result<Bytes> issuer_serial(std::span<const std::uint8_t> certificate);

// Checks `signature` (XML-DSig form: r || s for ECDSA, the PKCS#1 v1.5 block for RSA) over `digest` with
// the public key of `certificate`: the signed document leaves only if it will verify.
Status verify_signature(std::span<const std::uint8_t> certificate, hsm::KeyAlgorithm key_algorithm,
                        hsm::DigestAlgorithm digest_algorithm, std::span<const std::uint8_t> digest,
                        std::span<const std::uint8_t> signature);

}  // namespace firma::signer::xades
