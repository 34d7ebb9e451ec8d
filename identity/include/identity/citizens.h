// Citizens' Cl@ve Permanente accounts: registration, activation, password reset/change, deregistration, and the
// normal (NIF + password) and reinforced (password, then SMS OTP bound to a context) authentication levels.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/random.h"
#include "core/result.h"
#include "core/secret.h"
#include "core/statuses.h"
#include "identity/settings.h"
#include "policies/lockout_policy.h"
#include "policies/nif.h"
#include "policies/password_expiry.h"
#include "policies/password_policy.h"

namespace firma::store {
class Database;
class Tx;
}  // namespace firma::store

namespace firma::identity {

class OtpService;
class PasswordHasher;

// A citizen's record as operators and other modules see it: never a secret or a hash.
struct Citizen {
  CitizenId id;
  policies::Nif nif;
  std::string given_name;
  std::string surname1;
  std::string surname2;  // "" when there is none
  std::string email;
  std::string mobile;  // E.164
  RegistrationLevel registration_level = RegistrationLevel::basic;
  CitizenStatus status = CitizenStatus::pending_activation;
  int failed_attempts = 0;
  std::optional<Instant> password_expires_at;  // none until activation
  Instant created_at{};
};

// What an operator types; validated and normalised by register_citizen.
struct CitizenRegistration {
  std::string nif;
  std::string given_name;
  std::string surname1;
  std::string surname2;  // optional: "" for none
  std::string email;
  std::string mobile;              // E.164; spaces are tolerated
  std::string registration_level;  // "basic" | "advanced"
};

struct RegisteredCitizen {
  Citizen citizen;
  Secret activation_code;  // shown once; only its hash is stored
};

// An OTP went by SMS: the challenge to answer.
struct ChallengeStarted {
  ChallengeId challenge_id;
  std::string masked_mobile;
  Instant expires_at{};
};

struct PasswordSet {
  CitizenStatus status = CitizenStatus::active;
  Instant password_expires_at{};
};

// The normal level: NIF + password were right. An expired password still identifies the citizen (so that it can
// be changed), but the reinforced level refuses it.
struct AuthenticatedCitizen {
  Citizen citizen;
  bool password_expired = false;
};

// The first half of the reinforced level passed: the password of an active account, not expired, was right. Only
// CitizenService makes one (verify_reinforced_password), and send_reinforced_otp takes it, so that no reinforced
// OTP goes out but after the password. It cannot be copied.
class VerifiedCitizen {
 public:
  VerifiedCitizen(VerifiedCitizen&&) noexcept = default;
  VerifiedCitizen& operator=(VerifiedCitizen&&) noexcept = default;
  VerifiedCitizen(const VerifiedCitizen&) = delete;
  VerifiedCitizen& operator=(const VerifiedCitizen&) = delete;

  const Citizen& citizen() const noexcept { return citizen_; }

 private:
  friend class CitizenService;
  explicit VerifiedCitizen(Citizen citizen) : citizen_(std::move(citizen)) {}
  Citizen citizen_;
};

struct ReinforcedChallenge {
  ChallengeId challenge_id;
  std::string masked_mobile;
  Instant expires_at{};
  Citizen citizen;
};

struct CitizenOptions {
  policies::PasswordPolicy password_policy{};
  policies::LockoutPolicy lockout{};
  policies::PasswordExpiryPolicy expiry{};

