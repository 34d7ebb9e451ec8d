// A citizen's signing credentials (key + certificate) as remote-signing fronts name them, and their authorisation
// by a client that collects the password and the SMS code itself (CSC's explicit mode).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/random.h"
#include "core/result.h"
#include "core/secret.h"
#include "core/statuses.h"
#include "hsm/algorithms.h"
#include "signer/applications.h"
#include "signer/sad.h"

namespace firma::store {
class Database;
}
namespace firma::identity {
class CitizenService;
}
namespace firma::certs {
class CertificateAuthority;
class CredentialService;
}  // namespace firma::certs
namespace firma::policies {
class Nif;
}

namespace firma::signer {

// One credential: a certificate of the citizen and the key it certifies. The serial names it.
struct SigningCredential {
  CertSerial serial;
  CitizenId citizen;
  std::string nif;
  KeyId key;
  hsm::KeyAlgorithm algorithm = hsm::KeyAlgorithm::ec_p256;
  CertificateStatus status = CertificateStatus::valid;
  Bytes certificate;         // DER
  std::vector<Bytes> chain;  // DER: issuing CA first, root last
  Instant not_before{};
  Instant not_after{};

  SadBinding binding(const AppId& application) const { return {citizen, key, application}; }
};

// Where a code went.
struct CodeSent {
  std::string masked_mobile;
  Instant expires_at{};
};

// What a SAD that is presented as a bearer allows: its binding, until when.
struct SadHolder {
  SadBinding binding;
  Instant expires_at{};
};

struct CredentialLimits {
  std::chrono::seconds sad_lifetime{300};
  std::size_t max_signatures = 1000;  // the most signatures one SAD may release (CSC multisign)
};

// Thread-safe; everything passed must outlive it.
class SigningCredentials {
 public:
  SigningCredentials(store::Database& db, identity::CitizenService& citizens, certs::CredentialService& credentials,
                     certs::CertificateAuthority& authority, const Clock& clock, Random& random,
                     CredentialLimits limits);

  // The credentials of a citizen: one per valid, unexpired certificate. An active, advanced citizen with none gets
  // one now (certs::CredentialService::ensure_certificate, audited as `actor`), so that a client can name it
  // before its first authorisation. Others have none. not_found for an unknown NIF.
  Result<std::vector<SigningCredential>> list(const policies::Nif& nif, std::string_view actor);
  Result<std::vector<SigningCredential>> list(const CitizenId& citizen, std::string_view actor);
  // The credential a serial names, whatever its status; not_found when there is none.
  Result<SigningCredential> find(const CertSerial& serial);

  // Sends the citizen of a valid credential an SMS code for `app`, bound to that application and credential
  // (credential_context) and naming the application and how many signatures a SAD may allow at most. No password
  // comes with it: a second request while the code is open resends it under the OTP cooldown (rate_limited).
  Result<CodeSent> send_code(const SigningCredential& credential, const Application& app);

  // Password first (counting toward the lockout, as every front), then the code send_code sent for this
  // application and credential: a SAD for exactly `entries`, at most `budget` signatures (1 .. entries, and at
  // most max_signatures). invalid_credentials for a password that is not the credential's citizen's;
  // otp_expired when no code is open; the OTP errors otherwise; conflict for a credential that is not valid.
  Result<Sad> authorise(const SigningCredential& credential, const AppId& app, const Secret& password,
                        const Secret& otp, std::vector<SadEntry> entries, std::size_t budget);

  // SignatureActivation::reissue for this credential and application: a SAD for some of the unspent entries of
  // `sad`, which ends; no citizen step.
  Result<Sad> reissue(const Secret& sad, const SigningCredential& credential, const AppId& app,
                      const std::vector<SadEntry>& entries);

  // The holder of a SAD value: unauthorized when it is unknown or has expired.
  Result<SadHolder> sad_holder(const Secret& sad);

  const CredentialLimits& limits() const noexcept { return limits_; }

 private:
  Result<std::vector<SigningCredential>> valid_credentials(std::string_view nif);

  store::Database& db_;
  identity::CitizenService& citizens_;
  certs::CredentialService& credentials_;
  certs::CertificateAuthority& authority_;
  const Clock& clock_;
  Random& random_;
  CredentialLimits limits_;
};

}  // namespace firma::signer
