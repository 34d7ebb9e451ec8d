// /fire-signature/fireService: FIRe's operations (FIRE.md "Operations") over the signing core. Each call carries
// appid and the application's TLS client certificate; the batch lives in the database between calls (a draft
// transaction), so any node serves the next call.
#include "api/fire/fire_routes.h"

#include <nlohmann/json.hpp>

#include "errors.h"
#include "parameters.h"
#include "policies/nif.h"
#include "signer/applications.h"
#include "signer/transactions.h"

namespace firma::api {
namespace {

using fire::fire_error;
using fire::FireCode;
using fire::FireError;
using fire::parameter;
using fire::Parameters;
using fire::Parsed;

// FIRe names the provider that signed; its applications know Cl@ve Firma as "clavefirma".
constexpr std::string_view kProvider = "clavefirma";

// FIRe's operation numbers.
enum class Operation {
  sign = 1,
  recover_sign = 2,
  create_batch = 5,
  add_document_to_batch = 6,
  sign_batch = 7,
  recover_batch = 8,
  recover_batch_state = 9,
  recover_batch_sign = 10,
  recover_sign_result = 11,
  async_upgrade = 70,
  async_upgrade_result = 71,
  recover_error = 99,
};

std::optional<Operation> parse_operation(const std::string& text) {
  for (int op : {1, 2, 5, 6, 7, 8, 9, 10, 11, 70, 71, 99})
    if (text == std::to_string(op)) return static_cast<Operation>(op);
  return std::nullopt;
}

Response json_answer(const nlohmann::json& body) {
  // Compact: the clients test whether an answer begins with {"result": byte for byte.
  return Response{200, "application/json", body.dump(), {}};
}

Response bytes_answer(const Bytes& bytes) {
  return Response{200, "application/octet-stream", std::string(bytes.begin(), bytes.end()), {}};
}

std::string join_description(const fire::TransactionConfig& config) {
  std::string out = config.app_name;
  if (!config.doc_title.empty()) out += (out.empty() ? "" : ": ") + config.doc_title;
  return out;
}

// A name for the single document of op 1 when the application gives no docName: one that says what it holds.
std::string single_document_name(const std::string& format) {
  if (format == "pades") return "documento.pdf";
  if (format == "xades") return "documento.xml";
  return "documento";
}

// What a transaction that did not end signed answers to an operation that wants its result.
FireError not_signed(const signer::TransactionState& state, FireCode before_signing) {
  switch (state.status) {
    case TransactionStatus::rejected: return fire_error(FireCode::cancelled, "the citizen rejected the signature");
    case TransactionStatus::expired: return fire_error(FireCode::invalid_transaction, "the transaction has expired");
    case TransactionStatus::failed: return fire_error(FireCode::signing, "the signature failed: " + state.failure);
    default:
      return fire_error(before_signing, "the transaction is " + std::string(to_string(state.status)) +
                                            ": the citizen has not signed yet");
  }
}

class FireService {
 public:
  FireService(signer::TransactionService& transactions, signer::ApplicationService& applications,
              std::string public_url)
      : transactions_(transactions), applications_(applications), public_url_(std::move(public_url)) {}

  Response serve(const Request& request) const {
    Parameters parameters;
    if (request.method == "GET") {
      for (const auto& [name, value] : request.query) parameters.emplace(name, value);
    } else {
      auto form = fire::parse_form(request.body);
      if (!form) return fire::render(form.error());
      parameters = std::move(*form);
    }
    auto app_id = parameter(parameters, "appid");
    if (!app_id) return fire::render(fire_error(FireCode::app_id_needed, "appid is required"));
    if (!request.client_certificate)
      return fire::render(fire_error(FireCode::certificate_needed, "a TLS client certificate is required"));
    auto app = applications_.authenticate_by_certificate(AppId(*app_id), *request.client_certificate);
    if (!app) {
      if (app.error().code == ErrorCode::unauthorized)
        return fire::render(fire_error(FireCode::unauthorized, "the application or its certificate is not allowed"));
      return fire::render(fire::from_core(app.error(), FireCode::internal));
    }
    auto op_text = parameter(parameters, "op");
    if (!op_text) return fire::render(fire_error(FireCode::operation_needed, "op is required"));
    const auto op = parse_operation(*op_text);
    if (!op) return fire::render(fire_error(FireCode::operation_not_supported, "unknown operation " + *op_text));
    const Call call{*app, parameters};
    switch (*op) {
      case Operation::sign: return sign(call);
      case Operation::recover_sign: return recover_sign(call);
      case Operation::recover_sign_result: return recover_sign_result(call);
      case Operation::create_batch: return create_batch(call);
      case Operation::add_document_to_batch: return add_document(call);
      case Operation::sign_batch: return sign_batch(call);
      case Operation::recover_batch_state: return recover_batch_state(call);
      case Operation::recover_batch: return recover_batch(call);
      case Operation::recover_batch_sign: return recover_batch_sign(call);
      case Operation::recover_error: return recover_error(call);
      case Operation::async_upgrade:
      case Operation::async_upgrade_result:
        return fire::render(fire_error(FireCode::operation_not_supported,
                                       "asynchronous upgrades are not supported: Firma makes no T, LT or LTA "
                                       "signatures yet"));
    }
    return fire::render(fire_error(FireCode::operation_not_supported, "unknown operation " + *op_text));
  }

