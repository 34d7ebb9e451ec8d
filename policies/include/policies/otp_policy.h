// The SMS one-time code rules: length, lifetime, tries, resend cooldown, and the verdict on an answer.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "policies/rate_limit.h"

namespace firma::policies {

// What the store knows about one issued code.
struct OtpState {
  Instant issued_at;
  int attempts = 0;       // answers already judged (right or wrong) before this one
  bool consumed = false;  // a right answer has been accepted: single use
};

enum class OtpVerdict { ok, wrong, expired, exhausted, already_used };

// The snake_case name of a verdict ("already_used"), for logs and audit.
std::string_view to_string(OtpVerdict verdict);

struct OtpPolicy {
  static constexpr std::size_t min_digits = 6;
  static constexpr std::size_t max_digits = 8;
  static constexpr std::chrono::seconds min_ttl{30};
  static constexpr std::chrono::seconds max_ttl{3600};
  static constexpr int max_max_attempts = 10;
  static constexpr std::chrono::seconds max_resend_cooldown{3600};

  std::size_t digits = 6;
  std::chrono::seconds ttl{300};
  int max_attempts = 3;
  std::chrono::seconds resend_cooldown{30};
  // Wrong codes one citizen may type per hour across every challenge (a new transaction brings no fresh guesses).
  int max_wrong_per_citizen_per_hour = 10;

  // That cap as a token bucket: the whole hour's guesses at once, then one back every 3600/n seconds.
  RateLimit wrong_codes_limit() const;

  // A policy whose values are in range: digits 6..8, ttl 30 s..1 h, max_attempts 1..10, cooldown 0..1 h.
  // Errors are invalid_request naming the value.
  static Result<OtpPolicy> make(std::size_t digits = 6, std::chrono::seconds ttl = std::chrono::seconds{300},
                                int max_attempts = 3, std::chrono::seconds resend_cooldown = std::chrono::seconds{30});

  // The first instant at which the code no longer works.
  Instant expires_at(Instant issued_at) const { return issued_at + ttl; }

  // The verdict on one answer, checked in this order: consumed -> already_used; now >= issued_at + ttl
  // -> expired; attempts >= max_attempts -> exhausted; then ok or wrong by `code_matches`.
  // The caller records the attempt (attempts + 1) whatever the verdict among ok/wrong, and marks the
  // code consumed on ok; so the wrong answer that makes attempts reach max_attempts is the last one
  // judged, and every answer after it is exhausted, the right one included.
  OtpVerdict judge(const OtpState& state, bool code_matches, Instant now) const;

  // A new code may be sent once the cooldown since the last one has passed.
  bool can_resend(Instant last_sent, Instant now) const { return now >= last_sent + resend_cooldown; }
};

}  // namespace firma::policies
