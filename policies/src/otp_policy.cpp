// OTP policy ranges and the verdict on an answer.
#include "policies/otp_policy.h"

#include <algorithm>
#include <string>

namespace firma::policies {

std::string_view to_string(OtpVerdict verdict) {
  switch (verdict) {
    case OtpVerdict::ok: return "ok";
    case OtpVerdict::wrong: return "wrong";
    case OtpVerdict::expired: return "expired";
    case OtpVerdict::exhausted: return "exhausted";
    case OtpVerdict::already_used: return "already_used";
  }
  return "unknown";
}

RateLimit OtpPolicy::wrong_codes_limit() const {
  const double per_hour = static_cast<double>(std::max(max_wrong_per_citizen_per_hour, 1));
  return RateLimit{per_hour, per_hour / 3600};
}

Result<OtpPolicy> OtpPolicy::make(std::size_t digits, std::chrono::seconds ttl, int max_attempts,
                                  std::chrono::seconds resend_cooldown) {
  if (digits < min_digits || digits > max_digits) {
    return make_error(ErrorCode::invalid_request, "OTP digits must be between 6 and 8, not " + std::to_string(digits));
  }
  if (ttl < min_ttl || ttl > max_ttl) {
    return make_error(ErrorCode::invalid_request,
                      "OTP lifetime must be between 30 and 3600 seconds, not " + std::to_string(ttl.count()));
  }
  if (max_attempts < 1 || max_attempts > max_max_attempts) {
    return make_error(ErrorCode::invalid_request,
                      "OTP attempts must be between 1 and 10, not " + std::to_string(max_attempts));
  }
  if (resend_cooldown < std::chrono::seconds::zero() || resend_cooldown > max_resend_cooldown) {
    return make_error(ErrorCode::invalid_request, "OTP resend cooldown must be between 0 and 3600 seconds, not " +
                                                      std::to_string(resend_cooldown.count()));
  }
  OtpPolicy policy;
  policy.digits = digits;
  policy.ttl = ttl;
  policy.max_attempts = max_attempts;
  policy.resend_cooldown = resend_cooldown;
  return policy;
}

OtpVerdict OtpPolicy::judge(const OtpState& state, bool code_matches, Instant now) const {
  if (state.consumed) return OtpVerdict::already_used;
  if (now >= expires_at(state.issued_at)) return OtpVerdict::expired;
  if (state.attempts >= max_attempts) return OtpVerdict::exhausted;
  return code_matches ? OtpVerdict::ok : OtpVerdict::wrong;
}

}  // namespace firma::policies