 private:
  struct Call {
    const signer::Application& app;
    const Parameters& parameters;
    std::optional<std::string> operator[](std::string_view name) const { return parameter(parameters, name); }
  };

  // The transaction named by transactionid, when it is this application's and this citizen's (subjectid); else
  // FIRe's "invalid transaction", whichever it is, so that nothing tells one from the other.
  Parsed<signer::TransactionState> owned(const Call& call) const {
    auto id = call["transactionid"];
    if (!id) return fire_error(FireCode::transaction_id_needed, "transactionid is required");
    auto subject = call["subjectid"];
    if (!subject) return fire_error(FireCode::subject_id_needed, "subjectid is required");
    auto state = transactions_.state(call.app, TransactionId(*id));
    if (!state) return fire::from_core(state.error(), FireCode::invalid_transaction);
    auto nif = policies::Nif::parse(*subject);
    if (!nif || nif->str() != state->nif) return fire_error(FireCode::invalid_transaction, "invalid transaction");
    return std::move(*state);
  }

  Response started(const TransactionId& id, bool with_redirect) const {
    nlohmann::json body = {{"transactionid", id.str()}};
    if (with_redirect) body["redirecturl"] = public_url_ + "/sign/" + id.str();
    return json_answer(body);
  }

  // The redirect URLs must lie under the application's registered prefixes (ARCHITECTURE.md invariant 7).
  static std::optional<FireError> check_redirects(const signer::Application& app, const fire::TransactionConfig& c) {
    if (!app.accepted_return_url(c.redirect_ok) || !app.accepted_return_url(c.redirect_error))
      return fire_error(FireCode::config_invalid,
                        "redirectOkUrl and redirectErrorUrl must lie under the application's registered prefixes");
    return std::nullopt;
  }

  // What ops 1 and 5 share: the citizen, how to sign, where the browser goes afterwards and the application's
  // words, as a transaction not yet holding documents.
  struct NewRequest {
    signer::NewTransaction transaction;
    fire::SignatureSettings settings;
    std::string doc_name;  // config's docName: op 1's document is named so
  };
  Parsed<NewRequest> new_transaction(const Call& call) const {
    auto subject = call["subjectid"];
    if (!subject) return fire_error(FireCode::subject_id_needed, "subjectid is required");
    auto settings = fire::parse_signature_settings(call["cop"], call["algorithm"], call["format"], call["properties"]);
    if (!settings) return settings.error();
    auto config = fire::parse_config(call["config"], true, true);
    if (!config) return config.error();
    if (auto refused = check_redirects(call.app, *config)) return *refused;
    signer::NewTransaction t;
    t.nif = *subject;
    t.exact_return_urls = signer::ExactReturnUrls{config->redirect_ok, config->redirect_error};
    t.description = join_description(*config);
    return NewRequest{std::move(t), std::move(*settings), config->doc_name};
  }

  // Op 1: one document, one transaction; the citizen confirms at redirecturl.
  Response sign(const Call& call) const {
    auto request = new_transaction(call);
    if (!request) return fire::render(request.error());
    auto& [t, settings, doc_name] = *request;
    auto document = fire::parse_document(call["dat"]);
    if (!document) return fire::render(document.error());
    signer::NewDocument d;
    d.name = doc_name.empty() ? single_document_name(settings.format) : doc_name;
    d.format = settings.format;
    d.content = std::move(*document);
    d.digest_algorithm = settings.digest_algorithm;
    d.attached = settings.attached;
    d.key_kind = settings.key_kind;
    t.documents.push_back(std::move(d));
    auto created = transactions_.create(call.app, t);
    if (!created) return fire::render(fire::from_core(created.error(), FireCode::signature_params_invalid));
    return started(created->id, true);
  }