  static CitizenOptions from_config(const PasswordSettings& config);
};

// OTP purposes of the account flows; start_reinforced refuses them (a signature code must not change a password).
inline constexpr std::string_view kPurposeActivation = "activation";
inline constexpr std::string_view kPurposePasswordReset = "password_reset";
inline constexpr std::string_view kPurposePasswordChange = "password_change";
inline constexpr std::string_view kPurposeDeregistration = "deregistration";

// Error codes, beyond invalid_request for malformed input:
//  invalid_credentials  NIF, password, email or activation code do not match (always the same words, so that
//                       the answer does not tell which, nor whether the NIF is registered); also an account that
//                       is not activated, deregistered, or locked when the password given is wrong: until the
//                       password is proven, answers are the same in time (one Argon2id check) and shape;
//  account_locked       five consecutive failed password checks (atomic in the database); only the reset unlocks;
//                       answered by the failure that locks, and afterwards only to the right password;
//  account_not_active   an account in another state than active or locked, to the right password;
//  password_expired     the reinforced level with a password older than its validity: change or reset it;
//  password_policy      the new password breaks a Cl@ve rule (the message says which);
//  otp_invalid, otp_expired, otp_exhausted (see OtpService::answer_in); not_found for an unknown challenge;
//  unavailable          the SMS gateway failed (the challenge is dead; a new request works once it is back).
// Every step, success or failure, writes an audit event in the same transaction as its change.
class CitizenService {
 public:
  // Everything passed must outlive the service. The hooks (on_deregistering / on_deregistered) are set while
  // wiring, before requests are served; the service is otherwise safe to call from many threads.
  CitizenService(store::Database& db, OtpService& otp, const PasswordHasher& hasher, const Clock& clock, Random& random,
                 CitizenOptions options = {});

  // --- operators (actor: "operator:<id>", for the audit trail) ---

  // A new account, pending_activation, with its one-time activation code. conflict when the NIF has a live
  // account (a deregistered NIF may register again, as a new account).
  Result<RegisteredCitizen> register_citizen(const CitizenRegistration& registration, std::string_view actor);
  // A new activation code; the old one (and any challenge started with it) stops working. not_found for an
  // unknown or deregistered NIF.
  Result<Secret> regenerate_activation_code(const policies::Nif& nif, std::string_view actor);
  // The live account of a NIF or, when there is none, its latest deregistered one; not_found when never registered.
  Result<Citizen> find_by_nif(const policies::Nif& nif) const;
  Result<Citizen> find_by_id(const CitizenId& id) const;

  // --- citizens' flows (API.md "Citizens") ---

  // NIF + email + activation code of a pending account -> an OTP by SMS.
  Result<ChallengeStarted> start_activation(const policies::Nif& nif, std::string_view email,
                                            const Secret& activation_code);
  // OTP + a password meeting the policy -> active, password valid for a year.
  Result<PasswordSet> complete_activation(const ChallengeId& challenge, const Secret& otp, const Secret& password);
  // NIF + activation code of an active or locked account -> an OTP.
  Result<ChallengeStarted> start_password_reset(const policies::Nif& nif, const Secret& activation_code);
  // OTP + new password -> active again (unlocked, no failures).
  Result<PasswordSet> complete_password_reset(const ChallengeId& challenge, const Secret& otp, const Secret& password);
  // NIF + current password (counts toward the lockout; an expired one is accepted here) + new password -> OTP.
  Result<ChallengeStarted> start_password_change(const policies::Nif& nif, const Secret& password,
                                                 const Secret& new_password);
  Result<PasswordSet> complete_password_change(const ChallengeId& challenge, const Secret& otp);
  // NIF + password -> OTP -> deregistered: nothing works for that NIF afterwards.
  Result<ChallengeStarted> start_deregistration(const policies::Nif& nif, const Secret& password);
  Result<Citizen> complete_deregistration(const ChallengeId& challenge, const Secret& otp);
  // A new code for a pending challenge of any purpose (OtpService::resend: cooldown, bounded).
  Result<ChallengeStarted> resend_otp(const ChallengeId& challenge);

  // --- authentication for other modules (the signer) ---

