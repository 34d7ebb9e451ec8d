// Minting Signature Activation Data: the only path to a SAD runs through the citizen's OTP.
#pragma once

#include <chrono>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
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
  // signing_context(transaction, key, digests): the OTP confirms exactly these digests for this key. On
  // success the SAD is recorded (and audited) and returned; OTP errors (otp_invalid, otp_expired,
  // otp_exhausted) pass through unchanged.
  Result<Sad> activate(const TransactionId& transaction, const ChallengeId& challenge, const Secret& otp,
                       const CitizenId& citizen, const KeyId& key, std::vector<Bytes> digests);

 private:
  store::Database& db_;
  identity::CitizenService& citizens_;
  const Clock& clock_;
  Random& random_;
  std::chrono::seconds sad_lifetime_;
};

}  // namespace firma::signer
