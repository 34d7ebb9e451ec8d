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

 private:
  store::Database& db_;
  identity::CitizenService& citizens_;
  const Clock& clock_;
  Random& random_;
  std::chrono::seconds sad_lifetime_;
};

}  // namespace firma::signer
