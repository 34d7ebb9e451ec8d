// Authorising signatures: the only path to a SAD runs through the citizen's OTP bound to exactly its entries.
#pragma once

#include <chrono>

#include "core/clock.h"
#include "core/ids.h"
#include "core/random.h"
#include "core/result.h"
#include "core/secret.h"
#include "signer/sad.h"

namespace firma::store {
class Database;
}
namespace firma::identity {
class CitizenService;
}

namespace firma::signer {

// The OTP purpose that signing challenges carry; no account flow accepts it.
inline constexpr std::string_view kSignaturePurpose = "signature";
// The OTP purpose of codes sent before the entries are known (credential_context); no account flow accepts it.
inline constexpr std::string_view kCredentialPurpose = "signature.credential";

class SignatureActivation {
 public:
  SignatureActivation(store::Database& db, identity::CitizenService& citizens, const Clock& clock, Random& random,
                      std::chrono::seconds sad_lifetime);

  // Completes the reinforced authentication of `challenge` with `otp`, bound to purpose "signature" and to
  // signing_context(request): the OTP confirms exactly these entries for this binding. On success the SAD is
  // recorded (its value only hashed) with an audit event, and returned; it expires after the lifetime. OTP errors
  // (otp_invalid, otp_expired, otp_exhausted) pass through unchanged; an empty request, or a budget of none or of
  // more signatures than entries, is invalid_request and spends no OTP try.
  Result<Sad> authorise(const ChallengeId& challenge, const Secret& otp, const SadRequest& request);

  // As authorise, for a code sent before the entries were known (CSC explicit mode): the OTP is bound to purpose
  // "signature.credential" and credential_context(request.binding); the SAD binds the exact entries. The caller
  // must have verified the citizen's password in the same request, before this call.
  Result<Sad> authorise_credential(const ChallengeId& challenge, const Secret& otp, const SadRequest& request);

 private:
  Result<Sad> authorise_bound(const ChallengeId& challenge, const Secret& otp, const SadRequest& request,
                              std::string_view purpose, const std::string& context);

  store::Database& db_;
  identity::CitizenService& citizens_;
  const Clock& clock_;
  Random& random_;
  std::chrono::seconds sad_lifetime_;
};

}  // namespace firma::signer
