// Handlers for /v1/transactions: applications create and collect, citizens read, authenticate, confirm, reject.
#include "api/signing_routes.h"
#include "core/encoding.h"
#include "signer/applications.h"
#include "signer/transactions.h"

namespace firma::api {
namespace {

std::string pem_certificate(const Bytes& der) {
  const std::string b64 = to_base64(der);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE-----\n";
}

// The application's return URL with ?transaction=<id>&status=<status> added (API.md).
Result<Bytes> base64_field(const nlohmann::json& object, std::string_view field, std::string_view where) {
  auto text = required_field<std::string>(object, field);
  if (!text) return make_error(ErrorCode::invalid_request, std::string(where) + text.error().message);
  auto bytes = from_base64(*text);
  if (!bytes) return make_error(ErrorCode::invalid_request, std::string(where) + std::string(field) + " is not valid base64");
  return std::move(*bytes);
}

Result<signer::NewDocument> parse_document(const nlohmann::json& item, std::size_t index) {
  const std::string where = "documents[" + std::to_string(index) + "]: ";
  if (!item.is_object()) return make_error(ErrorCode::invalid_request, where + "must be an object");
  signer::NewDocument d;
  auto name = required_field<std::string>(item, "name");
  if (!name) return make_error(ErrorCode::invalid_request, where + name.error().message);
  auto format = required_field<std::string>(item, "format");
  if (!format) return make_error(ErrorCode::invalid_request, where + format.error().message);
  d.name = *name;
  d.format = *format;
  if (d.format == "raw") {
    auto digest = item.find("digest");
    if (digest == item.end() || !digest->is_object())
      return make_error(ErrorCode::invalid_request, where + "raw needs digest {algorithm, value}");
    auto algorithm = required_field<std::string>(*digest, "algorithm");
    if (!algorithm) return make_error(ErrorCode::invalid_request, where + "digest." + algorithm.error().message);
    auto value = base64_field(*digest, "value", where + "digest.");
    if (!value) return std::move(value).error();
    d.digest_algorithm = *algorithm;
    d.content = std::move(*value);
  } else {
    auto content = base64_field(item, "content", where);
    if (!content) return std::move(content).error();
    d.content = std::move(*content);
  }
  if (auto options = item.find("options"); options != item.end() && !options->is_null()) {
    if (!options->is_object()) return make_error(ErrorCode::invalid_request, where + "options must be an object");
    auto attached = optional_field<bool>(*options, "attached");
    if (!attached) return make_error(ErrorCode::invalid_request, where + "options." + attached.error().message);
    d.attached = attached->value_or(false);
    auto padding = optional_field<std::string>(*options, "padding");
    if (!padding) return make_error(ErrorCode::invalid_request, where + "options." + padding.error().message);
    d.padding = padding->value_or("");
  }
  return d;
}

Result<signer::NewTransaction> parse_new_transaction(const std::string& body) {
  auto json = parse_json_object(body);
  if (!json) return std::move(json).error();
  signer::NewTransaction t;
  auto nif = required_field<std::string>(*json, "nif");
  if (!nif) return std::move(nif).error();
  auto return_url = required_field<std::string>(*json, "return_url");
  if (!return_url) return std::move(return_url).error();
  t.nif = *nif;
  t.return_url = *return_url;
  auto documents = json->find("documents");
  if (documents == json->end() || !documents->is_array())
    return make_error(ErrorCode::invalid_request, "documents must be an array");
  for (std::size_t i = 0; i < documents->size(); ++i) {
    auto d = parse_document((*documents)[i], i);
    if (!d) return std::move(d).error();
    t.documents.push_back(std::move(*d));
  }
  return t;
}

nlohmann::json view_json(const signer::TransactionView& view) {
  nlohmann::json out = {{"id", view.id.str()}, {"status", view.status}, {"expires_at", to_rfc3339(view.expires_at)}};
  if (view.certificate) out["certificate"] = pem_certificate(*view.certificate);
  nlohmann::json documents = nlohmann::json::array();
  for (const auto& d : view.documents) {
    nlohmann::json item = {{"name", d.name}, {"format", std::string(signer::to_string(d.format))}};
    const bool whole_document = d.format == signer::Format::pades || d.format == signer::Format::xades;
    item[whole_document ? "signed_document" : "signature"] = to_base64(d.output);
    if (d.format == signer::Format::raw) item["algorithm"] = d.algorithm;
    documents.push_back(std::move(item));
  }
  out["documents"] = std::move(documents);
  if (view.purged) out["results_purged"] = true;
  if (!view.failure.empty()) out["failure"] = view.failure;
  return out;
}

}  // namespace

std::vector<Route> transaction_routes(signer::TransactionService& transactions,
                                      signer::ApplicationService& applications, std::string public_url,
                                      std::shared_ptr<const CitizenThrottle> throttle) {
  auto caller_app = [&applications](const Request& r) { return applications.find(AppId(r.caller->id)); };
  return {
      {"POST", "/v1/transactions", Access::application, {},
       [&transactions, caller_app, public_url](const Request& request) -> Response {
         auto app = caller_app(request);
         if (!app) return problem(app.error());
         auto parsed = parse_new_transaction(request.body);
         if (!parsed) return problem(parsed.error());
         auto created = transactions.create(*app, *parsed);
         if (!created) return problem(created.error());
         return json_response(201, {{"id", created->id.str()},
                                    {"status", "pending"},
                                    {"confirm_url", public_url + "/sign/" + created->id.str()},
                                    {"expires_at", to_rfc3339(created->expires_at)}});
       },
       "transactions.create"},
      {"GET", "/v1/transactions/:id", Access::application, {},
       [&transactions, caller_app](const Request& request) -> Response {
         auto app = caller_app(request);
         if (!app) return problem(app.error());
         auto view = transactions.fetch(*app, TransactionId(request.params.at("id")));
         if (!view) return problem(view.error());
         return json_response(200, view_json(*view));
       },
       "transactions.get"},
      {"DELETE", "/v1/transactions/:id", Access::application, {},
       [&transactions, caller_app](const Request& request) -> Response {
         auto app = caller_app(request);
         if (!app) return problem(app.error());
         const TransactionId id(request.params.at("id"));
         if (Status s = transactions.cancel(*app, id); !s) return problem(s.error());
         return Response{204, {}, {}, {}};
       },
       "transactions.cancel"},
      {"GET", "/v1/transactions/:id/summary", Access::anyone, {},
       [&transactions, throttle](const Request& request) -> Response {
         if (auto refused = throttle->by_address(request)) return *refused;
         auto summary = transactions.summary(TransactionId(request.params.at("id")));
         if (!summary) return problem(summary.error());
         nlohmann::json documents = nlohmann::json::array();
         for (const auto& d : summary->documents)
           documents.push_back({{"name", d.name}, {"format", d.format}, {"digest_sha256_hex", d.digest_sha256_hex}});
         return json_response(200, {{"app_name", summary->app_name},
                                    {"documents", documents},
                                    {"expires_at", to_rfc3339(summary->expires_at)},
                                    {"status", summary->status}});
       },
       "transactions.summary"},
      {"POST", "/v1/transactions/:id/authenticate", Access::anyone, {},
       [&transactions, throttle](const Request& request) -> Response {
         if (auto refused = throttle->by_address(request)) return *refused;
         auto body = parse_json_object(request.body);
         if (!body) return problem(body.error());
         auto nif = required_field<std::string>(*body, "nif");
         if (!nif) return problem(nif.error());
         if (auto refused = throttle->by_nif(*nif)) return *refused;
         auto password = required_field<std::string>(*body, "password");
         if (!password) return problem(password.error());
         auto started = transactions.authenticate(TransactionId(request.params.at("id")), *nif,
                                                  Secret(std::move(*password)), request.client_address);
         if (!started) return problem(started.error());
         return json_response(202, {{"otp_sent_to", started->otp_sent_to}});
       },
       "transactions.authenticate"},
      {"POST", "/v1/transactions/:id/confirm", Access::anyone, {},
       [&transactions, throttle](const Request& request) -> Response {
         if (auto refused = throttle->by_address(request)) return *refused;
         auto body = parse_json_object(request.body);
         if (!body) return problem(body.error());
         auto otp = required_field<std::string>(*body, "otp");
         if (!otp) return problem(otp.error());
         const TransactionId id(request.params.at("id"));
         if (auto refused = throttle->by_transaction(id.str())) return *refused;
         auto outcome = transactions.confirm(id, Secret(std::move(*otp)), request.client_address);
         if (!outcome) return problem(outcome.error());
         return json_response(200, {{"status", outcome->status}, {"return_url", outcome->return_url}});
       },
       "transactions.confirm"},
      {"POST", "/v1/transactions/:id/otp", Access::anyone, {},
       [&transactions, throttle](const Request& request) -> Response {
         if (auto refused = throttle->by_address(request)) return *refused;
         const TransactionId id(request.params.at("id"));
         if (auto refused = throttle->by_transaction(id.str())) return *refused;
         auto sent = transactions.resend_otp(id);
         if (!sent) return problem(sent.error());
         return json_response(202, {{"otp_sent_to", sent->otp_sent_to}});
       },
       "transactions.resend_otp"},
      {"POST", "/v1/transactions/:id/reject", Access::anyone, {},
       [&transactions, throttle](const Request& request) -> Response {
         if (auto refused = throttle->by_address(request)) return *refused;
         const TransactionId id(request.params.at("id"));
         auto outcome = transactions.reject(id);
         if (!outcome) return problem(outcome.error());
         return json_response(200, {{"status", outcome->status}, {"return_url", outcome->return_url}});
       },
       "transactions.reject"},
  };
}

}  // namespace firma::api
