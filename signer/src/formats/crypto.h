// Hashing, signer-certificate facts and the check of the HSM's signature, shared by raw, CAdES and PAdES.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/encoding.h"
#include "core/result.h"
#include "hsm/algorithms.h"
#include "hsm/token.h"
#include "signer/formats.h"

namespace firma::signer::formats {

// A SHA-2 hash fed in pieces (PAdES hashes two byte ranges of the file without joining them).
class Hasher {
 public:
  explicit Hasher(hsm::DigestAlgorithm algorithm);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void update(std::span<const std::uint8_t> data);
  Bytes finish();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

Bytes digest(hsm::DigestAlgorithm algorithm, std::span<const std::uint8_t> data);

// What CMS needs from the signer's certificate, each as the DER found in the certificate.
struct CertificateFacts {
  Bytes issuer;  // Name
  Bytes serial;  // INTEGER
};
Result<CertificateFacts> certificate_facts(std::span<const std::uint8_t> certificate_der);

// The signature algorithm's name as RFC 4055 / RFC 5758 spell it: "sha256WithRSAEncryption", "ecdsa-with-SHA384"...
// RSA with PSS padding: "RSASSA-PSS-SHA256" (MGF1 with the same hash, salt as long as the digest: JWS's PS256).
std::string signature_algorithm_name(hsm::KeyAlgorithm key, hsm::DigestAlgorithm digest,
                                     hsm::RsaPadding padding = hsm::RsaPadding::pkcs1v15);

// The dotted OID of that algorithm (the value of a CMS SignerInfo's signatureAlgorithm).
std::string signature_algorithm_oid(hsm::KeyAlgorithm key, hsm::DigestAlgorithm digest);
std::string digest_algorithm_oid(hsm::DigestAlgorithm digest);

// The longest signature value the HSM can return for this key, as X.509 and CMS carry it: the modulus
// for RSA, the DER SEQUENCE { r, s } for ECDSA (RFC 3279 2.2.3), which is at most 2 x (order + 3) + 2.
std::size_t max_signature_value_size(hsm::KeyAlgorithm key);

// The HSM's signature as X.509, CMS and raw outputs carry it (ECDSA: DER; RSA: the octets), once it has
// been verified with the certificate's public key over `dtbs_digest` (RSA: PKCS#1 v1.5 with DigestInfo,
// RFC 8017 8.2, or PSS, RFC 8017 8.1). A signature that does not verify is never put into a result: internal.
Result<Bytes> checked_signature_value(const CredentialView& credential, hsm::DigestAlgorithm digest,
                                      std::span<const std::uint8_t> dtbs_digest, const hsm::Signature& signature,
                                      hsm::RsaPadding padding = hsm::RsaPadding::pkcs1v15);

}  // namespace firma::signer::formats