  // The normal level: NIF + password. Wrong passwords count toward the lockout; the fifth locks the account and
  // answers account_locked, as does every later attempt, the right password included. `action` names the step
  // in the audit trail ("transaction.authenticate").
  Result<AuthenticatedCitizen> authenticate_password(const policies::Nif& nif, const Secret& password,
                                                     std::string_view action = "citizen.authenticate");
  // An Argon2id verification with the configured parameters whose result is thrown away, for a caller that
  // refuses before the password check (a NIF that is not the transaction's) but must take as long as one.
  void spend_password_check(const Secret& password) const;
  // The reinforced level, first half: the password (as above; an expired one is password_expired). The caller
  // then prepares what the OTP is to confirm (the signer issues a certificate and computes the digests) and sends
  // the OTP with send_reinforced_otp.
  Result<VerifiedCitizen> verify_reinforced_password(const policies::Nif& nif, const Secret& password);
  // An OTP by SMS for a citizen whose password was just verified, bound to `purpose` (lower case letters, digits,
  // '_' and '.', not an account-flow purpose) and `context` (e.g. the transaction, the key and the exact entries
  // to sign). `sms_text` names what is confirmed and has "{otp}" where the code goes.
  Result<ReinforcedChallenge> send_reinforced_otp(const VerifiedCitizen& verified, std::string_view purpose,
                                                  std::string_view context, std::string_view sms_text);
  // An OTP by SMS before the password, for a client that collects both factors and sends them together (CSC's
  // explicit mode: sendOTP carries no password). The citizen must be active; nothing is proven yet, so the
  // caller must check the password (verify_reinforced_password) in the request that answers the code, before
  // complete_reinforced. A second call for the same purpose and context while its code is open sends a new code
  // for the same challenge, under the resend cooldown and bound (rate_limited): no client can flood a phone.
  Result<ReinforcedChallenge> send_otp_before_password(const Citizen& citizen, std::string_view purpose,
                                                       std::string_view context, std::string_view sms_text);
  // The open challenge send_otp_before_password made for this citizen, purpose and context; nullopt when none.
  Result<std::optional<ChallengeId>> open_challenge(const CitizenId& citizen, std::string_view purpose,
                                                    std::string_view context);
  // Both halves at once, for a context known before the password is checked.
  Result<ReinforcedChallenge> start_reinforced(const policies::Nif& nif, const Secret& password,
                                               std::string_view purpose, std::string_view context,
                                               std::string_view sms_text);
  // The second half: the right code for that purpose and context, within its lifetime and tries, once. The
  // citizen must still be active.
  Result<Citizen> complete_reinforced(const ChallengeId& challenge, const Secret& otp, std::string_view purpose,
                                      std::string_view context);

  // --- deregistration hooks (the PKI revokes the certificate and destroys the key) ---

  // Runs inside the deregistration's database transaction, after the status changed; an error rolls the whole
  // deregistration back (and is the answer). For database work that must happen with it (revocation records).
  using DeregistrationStep = std::function<Status(store::Tx& tx, const Citizen& citizen)>;
  void on_deregistering(DeregistrationStep step);
  // Runs after the deregistration committed (HSM key destruction and the like); it cannot undo it, so it logs
  // its own failures. Exceptions are caught and logged.
  using DeregistrationListener = std::function<void(const Citizen& citizen)>;
  void on_deregistered(DeregistrationListener listener);

  // The activation code as typed ("ab12-CD34 ...") to the canonical form that is hashed (upper case, no
  // separators); empty when it holds other characters.
  static std::string canonical_activation_code(std::string_view typed);

 private:
  struct Account;
  Result<Account> check_password(const policies::Nif& nif, const Secret& password, std::string_view action);
  Result<PasswordSet> complete_with_new_password(const ChallengeId& challenge, const Secret& otp,
                                                 const Secret& password, std::string_view purpose);
  Result<ChallengeStarted> start_with_activation_code(const policies::Nif& nif, std::optional<std::string_view> email,
                                                      const Secret& activation_code, std::string_view purpose);
  std::string sms_text(std::string_view what) const;
  static Status check_reinforced_request(std::string_view purpose, std::string_view sms_text);

  store::Database& db_;
  OtpService& otp_;
  const PasswordHasher& hasher_;
  const Clock& clock_;
  Random& random_;
  CitizenOptions options_;
  std::string dummy_hash_;  // verified against for unknown NIFs, so that they take as long as known ones
  std::vector<DeregistrationStep> deregistering_;
  std::vector<DeregistrationListener> deregistered_;
};

}  // namespace firma::identity
