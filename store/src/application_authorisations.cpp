// Application authorisations over application_authorisations and application_authorisation_digests (0007).
#include "store/application_authorisations.h"

namespace firma::store {
namespace {

constexpr std::string_view kColumns =
    "id, app_id, redirect_uri, client_state, proof_challenge, kind, credential, key_id, digest_algorithm, budget, "
    "description, front_context, status, created_at, expires_at, citizen_id, challenge_id, code_sha256, "
    "code_expires_at, sealed_sad, sad_id, sad_expires_at, access_token_id, redeemed_at";

std::optional<Instant> optional_instant(const Row& row, std::size_t column) {
  if (auto seconds = row.optional_integer(column)) return from_unix(*seconds);
  return std::nullopt;
}

ApplicationAuthorisationRecord to_record(const Row& row) {
  ApplicationAuthorisationRecord r;
  r.id = row.text(0);
  r.app_id = AppId(row.text(1));
  r.redirect_uri = row.text(2);
  r.client_state = row.text(3);
  r.proof_challenge = row.text(4);
  r.kind = row.text(5);
  r.credential = row.text(6);
  r.key_id = row.text(7);
  r.digest_algorithm = row.text(8);
  r.budget = static_cast<int>(row.integer(9));
  r.description = row.text(10);
  r.front_context = row.text(11);
  r.status = row.text(12);
  r.created_at = from_unix(row.integer(13));
  r.expires_at = from_unix(row.integer(14));
  if (auto citizen = row.optional_text(15)) r.citizen_id = CitizenId(*citizen);
  if (auto challenge = row.optional_text(16)) r.challenge_id = ChallengeId(*challenge);
  r.code_sha256 = row.optional_text(17);
  r.code_expires_at = optional_instant(row, 18);
  if (!row.is_null(19)) r.sealed_sad = row.blob(19);
  r.sad_id = row.optional_text(20);
  r.sad_expires_at = optional_instant(row, 21);
  r.access_token_id = row.optional_text(22);
  r.redeemed_at = optional_instant(row, 23);
  return r;
}

Result<std::optional<ApplicationAuthorisationRecord>> find_one(Tx& tx, std::string_view column,
                                                               const std::string& value) {
  auto rows = tx.query(
      "SELECT " + std::string(kColumns) + " FROM application_authorisations WHERE " + std::string(column) + " = $1",
      {value});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<ApplicationAuthorisationRecord>{};
  return std::optional<ApplicationAuthorisationRecord>(to_record(rows->front()));
}

Result<bool> one_row(Result<std::int64_t> updated) {
  if (!updated) return std::move(updated).error();
  return *updated == 1;
}

}  // namespace

Status ApplicationAuthorisationRecords::insert(Tx& tx, const ApplicationAuthorisationRecord& r,
                                               const std::vector<AuthorisationDigestRecord>& digests) {
  // A new request has no citizen, code or SAD yet: those columns start NULL.
  auto done = tx.execute(
      "INSERT INTO application_authorisations (id, app_id, redirect_uri, client_state, proof_challenge, kind, "
      "credential, key_id, digest_algorithm, budget, description, front_context, status, created_at, expires_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
      {r.id, r.app_id.str(), r.redirect_uri, r.client_state, r.proof_challenge, r.kind, r.credential, r.key_id,
       r.digest_algorithm, static_cast<std::int64_t>(r.budget), r.description, r.front_context, r.status,
       to_unix(r.created_at), to_unix(r.expires_at)});
  if (!done) return std::move(done).error();
  for (std::size_t i = 0; i < digests.size(); ++i) {
    auto inserted = tx.execute(
        "INSERT INTO application_authorisation_digests (authorisation_id, position, digest, label) "
        "VALUES ($1, $2, $3, $4)",
        {r.id, static_cast<std::int64_t>(i), digests[i].digest, digests[i].label});
    if (!inserted) return std::move(inserted).error();
  }
  return {};
}

Result<std::optional<ApplicationAuthorisationRecord>> ApplicationAuthorisationRecords::find(Tx& tx,
                                                                                            const std::string& id) {
  return find_one(tx, "id", id);
}

Result<std::optional<ApplicationAuthorisationRecord>> ApplicationAuthorisationRecords::find_by_code(
    Tx& tx, const std::string& code_sha256) {
  return find_one(tx, "code_sha256", code_sha256);
}

Result<std::vector<AuthorisationDigestRecord>> ApplicationAuthorisationRecords::digests(Tx& tx, const std::string& id) {
  auto rows = tx.query(
      "SELECT digest, label FROM application_authorisation_digests WHERE authorisation_id = $1 ORDER BY position",
      {id});
  if (!rows) return std::move(rows).error();
  std::vector<AuthorisationDigestRecord> out;
  out.reserve(rows->size());
  for (const Row& row : *rows) out.push_back({row.blob(0), row.text(1)});
  return out;
}

Result<bool> ApplicationAuthorisationRecords::sign_in(Tx& tx, const std::string& id, const CitizenId& citizen,
                                                      const std::string& key_id, const ChallengeId& challenge) {
  return one_row(tx.execute(
      "UPDATE application_authorisations SET status = 'signed_in', citizen_id = $2, key_id = $3, challenge_id = $4 "
      "WHERE id = $1 AND status IN ('requested', 'signed_in')",
      {id, citizen.str(), key_id, challenge.str()}));
}

Result<bool> ApplicationAuthorisationRecords::confirm(Tx& tx, const std::string& id, std::string_view from,
                                                      const CitizenId& citizen, const AuthorisationConfirmation& c) {
  return one_row(tx.execute(
      "UPDATE application_authorisations SET status = 'confirmed', citizen_id = $3, code_sha256 = $4, "
      "code_expires_at = $5, sealed_sad = $6, sad_id = $7, sad_expires_at = $8 WHERE id = $1 AND status = $2",
      {id, std::string(from), citizen.str(), c.code_sha256, to_unix(c.code_expires_at),
       c.sealed_sad ? Value(*c.sealed_sad) : Value(nullptr), c.sad_id ? Value(*c.sad_id) : Value(nullptr),
       c.sad_expires_at ? Value(to_unix(*c.sad_expires_at)) : Value(nullptr)}));
}

Result<bool> ApplicationAuthorisationRecords::redeem(Tx& tx, const std::string& id, Instant at,
                                                     const std::optional<std::string>& access_token_id) {
  // The sealed SAD is dropped with the redemption: nothing in the database could unseal it again anyway.
  return one_row(
      tx.execute("UPDATE application_authorisations SET status = 'redeemed', redeemed_at = $2, access_token_id = $3, "
                 "sealed_sad = NULL WHERE id = $1 AND status = 'confirmed'",
                 {id, to_unix(at), access_token_id ? Value(*access_token_id) : Value(nullptr)}));
}

Status ApplicationAuthorisationRecords::link_access_token(Tx& tx, const std::string& id,
                                                          const std::string& access_token_id) {
  auto done =
      tx.execute("UPDATE application_authorisations SET access_token_id = $2 WHERE id = $1", {id, access_token_id});
  if (!done) return std::move(done).error();
  return {};
}

Result<bool> ApplicationAuthorisationRecords::refuse(Tx& tx, const std::string& id) {
  return one_row(
      tx.execute("UPDATE application_authorisations SET status = 'refused' WHERE id = $1 AND status IN ('requested', "
                 "'signed_in')",
                 {id}));
}

Result<std::int64_t> ApplicationAuthorisationRecords::purge_ended(Tx& tx, Instant before) {
  constexpr std::string_view kEnded = "expires_at < $1 AND (code_expires_at IS NULL OR code_expires_at < $1)";
  auto digests = tx.execute(
      "DELETE FROM application_authorisation_digests WHERE authorisation_id IN "
      "(SELECT id FROM application_authorisations WHERE " +
          std::string(kEnded) + ")",
      {to_unix(before)});
  if (!digests) return std::move(digests).error();
  return tx.execute("DELETE FROM application_authorisations WHERE " + std::string(kEnded), {to_unix(before)});
}

Status ApplicationAuthorisationRecords::end_sad(Tx& tx, const std::string& sad_id, Instant at) {
  auto done = tx.execute("UPDATE sads SET expires_at = $2 WHERE id = $1 AND expires_at > $2", {sad_id, to_unix(at)});
  if (!done) return std::move(done).error();
  return {};
}

}  // namespace firma::store
