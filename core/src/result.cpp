// Stable snake_case spellings of the error codes (the `code` of problem+json bodies).
#include "core/result.h"

namespace firma {

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::invalid_request: return "invalid_request";
    case ErrorCode::unauthorized: return "unauthorized";
    case ErrorCode::forbidden: return "forbidden";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::conflict: return "conflict";
    case ErrorCode::password_policy: return "password_policy";
    case ErrorCode::invalid_credentials: return "invalid_credentials";
    case ErrorCode::account_locked: return "account_locked";
    case ErrorCode::password_expired: return "password_expired";
    case ErrorCode::registration_level: return "registration_level";
    case ErrorCode::account_not_active: return "account_not_active";
    case ErrorCode::otp_invalid: return "otp_invalid";
    case ErrorCode::otp_expired: return "otp_expired";
    case ErrorCode::otp_exhausted: return "otp_exhausted";
    case ErrorCode::transaction_expired: return "transaction_expired";
    case ErrorCode::payload_too_large: return "payload_too_large";
    case ErrorCode::rate_limited: return "rate_limited";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::internal: return "internal";
  }
  return "internal";
}

}  // namespace firma
