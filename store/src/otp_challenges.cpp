// OTP challenges over the otp_challenges table (migration 0002).
#include "store/otp_challenges.h"

#include <utility>
#include <vector>

namespace firma::store {
namespace {

constexpr std::string_view columns =
    "id, citizen_id, purpose, context_hash, code_hash, payload, sms_text, state, attempts, max_attempts, sends, "
    "issued_at, expires_at, consumed_at";

OtpChallengeRow row_from(const Row& r) {
  OtpChallengeRow c;
  c.id = ChallengeId(r.text(0));
  c.citizen_id = CitizenId(r.text(1));
  c.purpose = r.text(2);
  c.context_hash = r.text(3);
  c.code_hash = r.text(4);
  c.payload = r.text(5);
  c.sms_text = r.text(6);
  c.state = r.text(7);
  c.attempts = static_cast<int>(r.integer(8));
  c.max_attempts = static_cast<int>(r.integer(9));
  c.sends = static_cast<int>(r.integer(10));
  c.issued_at = from_unix(r.integer(11));
  c.expires_at = from_unix(r.integer(12));
  if (auto at = r.optional_integer(13)) c.consumed_at = from_unix(*at);
  return c;
}

Result<std::optional<OtpChallengeRow>> first(Result<std::vector<Row>> rows) {
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return std::optional<OtpChallengeRow>{};
  return std::optional<OtpChallengeRow>{row_from(rows->front())};
}

}  // namespace

Status OtpChallengeRows::insert(Tx& tx, const OtpChallengeRow& c) {
  Value consumed = nullptr;
  if (c.consumed_at) consumed = to_unix(*c.consumed_at);
  auto inserted = tx.execute(
      "INSERT INTO otp_challenges (id, citizen_id, purpose, context_hash, code_hash, payload, sms_text, state, "
      "attempts, max_attempts, sends, issued_at, expires_at, consumed_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
      {c.id.str(), c.citizen_id.str(), c.purpose, c.context_hash, c.code_hash, c.payload, c.sms_text, c.state,
       static_cast<std::int64_t>(c.attempts), static_cast<std::int64_t>(c.max_attempts),
       static_cast<std::int64_t>(c.sends), to_unix(c.issued_at), to_unix(c.expires_at), std::move(consumed)});
  if (!inserted.ok()) return std::move(inserted).error();
  return {};
}

Result<std::optional<OtpChallengeRow>> OtpChallengeRows::find(Tx& tx, const ChallengeId& id) {
  return first(tx.query("SELECT " + std::string(columns) + " FROM otp_challenges WHERE id = $1", {id.str()}));
}

Result<std::optional<OtpChallengeRow>> OtpChallengeRows::newest_open(Tx& tx, const CitizenId& citizen,
                                                                     std::string_view purpose,
                                                                     std::string_view context_hash, Instant now) {
  return first(tx.query("SELECT " + std::string(columns) +
                            " FROM otp_challenges WHERE citizen_id = $1 AND purpose = $2 AND context_hash = $3 "
                            "AND state IN ('sending', 'sent') AND expires_at > $4 ORDER BY issued_at DESC, id LIMIT 1",
                        {citizen.str(), std::string(purpose), std::string(context_hash), to_unix(now)}));
}

Result<std::optional<OtpChallengeRow>> OtpChallengeRows::lock(Tx& tx, const ChallengeId& id) {
  return first(tx.query("UPDATE otp_challenges SET attempts = attempts WHERE id = $1 RETURNING " + std::string(columns),
                        {id.str()}));
}

Status OtpChallengeRows::record_attempt(Tx& tx, const ChallengeId& id, bool consumed, Instant now) {
  auto updated = consumed
                     ? tx.execute(
                           "UPDATE otp_challenges SET attempts = attempts + 1, state = 'consumed', consumed_at = $2 "
                           "WHERE id = $1 AND state = 'sent'",
                           {id.str(), to_unix(now)})
                     : tx.execute("UPDATE otp_challenges SET attempts = attempts + 1 WHERE id = $1", {id.str()});
  if (!updated.ok()) return std::move(updated).error();
  if (*updated != 1) return make_error(ErrorCode::internal, "OTP challenge changed while it was being answered");
  return {};
}

Result<bool> OtpChallengeRows::finish_sending(Tx& tx, const ChallengeId& id, bool sent) {
  auto updated = tx.execute("UPDATE otp_challenges SET state = $2 WHERE id = $1 AND state = 'sending'",
                            {id.str(), std::string(sent ? "sent" : "failed")});
  if (!updated.ok()) return std::move(updated).error();
  return *updated == 1;
}

Result<bool> OtpChallengeRows::renew_code(Tx& tx, const ChallengeId& id, std::string_view code_hash, Instant issued_at,
                                          Instant expires_at) {
  auto updated = tx.execute(
      "UPDATE otp_challenges SET code_hash = $2, issued_at = $3, expires_at = $4, attempts = 0, sends = sends + 1, "
      "state = 'sending' WHERE id = $1 AND state IN ('sent', 'failed')",
      {id.str(), std::string(code_hash), to_unix(issued_at), to_unix(expires_at)});
  if (!updated.ok()) return std::move(updated).error();
  return *updated == 1;
}

Result<std::int64_t> OtpChallengeRows::purge_expired(Tx& tx, Instant before) {
  return tx.execute("DELETE FROM otp_challenges WHERE expires_at < $1", {to_unix(before)});
}

}  // namespace firma::store
