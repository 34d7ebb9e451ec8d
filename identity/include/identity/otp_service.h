// SMS one-time codes: random digits stored hashed, bound to a purpose and a context, few tries, single use.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/ids.h"
#include "core/random.h"
#include "core/result.h"
#include "core/secret.h"
#include "identity/settings.h"
#include "policies/otp_policy.h"

namespace firma::store {
class Database;
class Tx;
}  // namespace firma::store

namespace firma::identity {

class SmsGateway;

// What a code is for and where it goes.
struct OtpRequest {
  CitizenId citizen_id;
  std::string subject;   // for the audit trail: the citizen's NIF
  std::string mobile;    // E.164
  std::string purpose;   // "activation", "password_reset", "password_change", "deregistration", or a caller's own
  std::string context;   // what exactly the code confirms (stored as its SHA-256); the answer must name it again
  std::string sms_text;  // the message, with "{otp}" where the code goes; names the purpose, never a password
  std::string payload;   // what completing applies (e.g. a new password's Argon2id hash); never a clear secret
};

// What the citizen is told: which challenge to answer, and where the code went.
struct OtpChallenge {
  ChallengeId id;
  std::string masked_mobile;  // "+34******222"
  Instant expires_at{};
};

// A stored challenge as the service judges it (hashes only; the code itself is never stored).
struct ChallengeInfo {
  ChallengeId id;
  CitizenId citizen_id;
  std::string purpose;
  std::string context_hash;
  std::string code_hash;
  std::string payload;
  std::string state;  // "sending" | "sent" | "failed" | "consumed"
  int attempts = 0;
  int max_attempts = 0;
  int sends = 0;
  Instant issued_at{};
  Instant expires_at{};
};

// A code made inside a transaction and not yet sent (see create_in / deliver).
struct OtpDraft {
  ChallengeId id;
  Secret code;
  std::string subject;
  std::string mobile;
  std::string purpose;
  std::string sms_text;
  Instant expires_at{};
};

class OtpService {
 public:
  // Codes per challenge, the first one included: a resend after the cooldown, up to this many times in all.
  static constexpr int max_sends = 5;

  // `db`, `gateway`, `clock` and `random` must outlive the service; all of them are used from several threads.
  OtpService(store::Database& db, SmsGateway& gateway, const Clock& clock, Random& random,
             policies::OtpPolicy policy = {});

  // otp.digits, otp.ttl_seconds, otp.max_attempts, otp.resend_cooldown_seconds, range-checked.
  static Result<policies::OtpPolicy> policy_from_config(const OtpSettings& config);
  const policies::OtpPolicy& policy() const noexcept { return policy_; }

  // A new challenge and its code by SMS: create_in (its own transaction) and deliver.
  Result<OtpChallenge> issue(const OtpRequest& request);

  // Judges an answer in its own transaction (see answer_in): the challenge when the code is right.
  // not_found for an unknown challenge.
  Result<ChallengeInfo> confirm(const ChallengeId& id, const Secret& otp, std::string_view purpose,
                                std::string_view context, std::string_view subject);

  // A new code for a challenge that was sent (or whose sending failed) and not answered right: after the
  // resend cooldown since the last code (rate_limited before it), at most max_sends codes in all (rate_limited),
  // with a fresh lifetime and tries. The old code stops working. not_found for an unknown challenge,
  // otp_expired for one already used.
  Result<OtpChallenge> resend(const ChallengeId& id);

  // The newest challenge of the citizen for this purpose and context that is still open (being sent or sent,
  // unexpired); nullopt when there is none.
  Result<std::optional<ChallengeId>> newest_open(const CitizenId& citizen, std::string_view purpose,
                                                 std::string_view context);

  // Deletes challenges that expired more than `keep` ago (the audit trail keeps their story); how many. For the
  // periodic upkeep.
  Result<std::int64_t> purge_expired(std::chrono::seconds keep = std::chrono::hours(24));

  // --- Steps for services of this module that need them inside their own database transaction ---

  // A new challenge in state 'sending', and its code (digits from the CSPRNG), within tx. Audited.
  Result<OtpDraft> create_in(store::Tx& tx, const OtpRequest& request);
  // Outside any transaction: hands the SMS to the gateway, then records 'sent' (or 'failed', and the challenge
  // can never be answered) in a transaction of its own. A gateway failure is `unavailable`.
  Result<OtpChallenge> deliver(const OtpDraft& draft);
  // The challenge, its row locked until tx ends; nullopt when unknown.
  Result<std::optional<ChallengeInfo>> lock_in(store::Tx& tx, const ChallengeId& id);
  // Judges one answer to a locked challenge and records it within tx (the try, the single use, an audit event).
  // The outer Result fails only when the database does (roll back); the inner Status is the verdict, which the
  // caller commits whatever it is: ok, or otp_invalid (wrong code, or a challenge for another purpose or
  // context: it confirms nothing else), otp_expired (expired, already used, or never delivered),
  // otp_exhausted (no tries left).
  Result<Status> answer_in(store::Tx& tx, const ChallengeInfo& challenge, const Secret& otp, std::string_view purpose,
                           std::string_view context, std::string_view subject);

 private:
  store::Database& db_;
  SmsGateway& gateway_;
  const Clock& clock_;
  Random& random_;
  policies::OtpPolicy policy_;
};

// SMS texts are templates: "{otp}" is where the code goes, "{{" and "}}" stand for literal braces.

// The SMS text with the code in place of "{otp}", in one pass from left to right: what is put in is never read
// again as template, and a "{otp}" that came with a value (sms_template_literal) stays literal text.
std::string fill_sms_text(std::string_view sms_text, std::string_view code);
// True when the template has a place for the code (a "{otp}" that is not a literal).
bool sms_template_has_code(std::string_view sms_text);
// `value` (an application's name, ...) as template text that shows as itself: braces doubled, control
// characters (a line break would start a line that looks like ours) made spaces.
std::string sms_template_literal(std::string_view value);

}  // namespace firma::identity
