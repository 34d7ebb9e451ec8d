// Signing transactions: an application asks, the citizen confirms with password + SMS OTP, the HSM signs.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/random.h"
#include "core/result.h"
#include "core/secret.h"
#include "core/statuses.h"
#include "signer/applications.h"
#include "signer/formats.h"

namespace firma::store {
class Database;
struct DocumentRecord;
}  // namespace firma::store
namespace firma::policies {
class Nif;
}
namespace firma::identity {
class CitizenService;
}
namespace firma::certs {
class CertificateAuthority;
class CredentialService;
}  // namespace firma::certs

namespace firma::signer {

class CitizenKeySigner;

// Per-application limits (FIRe's sample configuration: 10 documents, 8 MB each, 600 s).
struct SigningLimits {
  std::size_t max_documents = 10;
  std::size_t max_document_bytes = 8u << 20;
  std::chrono::seconds lifetime{600};
  std::chrono::seconds sad_lifetime{120};
  // The lease of a confirmation's claim on its transaction (see recover_abandoned).
  std::chrono::seconds claim_timeout{120};
  XmlLimits xml{};  // xades documents: what one may make the parser do
};

struct NewDocument {
  std::string name;
  std::string format;            // raw, cades, pades, xades
  Bytes content;                 // the document, or for raw the digest value
  std::string digest_algorithm;  // raw: sha256, sha384 or sha512; others: empty (sha256)
  bool attached = false;         // cades
  std::string padding;           // raw, for an RSA key: "pkcs1v15" (empty: the default) or "pss"
  std::string description{};     // the application's words for the document, shown beside its name
  // The kind of key the application's signature algorithm names: "rsa", "ec", or empty for whichever the citizen
  // has. A citizen whose key is of the other kind cannot sign it: invalid_request when the transaction is made.
  std::string key_kind{};
  std::string level{};  // B (empty: the default), T, LT or LTA (signer/formats.h Level)
};

// A draft's defaults for the documents added to it later (add_document), used where a document leaves its format,
// digest algorithm or key kind empty.
struct DocumentDefaults {
  std::string format;
  std::string digest_algorithm;
  bool attached = false;
  std::string key_kind;
};

// Where the browser goes when the transaction ends, when the application wants its URLs unchanged (FIRe's
// applications do): one for a signed transaction, one for every other end (rejected, failed, expired). Both must lie
// under the application's registered prefixes.
struct ExactReturnUrls {
  std::string when_signed;
  std::string otherwise;
};

struct NewTransaction {
  std::string nif;
  std::string return_url;  // with ?transaction=<id>&status=<status> added at the end; unused with exact_return_urls
  std::vector<NewDocument> documents;
  std::optional<ExactReturnUrls> exact_return_urls{};
  // The application's words for the procedure: shown to the citizen beside the application's registered name,
  // never instead of it.
  std::string description{};
  // false: each document is signed or fails on its own (the others are still signed).
  bool all_or_nothing = true;
  DocumentDefaults document_defaults{};  // drafts
};

struct CreatedTransaction {
  TransactionId id;
  Instant expires_at;
};

struct DocumentSummary {
  std::string name;
  std::string format;
  std::string digest_sha256_hex;
  std::string description;  // the application's words for it; may be empty
};

struct TransactionSummary {
  std::string app_name;     // the registered name: who is asking
  std::string description;  // the application's words for the procedure; may be empty
  std::vector<DocumentSummary> documents;
  Instant expires_at;
  TransactionStatus status = TransactionStatus::pending;
  std::string return_origin;  // scheme://host[:port] of the return URL: where the confirmation page's forms lead
};

struct SignedDocument {
  std::string name;
  Format format;
  Bytes output;           // raw: signature; cades: CMS; pades: PDF; xades: XML
  std::string algorithm;  // raw: the signature algorithm
};

struct TransactionView {
  TransactionId id;
  TransactionStatus status = TransactionStatus::pending;
  Instant expires_at;
  std::optional<Bytes> certificate;       // DER, once authenticated
  std::vector<SignedDocument> documents;  // once signed, until retrieved
  bool purged = false;                    // results were already retrieved (or expired)
  std::string failure;                    // why, when the status is failed
};

// How each document of a transaction ended, without its result (status()).
struct DocumentOutcome {
  std::string name;
  bool signed_ = false;
  bool retrieved = false;  // signed, and its result already handed over
  std::string failure;     // why not, when it was not signed
};

struct TransactionState {
  TransactionId id;
  std::string nif;
  TransactionStatus status = TransactionStatus::pending;
  std::optional<Bytes> certificate;  // DER, once authenticated
  std::vector<DocumentOutcome> documents;
  bool retrieved = false;  // every result was handed over
  std::string failure;     // why, when the status is failed
};

struct AuthenticationStarted {
  std::string otp_sent_to;  // masked mobile
};

struct Outcome {
  TransactionStatus status = TransactionStatus::pending;
  std::string return_url;  // the application's, with ?transaction=<id>&status=<status> added
};

class TransactionService {
 public:
  TransactionService(store::Database& db, identity::CitizenService& citizens, certs::CredentialService& credentials,
                     certs::CertificateAuthority& authority, CitizenKeySigner& key_signer, LongTermServices long_term,
                     const Clock& clock, Random& random, SigningLimits limits);

