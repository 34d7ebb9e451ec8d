// What goes into C_Sign for each scheme, and the encodings of what comes out.
#pragma once

#include <cstdint>
#include <span>

#include "core/encoding.h"
#include "hsm/algorithms.h"
#include "pkcs11.h"

namespace firma::hsm::signing {

// DER DigestInfo { AlgorithmIdentifier, OCTET STRING digest } for EMSA-PKCS1-v1_5 (RFC 8017 9.2, note 1):
// CKM_RSA_PKCS signs exactly these bytes.
Bytes digest_info(DigestAlgorithm algorithm, std::span<const std::uint8_t> digest);

// The mechanism and its parameter block for one signature. Holds the PSS parameters it points to.
class Mechanism {
 public:
  Mechanism(KeyAlgorithm key, DigestAlgorithm digest, RsaPadding padding) noexcept;
  Mechanism(const Mechanism&) = delete;
  Mechanism& operator=(const Mechanism&) = delete;

  CK_MECHANISM* get() noexcept { return &mechanism_; }
  // True when the input is the DigestInfo rather than the bare digest.
  bool wants_digest_info() const noexcept { return mechanism_.mechanism == CKM_RSA_PKCS; }

 private:
  CK_RSA_PKCS_PSS_PARAMS pss_{};
  CK_MECHANISM mechanism_{};
};

// r || s (two big-endian integers of equal length) -> DER SEQUENCE { INTEGER r, INTEGER s }
// (RFC 3279 2.2.3, Ecdsa-Sig-Value). Empty when `raw` has odd or zero length.
Bytes ecdsa_raw_to_der(std::span<const std::uint8_t> raw);

}  // namespace firma::hsm::signing
