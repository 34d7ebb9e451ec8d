// The citizen's confirmation of a transaction: password, phase one and the OTP (authenticate); then the SAD,
// the HSM signatures (phase two) and the assembly of each result (phase three) (confirm).
#include <algorithm>

#include "certs/authority.h"
#include "certs/credentials.h"
#include "identity/citizens.h"
#include "identity/otp_service.h"
#include "policies/nif.h"
#include "signer/citizen_key_signer.h"
#include "signer/signature_activation.h"
#include "signer/transactions.h"
#include "store/audit_log.h"
#include "store/database.h"
#include "store/transactions.h"
#include "transaction_state.h"

namespace firma::signer {
namespace {

std::optional<hsm::DigestAlgorithm> document_digest(const store::DocumentRecord& d) {
  if (d.digest_algorithm == "sha256") return hsm::DigestAlgorithm::sha256;
  if (d.digest_algorithm == "sha384") return hsm::DigestAlgorithm::sha384;
  if (d.digest_algorithm == "sha512") return hsm::DigestAlgorithm::sha512;
  return std::nullopt;
}

DocumentRequest request_of(const store::DocumentRecord& d, const XmlLimits& xml_limits) {
  return DocumentRequest{parse_format(d.format).value_or(Format::raw),
                         d.content.value_or(Bytes{}),
                         document_digest(d).value_or(hsm::DigestAlgorithm::sha256),
                         d.attached,
                         parse_padding(d.padding).value_or(hsm::RsaPadding::pkcs1v15),
                         xml_limits,
                         parse_level(d.level).value_or(Level::b)};
}

// The words of the SMS: the code first, then what it signs: the application, how many documents and a short
// reference the confirmation page shows too.
std::string signing_sms(const std::string& app_name, std::size_t documents, const TransactionId& id) {
  std::string reference = id.str().substr(0, 8);
  for (char& ch : reference) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return "Cl@ve Firma: su c\u00F3digo es {otp} para firmar " + std::to_string(documents) +
         (documents == 1 ? " documento" : " documentos") + " de " + identity::sms_template_literal(app_name) +
         " (ref. " + reference + "). No lo comparta con nadie.";
}

// The SAD a transaction's confirmation asks for, before its entries: this citizen and key, for the application
// that created it.
SadRequest sad_request(const store::TransactionRecord& record, const CitizenId& citizen, const KeyId& key) {
  return SadRequest{SadBinding{citizen, key, record.app_id}, {}, 0, record.id};
}

// The documents still to be signed: those a transaction that is not all-or-nothing gave up on are left out.
Result<std::vector<store::DocumentRecord>> still_signable(Result<std::vector<store::DocumentRecord>> documents) {
  if (!documents) return documents;
  std::erase_if(*documents, [](const store::DocumentRecord& d) { return d.failure.has_value(); });
  return documents;
}

Status refuse_unless_open(const store::TransactionRecord& record, TransactionStatus wanted) {
  if (record.status == TransactionStatus::expired)
    return make_error(ErrorCode::transaction_expired, "the transaction has expired");
  if (record.status != wanted)
    return make_error(ErrorCode::conflict, "the transaction is " + std::string(to_string(record.status)));
  return {};
}

}  // namespace

Result<AuthenticationStarted> TransactionService::authenticate(const TransactionId& id, std::string_view nif_text,
                                                               const Secret& password, std::string_view) {
  const Instant now = clock_.now();
  struct Loaded {
    store::TransactionRecord record;
    Application app;
    std::vector<store::DocumentRecord> documents;
  };
  auto loaded = db_.transact([&](store::Tx& tx) -> Result<Loaded> {
    auto record = load_current(tx, id, now);
    if (!record) return std::move(record).error();
    auto app = find_application(tx, record->app_id);
    if (!app) return std::move(app).error();
    auto documents = still_signable(store::TransactionRecords::documents(tx, id, true));
    if (!documents) return std::move(documents).error();
    return Loaded{std::move(*record), std::move(*app), std::move(*documents)};
  });
  if (!loaded) return std::move(loaded).error();
  const auto& [record, app, documents] = *loaded;
  if (record.status != TransactionStatus::authenticated)
    if (Status s = refuse_unless_open(record, TransactionStatus::pending); !s) return std::move(s).error();

  // The NIF must be the one the application named; the same words and the same time as a wrong password, so
  // that the page does not confirm whose transaction this is.
  auto nif = policies::Nif::parse(nif_text);
  if (!nif || nif->str() != record.nif) {
    citizens_.spend_password_check(password);
    return make_error(ErrorCode::invalid_credentials, "the NIF or the password is not correct");
  }

  // The reinforced level, sequenced here: the password (counting toward the lockout; status, registration level
  // and expiry each answer their own code); for the citizen it identifies, the certificate (issued now when
  // there is none valid: ARCHITECTURE.md step 3) and phase one for every document; then the OTP, bound to this
  // transaction, this key and exactly the resulting entries (digest algorithm, DTBS/R, padding).
  auto verified = citizens_.verify_reinforced_password(*nif, password);
  if (!verified) return std::move(verified).error();
  const identity::Citizen& c = verified->citizen();
  if (c.registration_level != RegistrationLevel::advanced)
    return make_error(ErrorCode::registration_level, "signing needs an advanced (in person) registration");
  const certs::CitizenForIssuance subject{c.nif.str(), c.given_name, c.surname1,
                                          c.surname2,  c.status,     c.registration_level};
  auto credential = credentials_.ensure_certificate(subject, "citizen:" + c.nif.str());
  if (!credential) return std::move(credential).error();
  const CredentialView view{credential->certificate, credential->chain, credential->algorithm};
  std::vector<store::PreparedDocument> prepared;
  SadRequest authorised = sad_request(record, c.id, credential->key_id);
  // A transaction that is not all-or-nothing goes on without the documents that cannot be prepared; they are
  // recorded as failed, and neither the SAD nor the SMS covers them.
  std::vector<std::pair<int, std::string>> unprepared;
  for (const auto& d : documents) {
    auto p = prepare(request_of(d, limits_.xml), view, now);
    if (!p) {
      if (record.all_or_nothing) return make_error(p.error().code, d.name + ": " + p.error().message);
      unprepared.emplace_back(d.position, d.name + ": " + p.error().message);
      continue;
    }
    authorised.entries.push_back(SadEntry{p->digest_algorithm, p->dtbs_digest, p->padding});
    prepared.push_back({d.position, p->dtbs_digest, std::string(padding_name(p->padding)), std::move(p->state)});
  }
  if (prepared.empty())
    return make_error(ErrorCode::invalid_request, "no document can be signed: " + unprepared.front().second);
  authorised.budget = authorised.entries.size();
  auto challenge = citizens_.send_reinforced_otp(*verified, kSignaturePurpose, signing_context(authorised),
                                                 signing_sms(app.name, prepared.size(), id));
  if (!challenge) return std::move(challenge).error();
  const CitizenId& citizen_id = c.id;

  Status saved = db_.transact([&](store::Tx& tx) -> Status {
    auto moved = store::TransactionRecords::transition(
        tx, id, {TransactionStatus::pending, TransactionStatus::authenticated}, TransactionStatus::authenticated, now);
    if (!moved) return std::move(moved).error();
    if (!*moved) return make_error(ErrorCode::conflict, "the transaction changed meanwhile");
    if (Status s = store::TransactionRecords::set_prepared(
            tx, id, citizen_id, credential->key_id, credential->certificate, now, challenge->challenge_id, prepared);
        !s)
      return s;
    for (const auto& [position, failure] : unprepared)
      if (Status s = store::TransactionRecords::set_document_failure(tx, id, position, failure); !s) return s;
    return store::AuditLog::append(tx,
                                   {citizen_id.str(), "transaction.prepare", id.str(), "success",
                                    std::to_string(prepared.size()) + " digests for key " + credential->key_id.str()},
                                   now);
  });
  if (!saved) return std::move(saved).error();
  return AuthenticationStarted{challenge->masked_mobile};
}

Result<AuthenticationStarted> TransactionService::resend_otp(const TransactionId& id) {
  auto record = db_.transact([&](store::Tx& tx) { return load_current(tx, id, clock_.now()); });
  if (!record) return std::move(record).error();
  if (Status s = refuse_unless_open(*record, TransactionStatus::authenticated); !s) return std::move(s).error();
  if (!record->challenge_id) return make_error(ErrorCode::conflict, "the transaction has not been authenticated");
  auto sent = citizens_.resend_otp(*record->challenge_id);
  if (!sent) return std::move(sent).error();
  return AuthenticationStarted{sent->masked_mobile};
}

Result<Outcome> TransactionService::confirm(const TransactionId& id, const Secret& otp, std::string_view) {
  const Instant now = clock_.now();
  auto loaded = db_.transact(
      [&](store::Tx& tx) -> Result<std::pair<store::TransactionRecord, std::vector<store::DocumentRecord>>> {
        auto record = load_current(tx, id, now);
        if (!record) return std::move(record).error();
        if (Status s = refuse_unless_open(*record, TransactionStatus::authenticated); !s) return std::move(s).error();
        auto documents = still_signable(store::TransactionRecords::documents(tx, id, true));
        if (!documents) return std::move(documents).error();
        return std::make_pair(std::move(*record), std::move(*documents));
      });
  if (!loaded) return std::move(loaded).error();
  auto& [record, documents] = *loaded;
  if (!record.citizen_id || !record.key_id || !record.certificate || !record.challenge_id)
    return make_error(ErrorCode::conflict, "the transaction has not been authenticated");

  // The entries the OTP was bound to, rebuilt from what phase one stored.
  SadRequest authorised = sad_request(record, *record.citizen_id, *record.key_id);
  for (const auto& d : documents)
    authorised.entries.push_back(SadEntry{document_digest(d).value_or(hsm::DigestAlgorithm::sha256),
                                          d.dtbs_digest.value_or(Bytes{}),
                                          parse_padding(d.padding).value_or(hsm::RsaPadding::pkcs1v15)});
  authorised.budget = authorised.entries.size();

  // Authorise: the OTP mints the SAD; a wrong, expired or used-up OTP stops here and nothing is signed. The OTP
  // is single-use in the database, so of two racing confirmations only one gets past this line.
  SignatureActivation activation(db_, citizens_, clock_, random_, limits_.sad_lifetime);
  auto sad = activation.authorise(*record.challenge_id, otp, authorised);
  if (!sad) return std::move(sad).error();

  // The claim is a lease (SigningLimits::claim_timeout): should this process die before saving, the upkeep of
  // any node fails the transaction once it runs out, and the claim's id keeps this confirmation from saving
  // anything after that.
  const std::string claim = random_.hex_token(16);
  auto claimed = db_.transact(
      [&](store::Tx& tx) { return store::TransactionRecords::claim_signing(tx, id, claim, clock_.now()); });
  if (!claimed) return std::move(claimed).error();
  if (!*claimed) return make_error(ErrorCode::conflict, "the transaction is being signed already");

  auto algorithm = key_signer_.algorithm(*record.key_id);
  if (!algorithm) return std::move(algorithm).error();
  const CredentialView view{*record.certificate, authority_.chain_der(), *algorithm};

  // Sign: phase two, one HSM signature per authorised entry, all through the SAD check at once.
  auto signatures = key_signer_.sign_all(sad->value, authorised.binding, authorised.entries);
  std::vector<Prepared> prepared;
  for (std::size_t i = 0; i < documents.size(); ++i) {
    const SadEntry& e = authorised.entries[i];
    prepared.push_back(
        Prepared{e.digest, e.digest_algorithm, e.padding, documents[i].prepared_state.value_or(Bytes{})});
  }

  // Phase three: each result assembled around its signature. All or nothing, one failure fails the transaction;
  // otherwise a document that cannot be assembled fails alone, and the transaction fails only when none is left.
  std::vector<store::DocumentResult> results;
  std::vector<std::pair<int, std::string>> unassembled;
  Status outcome = signatures ? Status{} : Status(std::move(signatures).error());
  // Levels past B: the signature time stamp (Firma's TSA or timestamp.url's) and the validation data come after
  // the HSM signed and before anything is saved; a TSA that is down fails the document like any assembly error
  // (the SAD's entries are spent already, so nothing can be signed twice).
  for (std::size_t i = 0; i < documents.size() && outcome.ok(); ++i) {
    auto assembled = assemble(request_of(documents[i], limits_.xml), prepared[i], (*signatures)[i], view, long_term_);
    if (!assembled) {
      Error failure = make_error(assembled.error().code, documents[i].name + ": " + assembled.error().message);
      if (record.all_or_nothing) {
        outcome = std::move(failure);
        break;
      }
      unassembled.emplace_back(documents[i].position, std::move(failure.message));
      continue;
    }
    results.push_back({documents[i].position, std::move(assembled->output), std::move(assembled->algorithm)});
  }
  if (outcome.ok() && results.empty() && !unassembled.empty())
    outcome = make_error(ErrorCode::internal, "no document could be signed: " + unassembled.front().second);

  const Instant done = clock_.now();
  Status saved = db_.transact([&](store::Tx& tx) -> Status {
    const bool signed_all = outcome.ok();
    // Compare-and-set on the claim before anything is written: once the claim was given up, nothing is saved.
    auto finished = store::TransactionRecords::finish_signing(
        tx, id, claim, signed_all ? TransactionStatus::signed_ : TransactionStatus::failed, done);
    if (!finished) return std::move(finished).error();
    if (!*finished)
      return make_error(ErrorCode::conflict,
                        "the signing took longer than allowed and was given up: the transaction has failed and no "
                        "signature was released");
    if (signed_all) {
      if (Status s = store::TransactionRecords::set_results(tx, id, results); !s) return s;
      for (const auto& [position, failure] : unassembled)
        if (Status s = store::TransactionRecords::set_document_failure(tx, id, position, failure); !s) return s;
    } else {
      if (Status s = store::TransactionRecords::set_failure(tx, id, outcome.error().message); !s) return s;
      if (Status s = store::TransactionRecords::purge(tx, id, done); !s) return s;
    }
    return store::AuditLog::append(
        tx,
        {record.citizen_id->str(), "transaction.sign", id.str(), signed_all ? "success" : "failure",
         signed_all ? std::to_string(results.size()) + " signatures" : outcome.error().message},
        done);
  });
  if (!saved) return std::move(saved).error();
  if (!outcome) return std::move(outcome).error();
  return outcome_for(record, TransactionStatus::signed_);
}

}  // namespace firma::signer