  // Op 2: the state and the certificate; the signature itself is op 11's (FIRe finishes the signature here; Firma
  // finished it when the citizen confirmed).
  Response recover_sign(const Call& call) const {
    auto state = owned(call);
    if (!state) return fire::render(state.error());
    if (auto refused = fire::refuse_upgrade(call["upgrade"])) return fire::render(*refused);
    if (state->status != TransactionStatus::signed_)
      return fire::render(not_signed(*state, FireCode::invalid_transaction));
    return json_answer(
        {{"result", {{"state", 0}, {"prov", kProvider}, {"cert", to_base64(state->certificate.value_or(Bytes{}))}}}});
  }

  // Op 11: the signature, handed over once (results stay until then, or until they expire).
  Response recover_sign_result(const Call& call) const {
    auto state = owned(call);
    if (!state) return fire::render(state.error());
    if (state->status != TransactionStatus::signed_)
      return fire::render(not_signed(*state, FireCode::invalid_transaction));
    auto view = transactions_.fetch(call.app, state->id);
    if (!view) return fire::render(fire::from_core(view.error(), FireCode::invalid_transaction));
    if (view->purged || view->documents.empty())
      return fire::render(fire_error(FireCode::invalid_transaction, "the signature was already recovered"));
    return bytes_answer(view->documents.front().output);
  }

  // Op 5: a draft transaction whose documents op 6 adds; its settings are the documents' defaults.
  Response create_batch(const Call& call) const {
    auto request = new_transaction(call);
    if (!request) return fire::render(request.error());
    if (auto refused = fire::refuse_upgrade(call["upgrade"])) return fire::render(*refused);
    auto& [t, settings, doc_name] = *request;
    t.document_defaults = {settings.format, settings.digest_algorithm, settings.attached, settings.key_kind};
    auto created = transactions_.create_draft(call.app, t);
    if (!created) return fire::render(fire::from_core(created.error(), FireCode::signature_params_invalid));
    return started(created->id, false);
  }

  // Op 6: one more document in the draft; the text `true`.
  Response add_document(const Call& call) const {
    auto state = owned(call);
    if (!state) return fire::render(state.error());
    auto docid = fire::parse_document_id(call["docid"]);
    if (!docid) return fire::render(docid.error());
    auto document = fire::parse_document(call["dat"]);
    if (!document) return fire::render(document.error());
    auto config = fire::parse_config(call["config"], false, false);
    if (!config) return fire::render(config.error());
    if (auto refused = fire::refuse_upgrade(call["upgrade"])) return fire::render(*refused);
    if (state->status == TransactionStatus::expired)
      return fire::render(fire_error(FireCode::invalid_transaction, "the transaction has expired"));
    if (state->status != TransactionStatus::draft)
      return fire::render(
          fire_error(FireCode::batch_recovered, "the batch was sent to sign: no document can be added"));
    if (state->documents.size() >= transactions_.limits().max_documents)
      return fire::render(
          fire_error(FireCode::batch_too_many_documents,
                     "at most " + std::to_string(transactions_.limits().max_documents) + " documents per batch"));
    signer::NewDocument d;
    d.name = *docid;
    d.description = config->doc_name;
    d.content = std::move(*document);
    // A document may name its own format (and properties); it then keeps the batch's algorithm.
    if (call["format"] || call["cop"]) {
      auto own = fire::parse_signature_settings(call["cop"].value_or("sign"), "SHA256withRSA", call["format"],
                                                call["properties"]);
      if (!own) return fire::render(own.error());
      d.format = own->format;
      d.attached = own->attached;
    } else if (call["properties"]) {
      return fire::render(fire_error(FireCode::signature_params_invalid, "a document's properties need its format"));
    }
    auto added = transactions_.add_document(call.app, state->id, d);
    if (!added) return fire::render(fire::from_core(added.error(), FireCode::signature_params_invalid));
    if (!*added)
      return fire::render(fire_error(FireCode::batch_duplicate_document, "the batch holds a document " + *docid));
    return Response{200, "text/plain; charset=utf-8", "true", {}};
  }

  // Op 7: the draft goes to the citizen; stoponerror = every document or none.
  Response sign_batch(const Call& call) const {
    auto state = owned(call);
    if (!state) return fire::render(state.error());
    auto stop_on_error = fire::parse_boolean(call["stoponerror"], "stoponerror");
    if (!stop_on_error) return fire::render(stop_on_error.error());
    if (state->status == TransactionStatus::expired)
      return fire::render(fire_error(FireCode::invalid_transaction, "the transaction has expired"));
    if (state->status != TransactionStatus::draft)
      return fire::render(fire_error(FireCode::batch_recovered, "the batch was sent to sign already"));
    if (state->documents.empty())
      return fire::render(fire_error(FireCode::batch_no_documents, "the batch has no documents"));
    if (Status s = transactions_.submit(call.app, state->id, *stop_on_error); !s)
      return fire::render(fire::from_core(s.error(), FireCode::batch_recovered));
    return started(state->id, true);
  }

