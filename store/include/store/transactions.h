// Signing transactions and their documents, through the three phases and until they are purged.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/result.h"
#include "core/statuses.h"
#include "store/database.h"

namespace firma::store {

struct DocumentRecord {
  int position = 0;
  std::string name;
  std::string format;
  std::string digest_algorithm;
  bool attached = false;
  std::string content_sha256;
  std::optional<Bytes> content;  // nullopt once purged, or when not asked for
  std::optional<Bytes> dtbs_digest;
  std::string padding;
  std::optional<Bytes> prepared_state;
  std::optional<Bytes> result;
  std::string result_algorithm;
  std::string description;             // the application's words for it (migration 0009)
  std::optional<std::string> failure;  // why it was not signed, when its transaction is not all-or-nothing
  bool has_result = false;             // a result is stored (read even without the payloads)
  std::string level = "B";             // signature level: B, T, LT, LTA (migration 0010)
};

struct TransactionRecord {
  TransactionId id;
  AppId app_id;
  std::string nif;
  std::string return_url;
  TransactionStatus status = TransactionStatus::pending;
  Instant created_at;
  Instant expires_at;
  std::optional<CitizenId> citizen_id;
  std::optional<KeyId> key_id;
  std::optional<Bytes> certificate;
  std::optional<ChallengeId> challenge_id;
  std::optional<Instant> signing_time;
  std::optional<Instant> finished_at;
  std::optional<Instant> retrieved_at;
  std::string failure;
  std::optional<std::string> claim_id;  // the confirmation holding it in `signing`
  std::optional<Instant> claimed_at;
  // Migration 0009. return_url_as_given: the browser goes to return_url when signed and to other_return_url
  // otherwise, exactly; else to return_url with the outcome added.
  bool return_url_as_given = false;
  std::optional<std::string> other_return_url;
  bool all_or_nothing = true;  // false: each document is signed or fails on its own
  std::string description;     // the application's words for the procedure
  // A draft's defaults for the documents added later (migration 0009).
  std::string default_format;
  std::string default_digest_algorithm;
  bool default_attached = false;
  std::string default_key_kind;  // rsa, ec or empty (any)
};

// What phase one leaves for one document.
struct PreparedDocument {
  int position;
  Bytes dtbs_digest;
  std::string padding;
  Bytes state;
};

struct DocumentResult {
  int position;
  Bytes result;
  std::string algorithm;
};

class TransactionRecords {
 public:
  static Status insert(Tx& tx, const TransactionRecord& transaction, const std::vector<DocumentRecord>& documents);
  // internal when the row holds a status this build does not know.
  static Result<std::optional<TransactionRecord>> find(Tx& tx, const TransactionId& id);
  // In position order. Contents, prepared state and results are read only when asked for.
  static Result<std::vector<DocumentRecord>> documents(Tx& tx, const TransactionId& id, bool with_payloads);

  // Moves the status from one of `from` to `to` in one statement, so that of two racing requests only one
  // succeeds. False when the status was none of `from`.
  static Result<bool> transition(Tx& tx, const TransactionId& id, const std::vector<TransactionStatus>& from,
                                 TransactionStatus to, Instant at);

  // authenticated -> signing under `claim`, taken at `at`. False when the transaction was not authenticated.
  static Result<bool> claim_signing(Tx& tx, const TransactionId& id, std::string_view claim, Instant at);
  // signing -> `to` (signed or failed) only while `claim` still holds it: a compare-and-set, so that a
  // confirmation whose claim was given up (recover_abandoned) saves nothing. False when the claim is gone.
  static Result<bool> finish_signing(Tx& tx, const TransactionId& id, std::string_view claim, TransactionStatus to,
                                     Instant at);
  // Transactions left in `signing` by a claim taken at or before `claimed_by` (a process that died, or lost
  // the database, between claiming and saving) become failed with `failure`. Claims from before migration 0005
  // count from the signing time. Returns their ids; the caller purges, revokes and audits.
  static Result<std::vector<TransactionId>> fail_abandoned(Tx& tx, Instant claimed_by, Instant now,
                                                           std::string_view failure);

  // A draft's documents, one at a time; `document.position` is the next free one.
  static Status add_document(Tx& tx, const TransactionId& id, const DocumentRecord& document);
  // draft -> pending, saying whether its documents stand or fall together. False when it was not a draft.
  static Result<bool> submit(Tx& tx, const TransactionId& id, bool all_or_nothing);
  // One document could not be signed (a transaction that is not all-or-nothing): why, and its payloads dropped.
  static Status set_document_failure(Tx& tx, const TransactionId& id, int position, std::string_view failure);
  // One document's result handed over: dropped. When no result is left, the transaction counts as retrieved.
  static Status purge_document(Tx& tx, const TransactionId& id, int position, Instant at);

  // Phase one's output: the credential, signing time, OTP challenge and each document's DTBS/R.
  static Status set_prepared(Tx& tx, const TransactionId& id, const CitizenId& citizen, const KeyId& key,
                             const Bytes& certificate, Instant signing_time, const ChallengeId& challenge,
                             const std::vector<PreparedDocument>& documents);
  static Status set_results(Tx& tx, const TransactionId& id, const std::vector<DocumentResult>& results);
  static Status set_failure(Tx& tx, const TransactionId& id, std::string_view failure);

  // Drops contents, prepared state and results (after retrieval or expiry); the record and digests stay.
  static Status purge(Tx& tx, const TransactionId& id, Instant at);

  // Transactions still pending or authenticated past their expiry become expired and are purged.
  // Returns their ids.
  static Result<std::vector<TransactionId>> expire_due(Tx& tx, Instant now);
};

}  // namespace firma::store
