// SMS one-time-code challenges: the code's hash, what it is bound to, its tries and its single use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/ids.h"
#include "core/result.h"
#include "store/database.h"

namespace firma::store {

// A row of `otp_challenges` (migration 0002).
struct OtpChallengeRow {
  ChallengeId id;
  CitizenId citizen_id;
  std::string purpose;       // "activation", "password_reset", ..., or a caller's reinforced purpose ("signature")
  std::string context_hash;  // hex SHA-256 of what the code confirms
  std::string code_hash;     // hex SHA-256 of (challenge id, code)
  std::string payload;       // applied on success (e.g. a new password's Argon2id hash); never a clear secret
  std::string sms_text;      // the message with "{otp}" where the code goes, kept for resending
  std::string state;         // "sending" | "sent" | "failed" | "consumed"
  int attempts = 0;
  int max_attempts = 3;
  int sends = 1;
  Instant issued_at{};
  Instant expires_at{};
  std::optional<Instant> consumed_at;
};

class OtpChallengeRows {
 public:
  static Status insert(Tx& tx, const OtpChallengeRow& row);
  static Result<std::optional<OtpChallengeRow>> find(Tx& tx, const ChallengeId& id);
  // The newest challenge of a citizen for `purpose` and `context_hash` that is still open at `now` (sending or
  // sent, unexpired): for a step that sends its code without telling the client a challenge id (CSC sendOTP).
  static Result<std::optional<OtpChallengeRow>> newest_open(Tx& tx, const CitizenId& citizen, std::string_view purpose,
                                                            std::string_view context_hash, Instant now);
  // The row, locked for the rest of the transaction (a no-op UPDATE: a row lock on PostgreSQL, and SQLite's
  // transactions hold the write lock anyway), so that judging an answer and recording it cannot interleave.
  static Result<std::optional<OtpChallengeRow>> lock(Tx& tx, const ChallengeId& id);
  // One judged answer: attempts + 1; a right one also makes the challenge consumed.
  static Status record_attempt(Tx& tx, const ChallengeId& id, bool consumed, Instant now);
  // The gateway's answer for the code being sent: 'sending' -> 'sent' or 'failed'. False when it was not sending.
  static Result<bool> finish_sending(Tx& tx, const ChallengeId& id, bool sent);
  // A resent code: new hash, times and no attempts; state back to 'sending'. Only from 'sent' or 'failed'.
  static Result<bool> renew_code(Tx& tx, const ChallengeId& id, std::string_view code_hash, Instant issued_at,
                                 Instant expires_at);
  // Deletes challenges that expired before `before`; how many.
  static Result<std::int64_t> purge_expired(Tx& tx, Instant before);
};

}  // namespace firma::store