  // Validates everything (formats allowed, sizes, return URL prefix, each document) before storing anything.
  Result<CreatedTransaction> create(const Application& app, const NewTransaction& request);
  // A draft: validated as create() does, but its documents (none yet, or some) are added one at a time with
  // add_document, and the citizen can confirm it only once submitted. It expires like any transaction.
  Result<CreatedTransaction> create_draft(const Application& app, const NewTransaction& request);
  // The application's own draft only (not_found otherwise; conflict once submitted; invalid_request past the
  // documents limit). False, and nothing added, when the draft holds a document of that name already. An empty
  // format, digest algorithm or key kind is the draft's default; `attached` is the default's unless the document
  // names its own format.
  Result<bool> add_document(const Application& app, const TransactionId& id, NewDocument document);
  // draft -> pending: the citizen may now confirm it. invalid_request when it has no documents.
  Status submit(const Application& app, const TransactionId& id, bool all_or_nothing);
  // Where the transaction stands, and how each document ended, without handing over or purging anything.
  Result<TransactionState> state(const Application& app, const TransactionId& id);
  // One signed document's result, handed over once (then purged; once none is left, the transaction counts as
  // retrieved). not_found for a name not in the transaction; conflict when it is not signed or already handed over.
  Result<SignedDocument> fetch_document(const Application& app, const TransactionId& id, std::string_view name);
  // The application's own transaction only (not_found otherwise). Signed results are handed over once and
  // then purged.
  Result<TransactionView> fetch(const Application& app, const TransactionId& id);
  Status cancel(const Application& app, const TransactionId& id);

  // The citizen's side; the transaction id is the capability.
  Result<TransactionSummary> summary(const TransactionId& id);
  Result<AuthenticationStarted> authenticate(const TransactionId& id, std::string_view nif, const Secret& password,
                                             std::string_view client_address);
  // A new SMS code for an authenticated transaction: the same challenge, bound to the same digests (the OTP
  // cooldown and the bound on codes per challenge apply).
  Result<AuthenticationStarted> resend_otp(const TransactionId& id);
  Result<Outcome> confirm(const TransactionId& id, const Secret& otp, std::string_view client_address);
  Result<Outcome> reject(const TransactionId& id);

  // Marks overdue transactions expired and purges their documents; firmad calls it periodically.
  Result<std::size_t> expire_overdue();
  // Fails the transactions whose confirmation claimed them longer than the claim timeout ago and never saved
  // (its process was killed, or lost the database): documents purged, SADs ended, an audit event each; the
  // application's GET then says failed and why. firmad calls it at start-up and periodically. A confirmation
  // that comes back later finds its claim gone and releases nothing. Returns how many were failed.
  Result<std::size_t> recover_abandoned();

  const SigningLimits& limits() const noexcept { return limits_; }

 private:
  Status check_padding_fits_key(const policies::Nif& nif, const std::vector<store::DocumentRecord>& documents);
  Status check_key_kind(const policies::Nif& nif, const std::vector<NewDocument>& documents);
  Result<CreatedTransaction> create_with_status(const Application& app, const NewTransaction& request,
                                                TransactionStatus status);

  store::Database& db_;
  identity::CitizenService& citizens_;
  certs::CredentialService& credentials_;
  certs::CertificateAuthority& authority_;
  CitizenKeySigner& key_signer_;
  LongTermServices long_term_;  // levels T and up: the TSA, the validation data
  const Clock& clock_;
  Random& random_;
  SigningLimits limits_;
};

}  // namespace firma::signer
