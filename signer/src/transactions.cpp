// Signing transactions: creation and validation, the citizen's summary, retrieval, cancellation and expiry.
// Authentication and confirmation (the three phases) are in transaction_confirmation.cpp.
#include "signer/transactions.h"

#include <algorithm>

#include "certs/authority.h"
#include "certs/credentials.h"
#include "policies/nif.h"
#include "policies/shown_text.h"
#include "store/audit_log.h"
#include "store/database.h"
#include "store/sads.h"
#include "store/transactions.h"
#include "transaction_state.h"

namespace firma::signer {
namespace {

std::optional<hsm::DigestAlgorithm> parse_api_digest(std::string_view name) {
  if (name == "sha256") return hsm::DigestAlgorithm::sha256;
  if (name == "sha384") return hsm::DigestAlgorithm::sha384;
  if (name == "sha512") return hsm::DigestAlgorithm::sha512;
  return std::nullopt;
}

Result<store::DocumentRecord> validate_document(const Application& app, const NewDocument& d, std::size_t position,
                                                const SigningLimits& limits) {
  const std::string where = "documents[" + std::to_string(position) + "]: ";
  if (Status s = policies::check_document_name(d.name); !s)
    return make_error(s.error().code, where + s.error().message);
  auto format = parse_format(d.format);
  if (!format) return make_error(ErrorCode::invalid_request, where + "unknown format '" + d.format + "'");
  if (!app.allows(*format))
    return make_error(ErrorCode::forbidden, where + "format " + d.format + " is not allowed for this application");
  if (d.content.size() > limits.max_document_bytes)
    return make_error(ErrorCode::payload_too_large,
                      where + "larger than " + std::to_string(limits.max_document_bytes) + " bytes");
  DocumentRequest request{*format, d.content, hsm::DigestAlgorithm::sha256, d.attached};
  request.xml_limits = limits.xml;
  std::string digest_name = d.digest_algorithm.empty() ? "sha256" : d.digest_algorithm;
  auto digest = parse_api_digest(digest_name);
  if (!digest)
    return make_error(ErrorCode::invalid_request, where + "digest algorithm must be sha256, sha384 or sha512");
  request.digest_algorithm = *digest;
  if (Status s = validate(request); !s) return make_error(s.error().code, where + s.error().message);
  if (!d.padding.empty() && *format != Format::raw)
    return make_error(ErrorCode::invalid_request, where + "padding applies to raw documents only");
  if (!d.padding.empty() && !parse_padding(d.padding))
    return make_error(ErrorCode::invalid_request, where + "padding must be pkcs1v15 or pss");

  store::DocumentRecord record;
  record.position = static_cast<int>(position);
  record.name = d.name;
  record.format = d.format;
  record.digest_algorithm = digest_name;
  record.attached = d.attached;
  record.padding = d.padding.empty() ? std::string(padding_name(hsm::RsaPadding::pkcs1v15)) : d.padding;
  record.content_sha256 = to_hex(sha256(d.content));
  record.content = d.content;
  return record;
}

// RFC 6454 4: scheme, host and port, as the URL spells them (return URLs are checked against the application's
// registered prefixes when the transaction is created).
std::string origin_of(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return {};
  return url.substr(0, url.find_first_of("/?#", scheme_end + 3));
}

}  // namespace

TransactionService::TransactionService(store::Database& db, identity::CitizenService& citizens,
                                       certs::CredentialService& credentials, certs::CertificateAuthority& authority,
                                       CitizenKeySigner& key_signer, const Clock& clock, Random& random,
                                       SigningLimits limits)
    : db_(db),
      citizens_(citizens),
      credentials_(credentials),
      authority_(authority),
      key_signer_(key_signer),
      clock_(clock),
      random_(random),
      limits_(limits) {}

Result<CreatedTransaction> TransactionService::create(const Application& app, const NewTransaction& request) {
  auto nif = policies::Nif::parse(request.nif);
  if (!nif) return make_error(ErrorCode::invalid_request, "nif: " + nif.error().message);
  // The canonical form is what was checked, so it is what the citizen is sent back to.
  const auto return_url = app.accepted_return_url(request.return_url);
  if (!return_url)
    return make_error(ErrorCode::invalid_request, "return_url is not under a prefix registered for this application");
  if (request.documents.empty()) return make_error(ErrorCode::invalid_request, "documents must not be empty");
  if (request.documents.size() > limits_.max_documents)
    return make_error(ErrorCode::invalid_request,
                      "at most " + std::to_string(limits_.max_documents) + " documents per transaction");

  std::vector<store::DocumentRecord> documents;
  for (std::size_t i = 0; i < request.documents.size(); ++i) {
    auto record = validate_document(app, request.documents[i], i, limits_);
    if (!record) return std::move(record).error();
    documents.push_back(std::move(*record));
  }
  if (Status s = check_padding_fits_key(*nif, documents); !s) return std::move(s).error();

  const Instant now = clock_.now();
  store::TransactionRecord record;
  record.id = TransactionId(random_.hex_token(16));  // 128 random bits: the citizen's capability
  record.app_id = app.id;
  record.nif = nif->str();
  record.return_url = *return_url;
  record.status = TransactionStatus::pending;
  record.created_at = now;
  record.expires_at = now + limits_.lifetime;
  Status saved = db_.transact([&](store::Tx& tx) -> Status {
    if (Status s = store::TransactionRecords::insert(tx, record, documents); !s) return s;
    return store::AuditLog::append(tx,
                                   {app.id.str(), "transaction.create", record.id.str(), "success",
                                    std::to_string(documents.size()) + " documents for " + record.nif},
                                   now);
  });
  if (!saved) return std::move(saved).error();
  return CreatedTransaction{record.id, record.expires_at};
}

// PSS is an RSA padding: an EC key would sign the digest without it. The citizen's key is known when they
// have a certificate; otherwise the first signature makes one of the configured algorithm. (Should the key
// change before the citizen confirms, preparation refuses the document then, before any OTP is sent.)
Status TransactionService::check_padding_fits_key(const policies::Nif& nif,
                                                  const std::vector<store::DocumentRecord>& documents) {
  const auto pss = std::find_if(documents.begin(), documents.end(), [](const store::DocumentRecord& d) {
    return d.format == to_string(Format::raw) && parse_padding(d.padding) == hsm::RsaPadding::pss;
  });
  if (pss == documents.end()) return {};
  auto current = credentials_.current_credential(nif.str());
  if (!current) return std::move(current).error();
  const hsm::KeyAlgorithm key = *current ? (*current)->algorithm : authority_.settings().certificate_algorithm;
  if (hsm::is_rsa(key)) return {};
  return make_error(ErrorCode::invalid_request, "documents[" + std::to_string(pss->position) +
                                                    "]: padding pss needs an RSA key; this citizen signs with " +
                                                    std::string(hsm::to_string(key)));
}

Result<TransactionView> TransactionService::fetch(const Application& app, const TransactionId& id) {
  const Instant now = clock_.now();
  return db_.transact([&](store::Tx& tx) -> Result<TransactionView> {
    auto record = load_current(tx, id, now);
    if (!record) return std::move(record).error();
    // Another application's transaction does not exist as far as this one can tell.
    if (record->app_id != app.id) return make_error(ErrorCode::not_found, "no transaction " + id.str());
    TransactionView view{record->id, record->status, record->expires_at, record->certificate, {}, false, {}};
    if (record->status == TransactionStatus::failed) view.failure = record->failure;
    if (record->status != TransactionStatus::signed_) return view;
    if (record->retrieved_at) {
      view.purged = true;
      return view;
    }
    auto documents = store::TransactionRecords::documents(tx, id, true);
    if (!documents) return std::move(documents).error();
    for (const auto& d : *documents)
      view.documents.push_back(
          {d.name, parse_format(d.format).value_or(Format::raw), d.result.value_or(Bytes{}), d.result_algorithm});
    // Results are handed over once: purged in the same database transaction that reads them.
    if (Status s = store::TransactionRecords::purge(tx, id, now); !s) return std::move(s).error();
    if (Status s = store::AuditLog::append(tx, {app.id.str(), "transaction.retrieve", id.str(), "success", ""}, now);
        !s)
      return std::move(s).error();
    return view;
  });
}

Status TransactionService::cancel(const Application& app, const TransactionId& id) {
  const Instant now = clock_.now();
  return db_.transact([&](store::Tx& tx) -> Status {
    auto record = load_current(tx, id, now);
    if (!record) return std::move(record).error();
    if (record->app_id != app.id) return make_error(ErrorCode::not_found, "no transaction " + id.str());
    auto moved = store::TransactionRecords::transition(
        tx, id, {TransactionStatus::pending, TransactionStatus::authenticated}, TransactionStatus::rejected, now);
    if (!moved) return std::move(moved).error();
    if (!*moved)
      return make_error(ErrorCode::conflict,
                        "transaction is " + std::string(to_string(record->status)) + ": it can no longer be cancelled");
    if (Status s = store::TransactionRecords::purge(tx, id, now); !s) return s;
    return store::AuditLog::append(tx, {app.id.str(), "transaction.cancel", id.str(), "success", ""}, now);
  });
}

Result<TransactionSummary> TransactionService::summary(const TransactionId& id) {
  const Instant now = clock_.now();
  return db_.transact([&](store::Tx& tx) -> Result<TransactionSummary> {
    auto record = load_current(tx, id, now);
    if (!record) return std::move(record).error();
    auto app = find_application(tx, record->app_id);
    if (!app) return std::move(app).error();
    auto documents = store::TransactionRecords::documents(tx, id, false);
    if (!documents) return std::move(documents).error();
    TransactionSummary summary{app->name, {}, record->expires_at, record->status, origin_of(record->return_url)};
    for (const auto& d : *documents) summary.documents.push_back({d.name, d.format, d.content_sha256});
    return summary;
  });
}

Result<Outcome> TransactionService::reject(const TransactionId& id) {
  const Instant now = clock_.now();
  return db_.transact([&](store::Tx& tx) -> Result<Outcome> {
    auto record = load_current(tx, id, now);
    if (!record) return std::move(record).error();
    if (record->status == TransactionStatus::expired)
      return make_error(ErrorCode::transaction_expired, "the transaction has expired");
    auto moved = store::TransactionRecords::transition(
        tx, id, {TransactionStatus::pending, TransactionStatus::authenticated}, TransactionStatus::rejected, now);
    if (!moved) return std::move(moved).error();
    if (!*moved)
      return make_error(ErrorCode::conflict,
                        "transaction is " + std::string(to_string(record->status)) + ": it cannot be rejected");
    if (Status s = store::TransactionRecords::purge(tx, id, now); !s) return std::move(s).error();
    if (Status s = store::AuditLog::append(tx, {record->nif, "transaction.reject", id.str(), "success", ""}, now); !s)
      return std::move(s).error();
    return outcome_for(*record, TransactionStatus::rejected);
  });
}

Result<std::size_t> TransactionService::expire_overdue() {
  const Instant now = clock_.now();
  return db_.transact([&](store::Tx& tx) -> Result<std::size_t> {
    auto expired = store::TransactionRecords::expire_due(tx, now);
    if (!expired) return std::move(expired).error();
    for (const auto& id : *expired)
      if (Status s = store::AuditLog::append(tx, {"system", "transaction.expire", id.str(), "success", ""}, now); !s)
        return std::move(s).error();
    return expired->size();
  });
}

Result<std::size_t> TransactionService::recover_abandoned() {
  const Instant now = clock_.now();
  const std::string timeout = std::to_string(limits_.claim_timeout.count());
  return db_.transact([&](store::Tx& tx) -> Result<std::size_t> {
    auto failed = store::TransactionRecords::fail_abandoned(
        tx, now - limits_.claim_timeout, now,
        "the signing was interrupted before its results were saved: no signature was released");
    if (!failed) return std::move(failed).error();
    for (const auto& id : *failed) {
      if (Status s = store::TransactionRecords::purge(tx, id, now); !s) return std::move(s).error();
      // The SAD lives only in the memory of the confirming process; should that process come back, it signs
      // nothing more.
      if (Status s = store::SadRecords::revoke_for_transaction(tx, id, now); !s) return std::move(s).error();
      if (Status s = store::AuditLog::append(tx,
                                             {"system", "transaction.recover", id.str(), "failure",
                                              "signing not finished within " + timeout + " s; no signature released"},
                                             now);
          !s)
        return std::move(s).error();
    }
    return failed->size();
  });
}

}  // namespace firma::signer
