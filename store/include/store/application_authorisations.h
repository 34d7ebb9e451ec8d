// Authorisations a citizen gives an application on Firma's page: the request, who confirmed it, the one-time code
// that redeems it and what it was redeemed for.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/result.h"
#include "store/database.h"

namespace firma::store {

struct ApplicationAuthorisationRecord {
  std::string id;
  AppId app_id;
  std::string redirect_uri;
  std::string client_state;
  std::string proof_challenge;  // base64url SHA-256 of the holder's verifier
  std::string kind;             // access, signing
  std::string credential;       // signing: certificate serial
  std::string key_id;           // signing: the credential's key, set when the citizen signs in
  std::string digest_algorithm;
  int budget = 0;
  std::string description;
  std::string front_context;
  std::string status;  // requested, signed_in, confirmed, redeemed, refused
  Instant created_at;
  Instant expires_at;
  std::optional<CitizenId> citizen_id;
  std::optional<ChallengeId> challenge_id;
  std::optional<std::string> code_sha256;
  std::optional<Instant> code_expires_at;
  std::optional<Bytes> sealed_sad;
  std::optional<std::string> sad_id;
  std::optional<Instant> sad_expires_at;
  std::optional<std::string> access_token_id;
  std::optional<Instant> redeemed_at;
};

struct AuthorisationDigestRecord {
  Bytes digest;
  std::string label;
};

// What the confirmation records: the code's hash and lifetime and, for a signing authorisation, the sealed SAD.
struct AuthorisationConfirmation {
  std::string code_sha256;
  Instant code_expires_at;
  std::optional<Bytes> sealed_sad;
  std::optional<std::string> sad_id;
  std::optional<Instant> sad_expires_at;
};

// Each change of status is one conditional statement, so that on any node only one of two racing steps wins.
class ApplicationAuthorisationRecords {
 public:
  static Status insert(Tx& tx, const ApplicationAuthorisationRecord& record,
                       const std::vector<AuthorisationDigestRecord>& digests);
  static Result<std::optional<ApplicationAuthorisationRecord>> find(Tx& tx, const std::string& id);
  static Result<std::optional<ApplicationAuthorisationRecord>> find_by_code(Tx& tx, const std::string& code_sha256);
  static Result<std::vector<AuthorisationDigestRecord>> digests(Tx& tx, const std::string& id);
  // requested or signed_in -> signed_in, naming the citizen, the key and the OTP challenge. False otherwise.
  static Result<bool> sign_in(Tx& tx, const std::string& id, const CitizenId& citizen, const std::string& key_id,
                              const ChallengeId& challenge);
  // `from` -> confirmed, with the citizen (access) or as signed in (signing), the code and the SAD. False otherwise.
  static Result<bool> confirm(Tx& tx, const std::string& id, std::string_view from, const CitizenId& citizen,
                              const AuthorisationConfirmation& confirmation);
  // confirmed -> redeemed at `at`, with the access token issued for it, if any. False otherwise.
  static Result<bool> redeem(Tx& tx, const std::string& id, Instant at,
                             const std::optional<std::string>& access_token_id);
  // Names the access token a redeemed access authorisation gave (so that a replayed code can end it).
  static Status link_access_token(Tx& tx, const std::string& id, const std::string& access_token_id);
  // requested or signed_in -> refused. False otherwise.
  static Result<bool> refuse(Tx& tx, const std::string& id);
  // Deletes the requests (with their digests) that ended before `before`, and whose code, if any, expired before
  // it; how many.
  static Result<std::int64_t> purge_ended(Tx& tx, Instant before);
  // Ends the SAD named `sad_id` at `at` (a code presented twice: RFC 6749 4.1.2).
  static Status end_sad(Tx& tx, const std::string& sad_id, Instant at);
};

}  // namespace firma::store
