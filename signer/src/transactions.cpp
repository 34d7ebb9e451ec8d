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
  if (!d.description.empty())
    if (Status s = policies::check_document_name(d.description); !s)
      return make_error(s.error().code, where + "description: " + s.error().message);
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
  const std::string level_name = d.level.empty() ? "B" : d.level;
  auto level = parse_level(level_name);
  if (!level) return make_error(ErrorCode::invalid_request, where + "level must be B, T, LT or LTA");
  request.level = *level;
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
  record.description = d.description;
  record.level = level_name;
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
                                       CitizenKeySigner& key_signer, LongTermServices long_term, const Clock& clock,
                                       Random& random, SigningLimits limits)
    : db_(db),
      citizens_(citizens),
      credentials_(credentials),
      authority_(authority),
      key_signer_(key_signer),
      long_term_(std::move(long_term)),
      clock_(clock),
      random_(random),
      limits_(limits) {}

Result<CreatedTransaction> TransactionService::create(const Application& app, const NewTransaction& request) {
  return create_with_status(app, request, TransactionStatus::pending);
}

Result<CreatedTransaction> TransactionService::create_draft(const Application& app, const NewTransaction& request) {
  return create_with_status(app, request, TransactionStatus::draft);
}

Result<CreatedTransaction> TransactionService::create_with_status(const Application& app, const NewTransaction& request,
                                                                  TransactionStatus status) {
  auto nif = policies::Nif::parse(request.nif);
  if (!nif) return make_error(ErrorCode::invalid_request, "nif: " + nif.error().message);
  // The canonical form is what was checked, so it is what the citizen is sent back to.
  const bool exact = request.exact_return_urls.has_value();
  const auto return_url = app.accepted_return_url(exact ? request.exact_return_urls->when_signed : request.return_url);
  if (!return_url)
    return make_error(ErrorCode::invalid_request, "return_url is not under a prefix registered for this application");
  std::optional<std::string> other_return_url;
  if (exact) {
    other_return_url = app.accepted_return_url(request.exact_return_urls->otherwise);
    if (!other_return_url)
      return make_error(ErrorCode::invalid_request,
                        "the return URL for an unsigned end is not under a prefix registered for this application");
    // Used exactly as given: the canonical form is only what was checked.
    other_return_url = request.exact_return_urls->otherwise;
  }
  if (!request.description.empty())
    if (Status s = policies::check_document_name(request.description); !s)
      return make_error(s.error().code, "description: " + s.error().message);
  if (request.documents.empty() && status != TransactionStatus::draft)
    return make_error(ErrorCode::invalid_request, "documents must not be empty");
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
  if (Status s = check_key_kind(*nif, request.documents); !s) return std::move(s).error();
  if (!request.document_defaults.key_kind.empty()) {
    NewDocument defaults;
    defaults.key_kind = request.document_defaults.key_kind;
    if (Status s = check_key_kind(*nif, {defaults}); !s) return std::move(s).error();
  }

  const Instant now = clock_.now();
  store::TransactionRecord record;
  record.id = TransactionId(random_.hex_token(16));  // 128 random bits: the citizen's capability
  record.app_id = app.id;
  record.nif = nif->str();
  record.return_url = exact ? request.exact_return_urls->when_signed : *return_url;
  record.return_url_as_given = exact;
  record.other_return_url = other_return_url;
  record.all_or_nothing = request.all_or_nothing;
  record.description = request.description;
  record.default_format = request.document_defaults.format;
  record.default_digest_algorithm = request.document_defaults.digest_algorithm;
  record.default_attached = request.document_defaults.attached;
  record.default_key_kind = request.document_defaults.key_kind;
  record.status = status;
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

Result<bool> TransactionService::add_document(const Application& app, const TransactionId& id, NewDocument document) {
  const Instant now = clock_.now();
  // The draft as it stands: only the application's own, and only while it is a draft.
  auto open_draft = [&](store::Tx& tx) -> Result<store::TransactionRecord> {
    auto record = load_current(tx, id, now);
    if (!record) return std::move(record).error();
    if (record->app_id != app.id) return make_error(ErrorCode::not_found, "no transaction " + id.str());
    if (record->status == TransactionStatus::expired)
      return make_error(ErrorCode::transaction_expired, "the transaction has expired");
    if (record->status != TransactionStatus::draft)
      return make_error(ErrorCode::conflict, "the transaction is " + std::string(to_string(record->status)) +
                                                 ": documents can no longer be added");
    return record;
  };
  auto record = db_.transact(open_draft);
  if (!record) return std::move(record).error();
  if (document.format.empty()) {
    document.format = record->default_format;
    document.attached = record->default_attached;
  }
  if (document.digest_algorithm.empty()) document.digest_algorithm = record->default_digest_algorithm;
  if (document.key_kind.empty()) document.key_kind = record->default_key_kind;
  // Checked outside the database transaction: the citizen's credential is read in one of its own.
  auto validated = validate_document(app, document, 0, limits_);
  if (!validated) return std::move(validated).error();
  auto nif = policies::Nif::parse(record->nif);
  if (!nif) return make_error(ErrorCode::internal, "stored NIF: " + nif.error().message);
  if (Status s = check_padding_fits_key(*nif, {*validated}); !s) return std::move(s).error();
  if (Status s = check_key_kind(*nif, {document}); !s) return std::move(s).error();

  return db_.transact([&](store::Tx& tx) -> Result<bool> {
    if (auto still = open_draft(tx); !still) return std::move(still).error();
    auto documents = store::TransactionRecords::documents(tx, id, false);
    if (!documents) return std::move(documents).error();
    for (const auto& d : *documents)
      if (d.name == document.name) return false;
    if (documents->size() >= limits_.max_documents)
      return make_error(ErrorCode::invalid_request,
                        "at most " + std::to_string(limits_.max_documents) + " documents per transaction");
    validated->position = static_cast<int>(documents->size());
    if (Status s = store::TransactionRecords::add_document(tx, id, *validated); !s) return std::move(s).error();
    if (Status s = store::AuditLog::append(
            tx, {app.id.str(), "transaction.add_document", id.str(), "success", document.name}, now);
        !s)
      return std::move(s).error();
    return true;
  });
}

Status TransactionService::submit(const Application& app, const TransactionId& id, bool all_or_nothing) {
  const Instant now = clock_.now();
  return db_.transact([&](store::Tx& tx) -> Status {
    auto record = load_current(tx, id, now);
    if (!record) return std::move(record).error();
    if (record->app_id != app.id) return make_error(ErrorCode::not_found, "no transaction " + id.str());
    if (record->status == TransactionStatus::expired)
      return make_error(ErrorCode::transaction_expired, "the transaction has expired");
    auto documents = store::TransactionRecords::documents(tx, id, false);
    if (!documents) return std::move(documents).error();
    if (record->status == TransactionStatus::draft && documents->empty())
      return make_error(ErrorCode::invalid_request, "the transaction has no documents");
    auto moved = store::TransactionRecords::submit(tx, id, all_or_nothing);
    if (!moved) return std::move(moved).error();
    if (!*moved)
      return make_error(ErrorCode::conflict,
                        "the transaction is " + std::string(to_string(record->status)) + ": it was submitted already");
    return store::AuditLog::append(tx,
                                   {app.id.str(), "transaction.submit", id.str(), "success",
                                    std::to_string(documents->size()) + " documents for " + record->nif +
                                        (all_or_nothing ? "" : ", each on its own")},
                                   now);
  });
}

Result<TransactionState> TransactionService::state(const Application& app, const TransactionId& id) {
  const Instant now = clock_.now();
  return db_.transact([&](store::Tx& tx) -> Result<TransactionState> {
    auto record = load_current(tx, id, now);
    if (!record) return std::move(record).error();
    if (record->app_id != app.id) return make_error(ErrorCode::not_found, "no transaction " + id.str());
    auto documents = store::TransactionRecords::documents(tx, id, false);
    if (!documents) return std::move(documents).error();
    TransactionState state{record->id,          record->nif, record->status,
                           record->certificate, {},          record->retrieved_at.has_value(),
                           record->failure};
    const bool signed_ = record->status == TransactionStatus::signed_;
    for (const auto& d : *documents) {
      const bool ok = signed_ && !d.failure;
      const bool retrieved = ok && !d.has_result;
      state.documents.push_back({d.name, ok, retrieved, d.failure.value_or(signed_ ? "" : record->failure)});
    }
    return state;
  });
}

Result<SignedDocument> TransactionService::fetch_document(const Application& app, const TransactionId& id,
                                                          std::string_view name) {
  const Instant now = clock_.now();
  return db_.transact([&](store::Tx& tx) -> Result<SignedDocument> {
    auto record = load_current(tx, id, now);
    if (!record) return std::move(record).error();
    if (record->app_id != app.id) return make_error(ErrorCode::not_found, "no transaction " + id.str());
    auto documents = store::TransactionRecords::documents(tx, id, true);
    if (!documents) return std::move(documents).error();
    const auto d = std::find_if(documents->begin(), documents->end(),
                                [&](const store::DocumentRecord& r) { return r.name == name; });
    if (d == documents->end()) return make_error(ErrorCode::not_found, "no document " + std::string(name));
    if (record->status != TransactionStatus::signed_ || d->failure)
      return make_error(ErrorCode::conflict, "document " + d->name + " was not signed");
    if (!d->result) return make_error(ErrorCode::conflict, "document " + d->name + " was handed over already");
    SignedDocument out{d->name, parse_format(d->format).value_or(Format::raw), *d->result, d->result_algorithm};
    if (Status s = store::TransactionRecords::purge_document(tx, id, d->position, now); !s) return std::move(s).error();
    if (Status s =
            store::AuditLog::append(tx, {app.id.str(), "transaction.retrieve", id.str(), "success", d->name}, now);
        !s)
      return std::move(s).error();
    return out;
  });
}

// The kind of key an application's signature algorithm names must be the citizen's: their certificate's when they
// have one, else the kind the first signature will make.
Status TransactionService::check_key_kind(const policies::Nif& nif, const std::vector<NewDocument>& documents) {
  const auto wants =
      std::find_if(documents.begin(), documents.end(), [](const NewDocument& d) { return !d.key_kind.empty(); });
  if (wants == documents.end()) return {};
  auto current = credentials_.current_credential(nif.str());
  if (!current) return std::move(current).error();
  const hsm::KeyAlgorithm key = *current ? (*current)->algorithm : authority_.settings().certificate_algorithm;
  for (const auto& d : documents) {
    if (d.key_kind.empty()) continue;
    if (d.key_kind != "rsa" && d.key_kind != "ec")
      return make_error(ErrorCode::invalid_request, "key kind must be rsa or ec");
    if ((d.key_kind == "rsa") != hsm::is_rsa(key))
      return make_error(ErrorCode::invalid_request, "the algorithm asks for an " + d.key_kind +
                                                        " key; this citizen signs with " +
                                                        std::string(hsm::to_string(key)));
  }
  return {};
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
    // A draft is the application's until it submits it: the citizen has nothing to confirm yet.
    if (record->status == TransactionStatus::draft)
      return make_error(ErrorCode::not_found, "no transaction " + id.str());
    auto app = find_application(tx, record->app_id);
    if (!app) return std::move(app).error();
    auto documents = store::TransactionRecords::documents(tx, id, false);
    if (!documents) return std::move(documents).error();
    TransactionSummary summary{app->name,          record->description, {},
                               record->expires_at, record->status,      origin_of(record->return_url)};
    for (const auto& d : *documents) summary.documents.push_back({d.name, d.format, d.content_sha256, d.description});
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
