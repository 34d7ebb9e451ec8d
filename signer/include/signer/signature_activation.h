// Authorising signatures: the only path to a SAD runs through the citizen's OTP bound to exactly its entries.
#pragma once

#include <chrono>
#include <span>

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

  // Reissues the SAD whose value is `sad` for a part of what it still allows, without asking the citizen again:
  // each of `entries` (digest algorithm and digest; the padding of the entry it matches is kept) must match an
  // unspent entry of the old SAD, as a multiset, and the new SAD may release at most what is left of the old one's
  // budget (and no more than one signature per entry). In one database transaction the old SAD ends and the new
  // one is recorded, with an audit event naming both: the pair can never release more than the citizen
  // authorised. The new SAD's lifetime starts now. A refusal is forbidden, in CitizenKeySigner's words (not on
  // record, another citizen, key or application, expired or ended, entry not authorised, already used, budget),
  // changes nothing and leaves an audit event; no entries is invalid_request.
  Result<Sad> reissue(const Secret& sad, const SadBinding& binding, std::span<const SadEntry> entries);

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