  // Op 9: how far the batch is, a plain number from 0 to 1.
  Response recover_batch_state(const Call& call) const {
    auto state = owned(call);
    if (!state) return fire::render(state.error());
    switch (state->status) {
      case TransactionStatus::rejected:
      case TransactionStatus::expired: return fire::render(not_signed(*state, FireCode::invalid_transaction));
      case TransactionStatus::signed_:
      case TransactionStatus::failed: return Response{200, "text/plain; charset=utf-8", "1", {}};
      default: return Response{200, "text/plain; charset=utf-8", "0", {}};
    }
  }

  // Op 8: each document's outcome, with the provider and the certificate.
  Response recover_batch(const Call& call) const {
    auto state = owned(call);
    if (!state) return fire::render(state.error());
    if (state->status != TransactionStatus::signed_ && state->status != TransactionStatus::failed)
      return fire::render(not_signed(*state, FireCode::batch_not_signed));
    nlohmann::json batch = nlohmann::json::array();
    for (const auto& d : state->documents) {
      // The Java client reads an entry with ok false as failed only when dt says why.
      const std::string why = d.signed_ ? "" : (d.failure.empty() ? "not signed" : d.failure);
      batch.push_back({{"id", d.name}, {"ok", d.signed_}, {"dt", why}, {"errorm", why}});
    }
    return json_answer(
        {{"prov", kProvider}, {"cert", to_base64(state->certificate.value_or(Bytes{}))}, {"batch", batch}});
  }

  // Op 10: one document's signature, handed over once.
  Response recover_batch_sign(const Call& call) const {
    auto state = owned(call);
    if (!state) return fire::render(state.error());
    auto docid = fire::parse_document_id(call["docid"]);
    if (!docid) return fire::render(docid.error());
    if (state->status != TransactionStatus::signed_ && state->status != TransactionStatus::failed)
      return fire::render(not_signed(*state, FireCode::batch_not_signed));
    const auto d = std::find_if(state->documents.begin(), state->documents.end(),
                                [&](const signer::DocumentOutcome& o) { return o.name == *docid; });
    if (d == state->documents.end() || !d->signed_)
      return fire::render(fire_error(FireCode::batch_invalid_document, "document " + *docid + " was not signed"));
    if (d->retrieved)
      return fire::render(fire_error(FireCode::batch_result_recovered, "document " + *docid + " was recovered"));
    auto signed_document = transactions_.fetch_document(call.app, state->id, *docid);
    if (!signed_document)
      return fire::render(fire::from_core(signed_document.error(), FireCode::batch_result_recovered));
    return bytes_answer(signed_document->output);
  }

  // Op 99: why a transaction did not end well, always answered 200.
  Response recover_error(const Call& call) const {
    auto state = owned(call);
    FireError why = fire_error(FireCode::invalid_transaction, "invalid or unknown transaction");
    if (state && state->status == TransactionStatus::signed_)  // nothing went wrong: op 2's state, without cert
      return json_answer({{"result", {{"state", 0}, {"prov", kProvider}}}});
    if (state) {
      why = not_signed(*state, FireCode::invalid_transaction);
    } else if (state.error().code != FireCode::invalid_transaction) {
      return fire::render(state.error());  // a missing transactionid or subjectid
    }
    return json_answer(
        {{"result",
          {{"state", -1}, {"ercod", static_cast<int>(why.code)}, {"ermsg", why.message}, {"prov", kProvider}}}});
  }

  signer::TransactionService& transactions_;
  signer::ApplicationService& applications_;
  std::string public_url_;
};

}  // namespace

std::vector<Route> fire_routes(signer::TransactionService& transactions, signer::ApplicationService& applications,
                               std::string public_url) {
  auto service = std::make_shared<FireService>(transactions, applications, std::move(public_url));
  auto handler = [service](const Request& request) { return service->serve(request); };
  Route post{"POST", "/fire-signature/fireService", Access::anyone, {}, handler, "fire"};
  Route get{"GET", "/fire-signature/fireService", Access::anyone, {}, handler, "fire"};
  return {std::move(post), std::move(get)};
}

ErrorDialect fire_error_dialect() {
  // What the server refuses itself on FIRe's paths (a request larger than server.max_body_bytes, malformed framing,
  // an unknown path or method, a throttle) is answered as FIRe's clients read errors too.
  return {"/fire-signature/", [](int, const Error& error) {
            return fire::render(fire_error(FireCode::reading_parameters, error.message));
          }};
}

}  // namespace firma::api
