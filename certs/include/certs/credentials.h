// Citizens' credentials: a key pair in the HSM and its certificate, issued, renewed, listed and revoked.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certs/authority.h"
#include "certs/profile.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/random.h"
#include "core/result.h"
#include "core/statuses.h"
#include "hsm/algorithms.h"

namespace firma::hsm {
class Token;
}
namespace firma::store {
class Database;
}

namespace firma::certs {

class CrlService;
class KeyCustody;

// How callers (api, app) find a citizen for issuance without certs depending on identity.
using CitizenLookup = std::function<Result<CitizenForIssuance>(std::string_view nif)>;

// What the signer needs to sign for a citizen: the key on the token and the certificate with its chain.
struct Credential {
  KeyId key_id;
  CertSerial serial;
  hsm::KeyAlgorithm algorithm = hsm::KeyAlgorithm::ec_p256;
  Bytes certificate;         // DER
  std::vector<Bytes> chain;  // DER: issuing CA first, root last
  Instant not_before{};
  Instant not_after{};
};

// A certificate as operators see it. A valid one past its notAfter reads expired even before the periodic upkeep
// records it.
struct CertificateInfo {
  CertSerial serial;
  std::string nif;
  std::string subject;
  KeyId key_id;
  std::string algorithm;
  Instant not_before{};
  Instant not_after{};
  CertificateStatus status = CertificateStatus::valid;
  std::optional<Instant> revoked_at;
  std::optional<RevocationReason> revocation_reason;
  Bytes certificate;  // DER
};

// A key on the token as operators see it: flags read through PKCS#11, owner and creation time from the database.
struct KeyEntry {
  KeyId key_id;
  std::string owner;    // the citizen's NIF, "ca", or "unknown" for a key Firma did not make
  std::string purpose;  // "citizen", "root", "issuing", "ocsp_signer" or "unknown"
  hsm::KeyAlgorithm algorithm = hsm::KeyAlgorithm::ec_p256;
  std::optional<Instant> created_at;
  bool sensitive = true;
  bool extractable = false;
  bool has_certificate = false;
};

// Thread-safe. Every state change writes an audit event in the same database transaction; `actor` names who asked
// ("operator:<id>", "citizen:<nif>", "system").
class CredentialService {
 public:
  // New keys follow `custody`'s mode (on the token, or wrapped in the database); keys of either kind stay usable.
  CredentialService(hsm::Token& token, KeyCustody& custody, store::Database& db, CertificateAuthority& authority,
                    CrlService& crl, const Clock& clock, Random& random);

  // A new key pair (sensitive, never extractable; or wrapped, see KeyCustody) and certificate for an eligible
  // citizen; the certificate is stored in the database, and on the token under the key's CKA_ID for a token key. A
  // valid certificate the citizen already had is superseded: revoked with reason superseded and its key destroyed.
  // `algorithm` defaults to the configured one. Errors: account_not_active, registration_level (check_eligible),
  // unavailable (token), conflict (another issuance for the same citizen won a race; its credential stands).
  Result<Credential> issue(const CitizenForIssuance& citizen, std::optional<hsm::KeyAlgorithm> algorithm,
                           std::string_view actor);

  // The signing flow's entry: the citizen's current credential, issuing one when there is none valid, or renewing
  // it when less than renew_before is left. Eligibility is checked every time.
  Result<Credential> ensure_certificate(const CitizenForIssuance& citizen, std::string_view actor);

  // The valid, unexpired credential of a NIF; nullopt when there is none.
  Result<std::optional<Credential>> current_credential(std::string_view nif);

  // Revokes one certificate (RFC 5280 reason), destroys its key on the token and publishes a new CRL.
  // not_found for an unknown serial, conflict when it is not valid any more (already revoked or expired).
  Result<CertificateInfo> revoke(const CertSerial& serial, RevocationReason reason, std::string_view actor);

  // Deregistration: revokes every valid certificate of the NIF and destroys their keys; returns how many were
  // revoked (0 is not an error).
  Result<std::size_t> revoke_all_for(std::string_view nif, RevocationReason reason, std::string_view actor);

  Result<std::optional<CertificateInfo>> find(const CertSerial& serial);
  // One citizen's certificates, newest first; or, with no NIF, the most recent `limit` of everyone's.
  Result<std::vector<CertificateInfo>> list(std::optional<std::string_view> nif, std::size_t limit = 1000);

  // Every private key on the token (PKCS#11 inventory, for operators: it scans the token).
  Result<std::vector<KeyEntry>> keys();

  // Periodic upkeep: records as expired the valid certificates past notAfter; returns how many.
  Result<std::size_t> expire_due();

 private:
  // Issues a credential that replaces `replaced` (the citizen's valid certificate when the caller looked, or none):
  // conflict when that changed meanwhile. A non-empty `key_lost` says the replaced certificate's key is gone
  // from the token: an alarm, recorded (audit key.lost) in the same transaction as the replacement.
  Result<Credential> issue_replacing(const CitizenForIssuance& citizen, hsm::KeyAlgorithm algorithm,
                                     std::string_view actor, const std::optional<CertSerial>& replaced,
                                     std::string_view key_lost = {});
  // Destroys a key (on the token, or its wrapped blob) and records it (audit: key.destroy by `actor`); a key
  // already gone counts.
  Status destroy_key(const KeyId& key_id, std::string_view actor);
  // Publishes a CRL after a revocation; a failure is logged (the next publication lists the revocation anyway).
  void publish_crl();

  hsm::Token& token_;
  KeyCustody& custody_;
  store::Database& db_;
  CertificateAuthority& authority_;
  CrlService& crl_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace firma::certs
