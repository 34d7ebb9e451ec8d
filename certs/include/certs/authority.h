// The certification authority: root and issuing CA keys in the HSM, their certificates, and signing with them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "certs/profile.h"
#include "certs/settings.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/random.h"
#include "core/result.h"
#include "hsm/algorithms.h"

namespace firma::hsm {
class Token;
}
namespace firma::store {
class Database;
}

namespace firma::certs {

// A certificate of the CA (root, issuing CA, OCSP signer) and the key beside it on the token.
struct CaCertificate {
  CertSerial serial;
  KeyId key_id;
  hsm::KeyAlgorithm algorithm = hsm::KeyAlgorithm::ec_p384;
  std::string subject;  // RFC 2253-like text, for people
  Bytes der;
  Instant not_before{};
  Instant not_after{};
};

// A certificate the issuing CA just signed.
struct SignedCertificate {
  CertSerial serial;
  std::string subject;
  Bytes der;
  Instant not_before{};
  Instant not_after{};
};

// Which CA signs a CRL: the issuing CA (citizens' certificates) or the root (the issuing CA's certificate, so that
// relying parties that check the whole chain, RFC 5280 6.3, find its status too).
enum class CrlIssuer { issuing, root };

// A revoked certificate as a CRL lists it (RFC 5280 5.1.2.6).
struct CrlEntry {
  CertSerial serial;
  Instant revoked_at{};
  RevocationReason reason = RevocationReason::unspecified;
};

// Who signs OCSP answers right now: the delegated responder or the issuing CA.
struct OcspResponderKey {
  KeyId key_id;
  hsm::KeyAlgorithm algorithm = hsm::KeyAlgorithm::ec_p384;
  Bytes certificate;  // DER of the responder's certificate
  bool delegated = false;
};

// A key of the service's own on the token and the certificate the issuing CA gave it (the time-stamping unit's).
struct ServiceKey {
  KeyId key_id;
  hsm::KeyAlgorithm algorithm = hsm::KeyAlgorithm::ec_p384;
  Bytes certificate;  // DER
};

// One certificate as PEM (RFC 7468 5: base64 in 64-character lines).
std::string certificate_pem(std::span<const std::uint8_t> der);

// Thread-safe. The token and the database must outlive it.
class CertificateAuthority {
 public:
  // The CA this deployment uses, in this order:
  // 1. the root and issuing CA recorded in the database (their keys must be on the token: unavailable otherwise);
  // 2. with settings.root_key_id and issuing_key_id: those keys and the certificates stored beside them on the
  //    token (the issuing CA's must be a CA certificate signed by the root's key), recorded in the database;
  // 3. otherwise a new root (self-signed) and issuing CA, keys generated on the token, certificates stored on the
  //    token under the keys' CKA_ID and in the database. Nodes starting together agree on one CA: the loser of the
  //    race destroys the keys it made and uses the winner's.
  // Then, with the delegated OCSP signer, makes (or renews, when less than renew_before is left) its certificate;
  // and the same for the time-stamping unit (key purpose timestamping, critical EKU id-kp-timeStamping).
  static Result<std::unique_ptr<CertificateAuthority>> open(hsm::Token& token, store::Database& db, const Clock& clock,
                                                            Random& random, CaSettings settings);
  ~CertificateAuthority();
  CertificateAuthority(const CertificateAuthority&) = delete;
  CertificateAuthority& operator=(const CertificateAuthority&) = delete;

  const CaSettings& settings() const noexcept;
  const CaCertificate& root() const noexcept;
  const CaCertificate& issuing() const noexcept;
  // PEM: the issuing CA certificate, then the root (what /pki/ca.pem serves).
  std::string chain_pem() const;
  // DER: issuing CA first, root last.
  std::vector<Bytes> chain_der() const;

  // Signs a citizen's certificate for the SubjectPublicKeyInfo `public_key` (DER), valid from `not_before` for
  // settings().certificate_validity, with a random 127-bit serial and the citizen profile: keyUsage
  // digitalSignature + nonRepudiation (critical), basicConstraints cA=FALSE, certificatePolicies, AIA (OCSP and
  // caIssuers), CRL distribution point, SKI and AKI. Does not check eligibility or store anything.
  Result<SignedCertificate> sign_citizen_certificate(const CitizenForIssuance& citizen,
                                                     std::span<const std::uint8_t> public_key, Instant not_before);

  // Signs the certificate of one of the service's own keys that signs neither certificates nor OCSP answers (the
  // audit signer): issued by the issuing CA, CN `common_name` in the CA's organisation, keyUsage digitalSignature
  // (critical), basicConstraints cA=FALSE, SKI and AKI, valid from `not_before` to the issuing CA's end.
  Result<SignedCertificate> sign_service_certificate(std::string_view common_name,
                                                     std::span<const std::uint8_t> public_key, Instant not_before);

  // The CA that signs the CRLs of `issuer`.
  const CaCertificate& ca(CrlIssuer issuer) const noexcept;

  // Signs a CRL (RFC 5280 5) with the key of `issuer`, built with Botan's X509_CA: `previous` (DER, from this
  // CA) plus `new_entries`, CRL number previous + 1; or, without `previous`, the first CRL with `new_entries`.
  // The root's CRL needs the root key on the token: unavailable when it is kept offline.
  Result<Bytes> sign_crl(const std::optional<Bytes>& previous, const std::vector<CrlEntry>& new_entries,
                         Instant this_update, std::chrono::seconds validity, CrlIssuer issuer = CrlIssuer::issuing);

  OcspResponderKey ocsp_responder() const;
  // The time-stamping unit's key and certificate (RFC 3161 2.3).
  ServiceKey tsa_signer() const;

  // Periodic upkeep: picks up an OCSP signer or TSA certificate another node renewed, and renews them when due.
  Status maintain();

  struct Impl;

 private:
  explicit CertificateAuthority(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace firma::certs
