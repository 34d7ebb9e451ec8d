// OTP challenges: made and judged in database transactions, sent outside them, every step audited.
#include "identity/otp_service.h"

#include "audit.h"
#include "core/encoding.h"
#include "core/log.h"
#include "identity/rate_limiter.h"
#include "identity/sms_gateway.h"
#include "policies/contact.h"
#include "store/citizens.h"
#include "store/database.h"
#include "store/otp_challenges.h"

namespace firma::identity {
namespace {

constexpr std::string_view kPlaceholder = "{otp}";

// Salted by the challenge id, so equal codes of two challenges have different hashes. Six digits are few: the
// hash keeps the code out of sight of whoever reads the database or its backups within the code's few minutes of
// life; the tries are limited by the row, not by the hash.
std::string code_hash(const ChallengeId& id, std::string_view code) {
  return to_hex(sha256("firma-otp-v1:" + id.str() + ":" + std::string(code)));
}

std::string context_hash(std::string_view context) {
  return to_hex(sha256("firma-otp-context-v1:" + std::string(context)));
}

ChallengeInfo info_from(const store::OtpChallengeRow& r) {
  return ChallengeInfo{r.id,    r.citizen_id, r.purpose,      r.context_hash, r.code_hash, r.payload,
                       r.state, r.attempts,   r.max_attempts, r.sends,        r.issued_at, r.expires_at};
}

// The citizen's wrong codes across all their challenges (OtpPolicy::max_wrong_per_citizen_per_hour).
std::string wrong_codes_bucket(const CitizenId& citizen) {
  return "otp_wrong:" + citizen.str();
}

std::string describe(const ChallengeInfo& c) {
  return "challenge=" + c.id.str() + " purpose=" + c.purpose + " attempts=" + std::to_string(c.attempts);
}

}  // namespace

std::string fill_sms_text(std::string_view sms_text, std::string_view code) {
  std::string text;
  for (std::size_t at = 0; at < sms_text.size();) {
    const std::string_view rest = sms_text.substr(at);
    if (rest.substr(0, kPlaceholder.size()) == kPlaceholder) {
      text += code;
      at += kPlaceholder.size();
    } else if (rest.substr(0, 2) == "{{" || rest.substr(0, 2) == "}}") {
      text += rest.front();
      at += 2;
    } else {
      text += rest.front();
      ++at;
    }
  }
  return text;
}

bool sms_template_has_code(std::string_view sms_text) {
  // Filling changes a template only where it has a place for the code.
  return fill_sms_text(sms_text, "0") != fill_sms_text(sms_text, "");
}

std::string sms_template_literal(std::string_view value) {
  std::string literal;
  for (char c : value) {
    if (c == '{' || c == '}') literal += c;
    const auto byte = static_cast<unsigned char>(c);
    literal += byte < 0x20 || byte == 0x7f ? ' ' : c;
  }
  return literal;
}

OtpService::OtpService(store::Database& db, SmsGateway& gateway, const Clock& clock, Random& random,
                       policies::OtpPolicy policy)
    : db_(db), gateway_(gateway), clock_(clock), random_(random), policy_(policy) {}

Result<policies::OtpPolicy> OtpService::policy_from_config(const OtpSettings& config) {
  auto policy =
      policies::OtpPolicy::make(config.digits, std::chrono::seconds(static_cast<std::int64_t>(config.ttl_seconds)),
                                static_cast<int>(config.max_attempts),
                                std::chrono::seconds(static_cast<std::int64_t>(config.resend_cooldown_seconds)));
  if (policy) policy->max_wrong_per_citizen_per_hour = static_cast<int>(config.max_wrong_per_citizen_per_hour);
  return policy;
}

Result<OtpDraft> OtpService::create_in(store::Tx& tx, const OtpRequest& request) {
  if (!sms_template_has_code(request.sms_text))
    return make_error(ErrorCode::internal, "OTP SMS text without a place for the code");
  if (request.purpose.empty()) return make_error(ErrorCode::internal, "OTP without a purpose");
  const Instant now = clock_.now();
  OtpDraft draft{ChallengeId("chl-" + random_.hex_token(16)),
                 Secret(random_.digits(policy_.digits)),
                 request.subject,
                 request.mobile,
                 request.purpose,
                 request.sms_text,
                 policy_.expires_at(now)};
  store::OtpChallengeRow row;
  row.id = draft.id;
  row.citizen_id = request.citizen_id;
  row.purpose = request.purpose;
  row.context_hash = context_hash(request.context);
  row.code_hash = code_hash(draft.id, draft.code.reveal());
  row.payload = request.payload;
  row.sms_text = request.sms_text;
  row.state = "sending";
  row.max_attempts = policy_.max_attempts;
  row.issued_at = now;
  row.expires_at = draft.expires_at;
  if (Status s = store::OtpChallengeRows::insert(tx, row); !s) return std::move(s).error();
  if (Status s = detail::audit(tx, clock_, "system", "otp.issue", request.subject, "success",
                               "challenge=" + draft.id.str() + " purpose=" + request.purpose);
      !s)
    return std::move(s).error();
  return draft;
}

Result<OtpChallenge> OtpService::deliver(const OtpDraft& draft) {
  Status sent = gateway_.send(SmsMessage{draft.mobile, Secret(fill_sms_text(draft.sms_text, draft.code.reveal()))});
  if (!sent) log::warn("sms_send_failed", {{"gateway", std::string(gateway_.kind())}, {"error", sent.error().message}});
  Status recorded = db_.transact([&](store::Tx& tx) -> Status {
    auto finished = store::OtpChallengeRows::finish_sending(tx, draft.id, sent.ok());
    if (!finished) return std::move(finished).error();
    return detail::audit(
        tx, clock_, "system", "otp.sms", draft.subject, sent.ok() ? "sent" : "gateway_failed",
        "challenge=" + draft.id.str() + " purpose=" + draft.purpose + " gateway=" + std::string(gateway_.kind()));
  });
  if (!sent) return make_error(ErrorCode::unavailable, "the SMS could not be sent; try again later");
  if (!recorded) return std::move(recorded).error();
  return OtpChallenge{draft.id, policies::mask_mobile(draft.mobile), draft.expires_at};
}

Result<OtpChallenge> OtpService::issue(const OtpRequest& request) {
  auto draft = db_.transact([&](store::Tx& tx) { return create_in(tx, request); });
  if (!draft) return std::move(draft).error();
  return deliver(*draft);
}

Result<std::int64_t> OtpService::purge_expired(std::chrono::seconds keep) {
  const Instant before = clock_.now() - keep;
  return db_.transact([&](store::Tx& tx) { return store::OtpChallengeRows::purge_expired(tx, before); });
}

Result<std::optional<ChallengeInfo>> OtpService::lock_in(store::Tx& tx, const ChallengeId& id) {
  auto row = store::OtpChallengeRows::lock(tx, id);
  if (!row) return std::move(row).error();
  if (!row->has_value()) return std::optional<ChallengeInfo>{};
  return std::optional<ChallengeInfo>{info_from(**row)};
}

Result<Status> OtpService::answer_in(store::Tx& tx, const ChallengeInfo& c, const Secret& otp, std::string_view purpose,
                                     std::string_view context, std::string_view subject) {
  const Instant now = clock_.now();
  const auto decide = [&](std::string outcome, bool count, bool consume, Status verdict) -> Result<Status> {
    if (count)
      if (Status s = store::OtpChallengeRows::record_attempt(tx, c.id, consume, now); !s) return std::move(s).error();
    if (Status s =
            detail::audit(tx, clock_, "citizen", "otp.answer", std::string(subject), std::move(outcome), describe(c));
        !s)
      return std::move(s).error();
    return verdict;
  };
  if (c.state == "sending" || c.state == "failed")
    return decide("not_delivered", false, false,
                  make_error(ErrorCode::otp_expired, "this code was never delivered; start again"));

  // Every answer takes a token of the citizen's wrong-code bucket before it is judged, in this transaction (on
  // PostgreSQL its row stays locked until commit, so answers to the citizen's other challenges on any node wait),
  // and gives it back unless the code was wrong. An empty bucket refuses the answer, the right code included:
  // otherwise each new transaction would bring three fresh guesses.
  const std::string bucket = wrong_codes_bucket(c.citizen_id);
  const policies::RateLimit wrong_limit = policy_.wrong_codes_limit();
  auto guess = RateLimiter::take_in(tx, bucket, wrong_limit, now);
  if (!guess) return std::move(guess).error();
  if (!guess->allowed) {
    Error limited = make_error(ErrorCode::rate_limited, "too many wrong codes for this citizen; try again later");
    limited.retry_after = guess->retry_after;
    return decide("too_many_wrong_codes", false, false, std::move(limited));
  }
  policies::OtpPolicy row_policy = policy_;
  row_policy.max_attempts = c.max_attempts;
  row_policy.ttl = c.expires_at - c.issued_at;
  const policies::OtpState state{c.issued_at, c.attempts, c.state == "consumed"};
  // A challenge made for another purpose or another context confirms nothing here; it is refused like a wrong
  // code, and the try is counted.
  const bool bound_here = c.purpose == purpose && constant_time_equal(c.context_hash, context_hash(context));
  const bool code_right = constant_time_equal(c.code_hash, code_hash(c.id, otp.reveal()));
  const policies::OtpVerdict verdict = row_policy.judge(state, bound_here && code_right, now);
  if (verdict != policies::OtpVerdict::wrong)
    if (Status s = RateLimiter::give_back_in(tx, bucket, wrong_limit); !s) return std::move(s).error();
  switch (verdict) {
    case policies::OtpVerdict::ok: return decide("ok", true, true, Status{});
    case policies::OtpVerdict::wrong: {
      const int left = c.max_attempts - c.attempts - 1;
      Error wrong = make_error(ErrorCode::otp_invalid, !bound_here ? "this code does not confirm this operation"
                                                       : left > 0  ? "wrong code; " + std::to_string(left) +
                                                                        (left == 1 ? " try" : " tries") + " left"
                                                                  : "wrong code; no tries left: start again");
      wrong.attempts_left = std::max(left, 0);
      return decide(bound_here ? "wrong" : "wrong_binding", true, false, std::move(wrong));
    }
    case policies::OtpVerdict::expired:
      return decide("expired", false, false, make_error(ErrorCode::otp_expired, "the code has expired; start again"));
    case policies::OtpVerdict::exhausted:
      return decide("exhausted", false, false,
                    make_error(ErrorCode::otp_exhausted, "no tries left for this code; start again"));
    case policies::OtpVerdict::already_used:
      return decide("already_used", false, false,
                    make_error(ErrorCode::otp_expired, "the code has already been used; start again"));
  }
  return make_error(ErrorCode::internal, "unknown OTP verdict");
}

Result<ChallengeInfo> OtpService::confirm(const ChallengeId& id, const Secret& otp, std::string_view purpose,
                                          std::string_view context, std::string_view subject) {
  return detail::settle(db_.transact([&](store::Tx& tx) -> Result<Result<ChallengeInfo>> {
    auto locked = lock_in(tx, id);
    if (!locked) return std::move(locked).error();
    if (!locked->has_value()) return detail::refuse<ChallengeInfo>(ErrorCode::not_found, "unknown challenge");
    auto verdict = answer_in(tx, **locked, otp, purpose, context, subject);
    if (!verdict) return std::move(verdict).error();
    if (!*verdict) return detail::refuse<ChallengeInfo>(std::move(*verdict).error());
    return detail::accept<ChallengeInfo>(**locked);
  }));
}

Result<std::optional<ChallengeId>> OtpService::newest_open(const CitizenId& citizen, std::string_view purpose,
                                                           std::string_view context) {
  return db_.transact([&](store::Tx& tx) -> Result<std::optional<ChallengeId>> {
    auto row = store::OtpChallengeRows::newest_open(tx, citizen, purpose, context_hash(context), clock_.now());
    if (!row) return std::move(row).error();
    if (!*row) return std::optional<ChallengeId>{};
    return std::optional<ChallengeId>((*row)->id);
  });
}

Result<OtpChallenge> OtpService::resend(const ChallengeId& id) {
  auto draft = detail::settle(db_.transact([&](store::Tx& tx) -> Result<Result<OtpDraft>> {
    auto locked = store::OtpChallengeRows::lock(tx, id);
    if (!locked) return std::move(locked).error();
    if (!locked->has_value()) return detail::refuse<OtpDraft>(ErrorCode::not_found, "unknown challenge");
    const store::OtpChallengeRow& c = **locked;
    auto citizen = store::CitizenRows::find_by_id(tx, c.citizen_id);
    if (!citizen) return std::move(citizen).error();
    if (!citizen->has_value()) return make_error(ErrorCode::internal, "challenge of an unknown citizen");
    const std::string subject = (*citizen)->nif;
    const Instant now = clock_.now();
    const auto refuse = [&](std::string outcome, ErrorCode code, std::string message) -> Result<Result<OtpDraft>> {
      if (Status s = detail::audit(tx, clock_, "citizen", "otp.resend", subject, std::move(outcome),
                                   "challenge=" + c.id.str() + " purpose=" + c.purpose);
          !s)
        return std::move(s).error();
      return detail::refuse<OtpDraft>(code, std::move(message));
    };
    if (c.state == "consumed") return refuse("already_used", ErrorCode::otp_expired, "the code has already been used");
    if ((*citizen)->status == CitizenStatus::deregistered)
      return refuse("deregistered", ErrorCode::not_found, "unknown challenge");
    if (c.state == "sending") return refuse("sending", ErrorCode::rate_limited, "a code is being sent; wait for it");
    if (!policy_.can_resend(c.issued_at, now))
      return refuse(
          "cooldown", ErrorCode::rate_limited,
          "a new code can be sent " + std::to_string(policy_.resend_cooldown.count()) + " seconds after the last one");
    if (c.sends >= max_sends)
      return refuse("too_many", ErrorCode::rate_limited, "too many codes for this request; start again");
    OtpDraft draft{c.id,
                   Secret(random_.digits(policy_.digits)),
                   subject,
                   (*citizen)->mobile,
                   c.purpose,
                   c.sms_text,
                   policy_.expires_at(now)};
    auto renewed =
        store::OtpChallengeRows::renew_code(tx, c.id, code_hash(c.id, draft.code.reveal()), now, draft.expires_at);
    if (!renewed) return std::move(renewed).error();
    if (!*renewed) return make_error(ErrorCode::internal, "OTP challenge changed while a code was being resent");
    if (Status s = detail::audit(
            tx, clock_, "citizen", "otp.resend", subject, "success",
            "challenge=" + c.id.str() + " purpose=" + c.purpose + " sends=" + std::to_string(c.sends + 1));
        !s)
      return std::move(s).error();
    return detail::accept<OtpDraft>(std::move(draft));
  }));
  if (!draft) return std::move(draft).error();
  return deliver(*draft);
}

}  // namespace firma::identity
