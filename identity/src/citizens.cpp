// The citizen account flows over the store, the OTP service and the password hasher; every step audited.
#include "identity/citizens.h"

#include <exception>
#include <functional>
#include <utility>

#include "audit.h"
#include "core/encoding.h"
#include "core/log.h"
#include "identity/otp_service.h"
#include "identity/password_hasher.h"
#include "policies/contact.h"
#include "store/citizens.h"
#include "store/database.h"
#include "store/otp_challenges.h"

namespace firma::identity {
namespace {

using detail::accept;
using detail::audit;
using detail::refuse;
using detail::settle;

// The same words whatever did not match, so the answer tells neither which datum was wrong nor whether the NIF
// is registered (the Cl@ve forms say no more).
constexpr std::string_view kDataMismatch = "the data do not match our records";
constexpr std::string_view kBadCredentials = "the NIF or the password is not correct";
constexpr std::string_view kLocked =
    "the account is locked after five failed attempts; reset the password with the activation code";

// 32 symbols without the look-alikes I/1 and O/0: 16 of them carry 80 bits, shown as XXXX-XXXX-XXXX-XXXX.
constexpr std::string_view kCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
constexpr std::size_t kCodeLength = 16;

std::string activation_code_hash(std::string_view canonical) {
  return to_hex(sha256("firma-activation-code-v1:" + std::string(canonical)));
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool same_email(std::string_view typed, const std::string& registered) {
  auto normalized = policies::normalize_email(typed);
  return normalized.ok() && ascii_lower(*normalized) == ascii_lower(registered);
}

// The audit outcome of a step refused because of the account's status ("status_locked").
std::string status_outcome(CitizenStatus status) {
  return "status_" + std::string(to_string(status));
}

Result<Citizen> to_citizen(const store::CitizenRow& row) {
  auto nif = policies::Nif::parse(row.nif);
  if (!nif) return make_error(ErrorCode::internal, "citizen " + row.id.str() + " is malformed");
  return Citizen{row.id,
                 *nif,
                 row.given_name,
                 row.surname1,
                 row.surname2,
                 row.email,
                 row.mobile,
                 row.registration_level,
                 row.status,
                 row.failed_attempts,
                 row.password_expires_at,
                 row.created_at};
}

policies::PasswordContext password_context(const store::CitizenRow& row) {
  return policies::PasswordContext{row.given_name, row.surname1, row.surname2, row.nif};
}

// What a completing step holds once the citizen's code is judged right: the challenge, locked in the
// transaction, and its citizen.
struct AnsweredChallenge {
  ChallengeInfo challenge;
  store::CitizenRow citizen;
};

// The start of every step that completes a challenge: lock it, load its citizen, judge the code for this
// purpose and the context it was bound to (read off the citizen: the activation code's or the password's hash,
// or given). The outer error is the database's (roll back); the inner one is the refusal, which the caller
// commits (the OtpService has counted the try and audited it).
Result<Result<AnsweredChallenge>> answer_challenge(
    OtpService& otp, store::Tx& tx, const ChallengeId& id, const Secret& code, std::string_view purpose,
    const std::function<std::string(const store::CitizenRow&)>& context_of) {
  auto locked = otp.lock_in(tx, id);
  if (!locked) return std::move(locked).error();
  if (!locked->has_value()) return refuse<AnsweredChallenge>(ErrorCode::not_found, "unknown challenge");
  auto row = store::CitizenRows::find_by_id(tx, (*locked)->citizen_id);
  if (!row) return std::move(row).error();
  if (!row->has_value()) return make_error(ErrorCode::internal, "challenge of an unknown citizen");
  auto verdict = otp.answer_in(tx, **locked, code, purpose, context_of(**row), (*row)->nif);
  if (!verdict) return std::move(verdict).error();
  if (!*verdict) return refuse<AnsweredChallenge>(std::move(*verdict).error());
  return Result<Result<AnsweredChallenge>>(
      Result<AnsweredChallenge>(AnsweredChallenge{std::move(**locked), std::move(**row)}));
}

std::string password_hash_of(const store::CitizenRow& c) {
  return c.password_hash.value_or(std::string());
}

Result<std::string> field(Result<std::string> value, std::string_view name) {
  if (!value) return make_error(value.error().code, std::string(name) + ": " + value.error().message);
  return value;
}

bool is_account_purpose(std::string_view purpose) {
  return purpose == kPurposeActivation || purpose == kPurposePasswordReset || purpose == kPurposePasswordChange ||
         purpose == kPurposeDeregistration;
}

bool is_purpose_word(std::string_view purpose) {
  if (purpose.empty() || purpose.size() > 40) return false;
  for (char c : purpose)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

CitizenOptions CitizenOptions::from_config(const PasswordSettings& config) {
  CitizenOptions options;
  options.expiry.validity = std::chrono::days{static_cast<std::int64_t>(config.validity_days)};
  return options;
}

// An account whose password was just verified.
struct CitizenService::Account {
  store::CitizenRow row;
  Citizen citizen;
  bool password_expired = false;
};

CitizenService::CitizenService(store::Database& db, OtpService& otp, const PasswordHasher& hasher, const Clock& clock,
                               Random& random, CitizenOptions options)
    : db_(db), otp_(otp), hasher_(hasher), clock_(clock), random_(random), options_(options) {
  auto dummy = hasher_.hash(Secret(random_.hex_token(16)));
  if (dummy) dummy_hash_ = std::move(*dummy);
}

void CitizenService::on_deregistering(DeregistrationStep step) {
  deregistering_.push_back(std::move(step));
}
void CitizenService::on_deregistered(DeregistrationListener listener) {
  deregistered_.push_back(std::move(listener));
}

std::string CitizenService::canonical_activation_code(std::string_view typed) {
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return {};
    out += c;
  }
  return out;
}

std::string CitizenService::sms_text(std::string_view what) const {
  const auto minutes = (otp_.policy().ttl.count() + 59) / 60;
  return "Cl@ve Firma: su c\u00F3digo " + std::string(what) + " es {otp}. Caduca en " + std::to_string(minutes) +
         (minutes == 1 ? " minuto" : " minutos") + ". No lo comparta con nadie.";
}

// --- operators ---------------------------------------------------------------------------------------------

Result<RegisteredCitizen> CitizenService::register_citizen(const CitizenRegistration& r, std::string_view actor) {
  auto nif = policies::Nif::parse(r.nif);
  if (!nif) return make_error(ErrorCode::invalid_request, "nif: " + nif.error().message);
  auto given = field(policies::normalize_person_name(r.given_name), "given_name");
  if (!given) return std::move(given).error();
  auto surname1 = field(policies::normalize_person_name(r.surname1), "surname1");
  if (!surname1) return std::move(surname1).error();
  std::string surname2;
  if (r.surname2.find_first_not_of(" \t") != std::string::npos) {
    auto s2 = field(policies::normalize_person_name(r.surname2), "surname2");
    if (!s2) return std::move(s2).error();
    surname2 = std::move(*s2);
  }
  auto email = field(policies::normalize_email(r.email), "email");
  if (!email) return std::move(email).error();
  auto mobile = field(policies::normalize_mobile(r.mobile), "mobile");
  if (!mobile) return std::move(mobile).error();
  auto level = parse_registration_level(r.registration_level);
  if (!level) return make_error(ErrorCode::invalid_request, "registration_level: must be basic or advanced");

  std::string code;
  for (std::size_t i = 0; i < kCodeLength; ++i) {
    if (i > 0 && i % 4 == 0) code += '-';
    code += kCodeAlphabet[random_.uniform(static_cast<std::uint32_t>(kCodeAlphabet.size()))];
  }
  Secret activation_code(std::move(code));
  const Instant now = clock_.now();
  store::CitizenRow row;
  row.id = CitizenId("ctz-" + random_.hex_token(12));
  row.nif = nif->str();
  row.given_name = std::move(*given);
  row.surname1 = std::move(*surname1);
  row.surname2 = std::move(surname2);
  row.email = std::move(*email);
  row.mobile = std::move(*mobile);
  row.registration_level = *level;
  row.status = CitizenStatus::pending_activation;
  row.activation_code_hash = activation_code_hash(canonical_activation_code(activation_code.reveal()));
  row.created_at = row.updated_at = now;

  Status saved = db_.transact([&](store::Tx& tx) -> Status {
    if (Status s = store::CitizenRows::insert(tx, row); !s) return s;
    return audit(tx, clock_, std::string(actor), "citizen.register", row.nif, "success",
                 "id=" + row.id.str() + " level=" + std::string(to_string(row.registration_level)));
  });
  if (!saved && saved.error().code == ErrorCode::conflict) {
    return store::commit_refusal(
        db_, make_error(ErrorCode::conflict, "a citizen with this NIF is already registered"),
        [&](store::Tx& tx) { return audit(tx, clock_, std::string(actor), "citizen.register", row.nif, "conflict"); });
  }
  if (!saved) return std::move(saved).error();
  auto citizen = to_citizen(row);
  if (!citizen) return std::move(citizen).error();
  return RegisteredCitizen{std::move(*citizen), std::move(activation_code)};
}

Result<Secret> CitizenService::regenerate_activation_code(const policies::Nif& nif, std::string_view actor) {
  std::string code;
  for (std::size_t i = 0; i < kCodeLength; ++i) {
    if (i > 0 && i % 4 == 0) code += '-';
    code += kCodeAlphabet[random_.uniform(static_cast<std::uint32_t>(kCodeAlphabet.size()))];
  }
  Secret activation_code(std::move(code));
  const std::string hash = activation_code_hash(canonical_activation_code(activation_code.reveal()));
  auto done = settle(db_.transact([&](store::Tx& tx) -> Result<Status> {
    auto row = store::CitizenRows::find_by_nif(tx, nif.str());
    if (!row) return std::move(row).error();
    bool changed = false;
    if (row->has_value()) {
      auto set = store::CitizenRows::set_activation_code(tx, (*row)->id, hash, clock_.now());
      if (!set) return std::move(set).error();
      changed = *set;
    }
    if (Status s = audit(tx, clock_, std::string(actor), "citizen.activation_code.regenerate", nif.str(),
                         changed ? "success" : "not_found");
        !s)
      return std::move(s).error();
    if (!changed) return Status(make_error(ErrorCode::not_found, "no registered citizen with this NIF"));
    return Status{};
  }));
  if (!done) return std::move(done).error();
  return activation_code;
}

Result<Citizen> CitizenService::find_by_nif(const policies::Nif& nif) const {
  auto row = db_.transact([&](store::Tx& tx) { return store::CitizenRows::find_by_nif(tx, nif.str()); });
  if (!row) return std::move(row).error();
  if (!row->has_value()) return make_error(ErrorCode::not_found, "no citizen with this NIF");
  return to_citizen(**row);
}

Result<Citizen> CitizenService::find_by_id(const CitizenId& id) const {
  auto row = db_.transact([&](store::Tx& tx) { return store::CitizenRows::find_by_id(tx, id); });
  if (!row) return std::move(row).error();
  if (!row->has_value()) return make_error(ErrorCode::not_found, "no citizen with this id");
  return to_citizen(**row);
}

// --- flows that start with the activation code ---------------------------------------------------------------

Result<ChallengeStarted> CitizenService::start_with_activation_code(const policies::Nif& nif,
                                                                    std::optional<std::string_view> email,
                                                                    const Secret& activation_code,
                                                                    std::string_view purpose) {
  const bool activation = purpose == kPurposeActivation;
  const std::string action = activation ? "citizen.activation.start" : "citizen.password_reset.start";
  const std::string canonical = canonical_activation_code(activation_code.reveal());
  auto draft = settle(db_.transact([&](store::Tx& tx) -> Result<Result<OtpDraft>> {
    auto found = store::CitizenRows::find_by_nif(tx, nif.str());
    if (!found) return std::move(found).error();
    std::string outcome = "success";
    if (!found->has_value()) {
      outcome = "unknown_nif";
    } else {
      const store::CitizenRow& c = **found;
      const bool code_right = !canonical.empty() && !c.activation_code_hash.empty() &&
                              constant_time_equal(activation_code_hash(canonical), c.activation_code_hash);
      const bool state_right = activation ? c.status == CitizenStatus::pending_activation
                                          : (c.status == CitizenStatus::active || c.status == CitizenStatus::locked);
      if (!code_right)
        outcome = "wrong_activation_code";
      else if (email && !same_email(*email, c.email))
        outcome = "wrong_email";
      else if (!state_right)
        outcome = status_outcome(c.status);
    }
    if (Status s = audit(tx, clock_, "citizen", action, nif.str(), outcome); !s) return std::move(s).error();
    if (outcome != "success") return refuse<OtpDraft>(ErrorCode::invalid_credentials, std::string(kDataMismatch));
    const store::CitizenRow& c = **found;
    auto draft = otp_.create_in(
        tx, OtpRequest{c.id,
                       c.nif,
                       c.mobile,
                       std::string(purpose),
                       c.activation_code_hash,
                       sms_text(activation ? "de activaci\u00F3n" : "para restablecer la contrase\u00F1a"),
                       {}});
    if (!draft) return std::move(draft).error();
    return accept<OtpDraft>(std::move(*draft));
  }));
  if (!draft) return std::move(draft).error();
  auto sent = otp_.deliver(*draft);
  if (!sent) return std::move(sent).error();
  return ChallengeStarted{sent->id, sent->masked_mobile, sent->expires_at};
}

Result<ChallengeStarted> CitizenService::start_activation(const policies::Nif& nif, std::string_view email,
                                                          const Secret& activation_code) {
  return start_with_activation_code(nif, email, activation_code, kPurposeActivation);
}

Result<ChallengeStarted> CitizenService::start_password_reset(const policies::Nif& nif, const Secret& activation_code) {
  return start_with_activation_code(nif, std::nullopt, activation_code, kPurposePasswordReset);
}

Result<PasswordSet> CitizenService::complete_with_new_password(const ChallengeId& challenge, const Secret& otp,
                                                               const Secret& password, std::string_view purpose) {
  const bool activation = purpose == kPurposeActivation;
  const std::string action = activation ? "citizen.activation.complete" : "citizen.password_reset.complete";
  // Whose challenge it is, to check the new password against their names before a try of the code is spent.
  auto owner = db_.transact([&](store::Tx& tx) -> Result<std::optional<store::CitizenRow>> {
    auto c = store::OtpChallengeRows::find(tx, challenge);
    if (!c) return std::move(c).error();
    if (!c->has_value()) return std::optional<store::CitizenRow>{};
    return store::CitizenRows::find_by_id(tx, (*c)->citizen_id);
  });
  if (!owner) return std::move(owner).error();
  if (!owner->has_value()) return make_error(ErrorCode::not_found, "unknown challenge");
  if (auto rule = options_.password_policy.check(password.reveal(), password_context(**owner))) {
    return store::commit_refusal(
        db_, make_error(ErrorCode::password_policy, std::string(policies::PasswordPolicy::describe(*rule))),
        [&](store::Tx& tx) {
          return audit(tx, clock_, "citizen", action, (*owner)->nif, "password_policy",
                       "rule=" + std::string(policies::to_string(*rule)));
        });
  }
  auto hash = hasher_.hash(password);
  if (!hash) return std::move(hash).error();

  return settle(db_.transact([&](store::Tx& tx) -> Result<Result<PasswordSet>> {
    auto answered = answer_challenge(otp_, tx, challenge, otp, purpose,
                                     [](const store::CitizenRow& c) { return c.activation_code_hash; });
    if (!answered) return std::move(answered).error();
    if (!*answered) return refuse<PasswordSet>(std::move(*answered).error());
    const store::CitizenRow& c = (*answered)->citizen;
    const Instant now = clock_.now();
    const Instant expires = options_.expiry.expires_at(now);
    auto set = activation ? store::CitizenRows::set_password(tx, c.id, *hash, expires,
                                                             {CitizenStatus::pending_activation}, now)
                          : store::CitizenRows::set_password(tx, c.id, *hash, expires,
                                                             {CitizenStatus::active, CitizenStatus::locked}, now);
    if (!set) return std::move(set).error();
    if (Status s = audit(tx, clock_, "citizen", action, c.nif, *set ? "success" : status_outcome(c.status)); !s)
      return std::move(s).error();
    if (!*set) return refuse<PasswordSet>(ErrorCode::conflict, "the account is not in a state that allows this");
    return accept<PasswordSet>(PasswordSet{CitizenStatus::active, expires});
  }));
}

Result<PasswordSet> CitizenService::complete_activation(const ChallengeId& challenge, const Secret& otp,
                                                        const Secret& password) {
  return complete_with_new_password(challenge, otp, password, kPurposeActivation);
}

Result<PasswordSet> CitizenService::complete_password_reset(const ChallengeId& challenge, const Secret& otp,
                                                            const Secret& password) {
  return complete_with_new_password(challenge, otp, password, kPurposePasswordReset);
}

// --- the password check (normal level) ------------------------------------------------------------------------

Result<CitizenService::Account> CitizenService::check_password(const policies::Nif& nif, const Secret& password,
                                                               std::string_view action) {
  auto found = db_.transact([&](store::Tx& tx) { return store::CitizenRows::find_by_nif(tx, nif.str()); });
  if (!found) return std::move(found).error();
  const auto refused = [&](std::string outcome, ErrorCode code, std::string_view message) -> Result<Account> {
    return store::commit_refusal(db_, make_error(code, std::string(message)), [&](store::Tx& tx) {
      return audit(tx, clock_, "citizen", std::string(action), nif.str(), outcome);
    });
  };
  // Until the password is proven right, every answer is the same in time (one Argon2id verification, against a
  // dummy hash when there is no password to check) and in shape (invalid_credentials): a NIF that is not
  // registered, deregistered or not activated yet must not be told apart from a wrong password. A locked account
  // says so to any password (the fifth failure has said it already); only the right password learns, at the
  // reinforced level, that it has expired.
  if (!found->has_value() || (*found)->status == CitizenStatus::deregistered || !(*found)->password_hash) {
    spend_password_check(password);
    const std::string outcome = !found->has_value() ? "unknown_nif"
                                : (*found)->status == CitizenStatus::pending_activation
                                    ? "not_active"
                                    : status_outcome((*found)->status);
    return refused(outcome, ErrorCode::invalid_credentials, kBadCredentials);
  }
  const store::CitizenRow& row = **found;

  // The slow part runs outside any transaction: no lock is held while Argon2 works.
  auto check = hasher_.verify(password, *row.password_hash);
  if (!check) return std::move(check).error();
  // A locked account answers the same whatever the password: were the right one told apart, the lock would
  // stop nothing (guesses would go on and learn when they hit).
  if (row.status == CitizenStatus::locked) return refused("account_locked", ErrorCode::account_locked, kLocked);
  if (row.status != CitizenStatus::active)
    return refused(status_outcome(row.status), ErrorCode::invalid_credentials, kBadCredentials);
  std::optional<std::string> rehashed;
  if (check->matches && check->needs_rehash) {
    auto fresh = hasher_.hash(password);
    if (fresh)
      rehashed = std::move(*fresh);
    else
      log::warn("password_rehash_failed", {{"citizen", row.id.str()}});
  }
  const Instant now = clock_.now();
  return settle(db_.transact([&](store::Tx& tx) -> Result<Result<Account>> {
    if (!check->matches) {
      auto counted = store::CitizenRows::count_failure(tx, row.id, options_.lockout.max_failed_attempts, now);
      if (!counted) return std::move(counted).error();
      const bool now_locked = !counted->has_value() || (*counted)->status == CitizenStatus::locked;
      const std::string detail =
          counted->has_value() ? "failed_attempts=" + std::to_string((*counted)->failed_attempts) : "already_locked";
      if (Status s = audit(tx, clock_, "citizen", std::string(action), row.nif,
                           now_locked ? "account_locked" : "wrong_password", detail);
          !s)
        return std::move(s).error();
      if (now_locked) return refuse<Account>(ErrorCode::account_locked, std::string(kLocked));
      Error wrong = make_error(ErrorCode::invalid_credentials, std::string(kBadCredentials));
      wrong.attempts_left = options_.lockout.max_failed_attempts - (*counted)->failed_attempts;
      return refuse<Account>(std::move(wrong));
    }
    auto reset = store::CitizenRows::record_success(tx, row.id, rehashed, now);
    if (!reset) return std::move(reset).error();
    if (Status s = audit(tx, clock_, "citizen", std::string(action), row.nif, *reset ? "success" : "account_locked",
                         rehashed ? "rehashed" : "");
        !s)
      return std::move(s).error();
    // Parallel failures locked the account between the read and now: the right password does not undo that.
    if (!*reset) return refuse<Account>(ErrorCode::account_locked, std::string(kLocked));
    Account account{row, to_citizen(row).value(), false};
    account.row.failed_attempts = account.citizen.failed_attempts = 0;
    if (rehashed) account.row.password_hash = rehashed;
    account.password_expired = !row.password_expires_at || options_.expiry.expired(*row.password_expires_at, now);
    return accept<Account>(std::move(account));
  }));
}

void CitizenService::spend_password_check(const Secret& password) const {
  if (!dummy_hash_.empty()) (void)hasher_.verify(password, dummy_hash_);
}

Result<AuthenticatedCitizen> CitizenService::authenticate_password(const policies::Nif& nif, const Secret& password,
                                                                   std::string_view action) {
  auto account = check_password(nif, password, action);
  if (!account) return std::move(account).error();
  return AuthenticatedCitizen{std::move(account->citizen), account->password_expired};
}

// --- change and deregistration ----------------------------------------------------------------------------------

Result<ChallengeStarted> CitizenService::start_password_change(const policies::Nif& nif, const Secret& password,
                                                               const Secret& new_password) {
  constexpr std::string_view action = "citizen.password_change.start";
  auto account = check_password(nif, password, action);
  if (!account) return std::move(account).error();
  const auto refused = [&](std::string outcome, std::string_view message) -> Result<ChallengeStarted> {
    return store::commit_refusal(db_, make_error(ErrorCode::password_policy, std::string(message)), [&](store::Tx& tx) {
      return audit(tx, clock_, "citizen", std::string(action), nif.str(), outcome);
    });
  };
  if (auto rule = options_.password_policy.check(new_password.reveal(), password_context(account->row)))
    return refused("password_policy:" + std::string(policies::to_string(*rule)),
                   policies::PasswordPolicy::describe(*rule));
  auto same = hasher_.verify(new_password, *account->row.password_hash);
  if (!same) return std::move(same).error();
  if (same->matches)
    return refused("password_policy:same_password", "the new password must differ from the current one");
  auto hash = hasher_.hash(new_password);
  if (!hash) return std::move(hash).error();
  const store::CitizenRow& c = account->row;
  auto sent = otp_.issue(OtpRequest{c.id, c.nif, c.mobile, std::string(kPurposePasswordChange), *c.password_hash,
                                    sms_text("para confirmar el cambio de contrase\u00F1a"), std::move(*hash)});
  if (!sent) return std::move(sent).error();
  return ChallengeStarted{sent->id, sent->masked_mobile, sent->expires_at};
}

Result<PasswordSet> CitizenService::complete_password_change(const ChallengeId& challenge, const Secret& otp) {
  return settle(db_.transact([&](store::Tx& tx) -> Result<Result<PasswordSet>> {
    auto answered = answer_challenge(otp_, tx, challenge, otp, kPurposePasswordChange, password_hash_of);
    if (!answered) return std::move(answered).error();
    if (!*answered) return refuse<PasswordSet>(std::move(*answered).error());
    const store::CitizenRow& c = (*answered)->citizen;
    const Instant now = clock_.now();
    const Instant expires = options_.expiry.expires_at(now);
    auto set = store::CitizenRows::set_password(tx, c.id, (*answered)->challenge.payload, expires,
                                                {CitizenStatus::active}, now);
    if (!set) return std::move(set).error();
    if (Status s = audit(tx, clock_, "citizen", "citizen.password_change.complete", c.nif,
                         *set ? "success" : status_outcome(c.status));
        !s)
      return std::move(s).error();
    if (!*set) {
      if (c.status == CitizenStatus::locked)
        return refuse<PasswordSet>(ErrorCode::account_locked, std::string(kLocked));
      return refuse<PasswordSet>(ErrorCode::conflict, "the account is not in a state that allows this");
    }
    return accept<PasswordSet>(PasswordSet{CitizenStatus::active, expires});
  }));
}

Result<ChallengeStarted> CitizenService::start_deregistration(const policies::Nif& nif, const Secret& password) {
  auto account = check_password(nif, password, "citizen.deregistration.start");
  if (!account) return std::move(account).error();
  const store::CitizenRow& c = account->row;
  auto sent = otp_.issue(OtpRequest{c.id,
                                    c.nif,
                                    c.mobile,
                                    std::string(kPurposeDeregistration),
                                    *c.password_hash,
                                    sms_text("para confirmar la baja en Cl@ve Firma"),
                                    {}});
  if (!sent) return std::move(sent).error();
  return ChallengeStarted{sent->id, sent->masked_mobile, sent->expires_at};
}

Result<Citizen> CitizenService::complete_deregistration(const ChallengeId& challenge, const Secret& otp) {
  auto gone = settle(db_.transact([&](store::Tx& tx) -> Result<Result<Citizen>> {
    auto answered = answer_challenge(otp_, tx, challenge, otp, kPurposeDeregistration, password_hash_of);
    if (!answered) return std::move(answered).error();
    if (!*answered) return refuse<Citizen>(std::move(*answered).error());
    const store::CitizenRow& c = (*answered)->citizen;
    const Instant now = clock_.now();
    auto done = store::CitizenRows::deregister(tx, c.id, now);
    if (!done) return std::move(done).error();
    if (Status s = audit(tx, clock_, "citizen", "citizen.deregistration.complete", c.nif,
                         *done ? "success" : "already_deregistered");
        !s)
      return std::move(s).error();
    if (!*done) return refuse<Citizen>(ErrorCode::conflict, "the account is already deregistered");
    auto citizen = to_citizen(c);
    if (!citizen) return std::move(citizen).error();
    citizen->status = CitizenStatus::deregistered;
    citizen->failed_attempts = 0;
    for (const auto& step : deregistering_)
      if (Status s = step(tx, *citizen); !s) return std::move(s).error();
    return accept<Citizen>(std::move(*citizen));
  }));
  if (!gone) return gone;
  for (const auto& listener : deregistered_) {
    try {
      listener(*gone);
    } catch (const std::exception& e) {
      log::error("deregistration_listener_failed", {{"citizen", gone->id.str()}, {"exception", e.what()}});
    } catch (...) {
      log::error("deregistration_listener_failed", {{"citizen", gone->id.str()}, {"exception", "unknown"}});
    }
  }
  log::info("citizen.deregistered", {{"citizen", gone->id.str()}});
  return gone;
}

Result<ChallengeStarted> CitizenService::resend_otp(const ChallengeId& challenge) {
  auto sent = otp_.resend(challenge);
  if (!sent) return std::move(sent).error();
  return ChallengeStarted{sent->id, sent->masked_mobile, sent->expires_at};
}

// --- the reinforced level ------------------------------------------------------------------------------------

Result<VerifiedCitizen> CitizenService::verify_reinforced_password(const policies::Nif& nif, const Secret& password) {
  constexpr std::string_view action = "citizen.reinforced.start";
  auto account = check_password(nif, password, action);
  if (!account) return std::move(account).error();
  if (account->password_expired)
    return store::commit_refusal(
        db_, make_error(ErrorCode::password_expired, "the password has expired; change it or reset it first"),
        [&](store::Tx& tx) {
          return audit(tx, clock_, "citizen", std::string(action), nif.str(), "password_expired");
        });
  return VerifiedCitizen(std::move(account->citizen));
}

Result<ReinforcedChallenge> CitizenService::send_reinforced_otp(const VerifiedCitizen& verified,
                                                                std::string_view purpose, std::string_view context,
                                                                std::string_view sms_text) {
  if (Status s = check_reinforced_request(purpose, sms_text); !s) return std::move(s).error();
  const Citizen& c = verified.citizen();
  auto sent = otp_.issue(
      OtpRequest{c.id, c.nif.str(), c.mobile, std::string(purpose), std::string(context), std::string(sms_text), {}});
  if (!sent) return std::move(sent).error();
  return ReinforcedChallenge{sent->id, sent->masked_mobile, sent->expires_at, c};
}

Result<ReinforcedChallenge> CitizenService::send_otp_before_password(const Citizen& citizen, std::string_view purpose,
                                                                     std::string_view context,
                                                                     std::string_view sms_text) {
  if (Status s = check_reinforced_request(purpose, sms_text); !s) return std::move(s).error();
  if (citizen.status == CitizenStatus::locked) return make_error(ErrorCode::account_locked, std::string(kLocked));
  if (citizen.status != CitizenStatus::active)
    return make_error(ErrorCode::account_not_active, "the account is not active");
  auto open = otp_.newest_open(citizen.id, purpose, context);
  if (!open) return std::move(open).error();
  auto sent = *open ? otp_.resend(**open)
                    : otp_.issue(OtpRequest{citizen.id,
                                            citizen.nif.str(),
                                            citizen.mobile,
                                            std::string(purpose),
                                            std::string(context),
                                            std::string(sms_text),
                                            {}});
  if (!sent) return std::move(sent).error();
  return ReinforcedChallenge{sent->id, sent->masked_mobile, sent->expires_at, citizen};
}

Result<std::optional<ChallengeId>> CitizenService::open_challenge(const CitizenId& citizen, std::string_view purpose,
                                                                  std::string_view context) {
  return otp_.newest_open(citizen, purpose, context);
}

Result<ReinforcedChallenge> CitizenService::start_reinforced(const policies::Nif& nif, const Secret& password,
                                                             std::string_view purpose, std::string_view context,
                                                             std::string_view sms_text) {
  // A call that could never send its OTP is refused before it counts a password check.
  if (Status s = check_reinforced_request(purpose, sms_text); !s) return std::move(s).error();
  auto verified = verify_reinforced_password(nif, password);
  if (!verified) return std::move(verified).error();
  return send_reinforced_otp(*verified, purpose, context, sms_text);
}

Status CitizenService::check_reinforced_request(std::string_view purpose, std::string_view sms_text) {
  if (!is_purpose_word(purpose) || is_account_purpose(purpose))
    return make_error(ErrorCode::internal, "reinforced authentication needs a purpose of its own");
  if (!sms_template_has_code(sms_text) || sms_text.size() > 480)
    return make_error(ErrorCode::internal, "reinforced authentication SMS text must hold {otp} and be short");
  return {};
}

Result<Citizen> CitizenService::complete_reinforced(const ChallengeId& challenge, const Secret& otp,
                                                    std::string_view purpose, std::string_view context) {
  if (!is_purpose_word(purpose) || is_account_purpose(purpose))
    return make_error(ErrorCode::internal, "reinforced authentication needs a purpose of its own");
  return settle(db_.transact([&](store::Tx& tx) -> Result<Result<Citizen>> {
    auto answered = answer_challenge(otp_, tx, challenge, otp, purpose,
                                     [context](const store::CitizenRow&) { return std::string(context); });
    if (!answered) return std::move(answered).error();
    if (!*answered) return refuse<Citizen>(std::move(*answered).error());
    const store::CitizenRow& c = (*answered)->citizen;
    const bool active = c.status == CitizenStatus::active;
    if (Status s = audit(tx, clock_, "citizen", "citizen.reinforced.complete", c.nif,
                         active ? "success" : status_outcome(c.status), "purpose=" + std::string(purpose));
        !s)
      return std::move(s).error();
    if (c.status == CitizenStatus::locked) return refuse<Citizen>(ErrorCode::account_locked, std::string(kLocked));
    if (!active) return refuse<Citizen>(ErrorCode::invalid_credentials, std::string(kBadCredentials));
    auto citizen = to_citizen(c);
    if (!citizen) return std::move(citizen).error();
    return accept<Citizen>(std::move(*citizen));
  }));
}

}  // namespace firma::identity
