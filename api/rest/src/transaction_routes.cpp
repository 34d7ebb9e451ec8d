// Handlers for /v1/transactions: applications create and collect, citizens read, authenticate, confirm, reject.
#include "api/rest/signing_routes.h"
#include "core/encoding.h"
#include "signer/applications.h"
#include "signer/transactions.h"
#include "transaction_body.h"

namespace firma::api {
namespace {

std::string pem_certificate(const Bytes& der) {
  const std::string b64 = to_base64(der);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE-----\n";
}

nlohmann::json view_json(const signer::TransactionView& view) {
  nlohmann::json out = {{"id", view.id.str()},
                        {"status", std::string(to_string(view.status))},
                        {"expires_at", to_rfc3339(view.expires_at)}};
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
  // The citizen's steps, counted by the dispatcher: per address, and per NIF or transaction once the handler would
  // read one (a body that is not JSON, or lacks the field, counts against the address only).
  const Throttle by_address{throttle};
  const Throttle per_nif{throttle, Throttle::Subject::nif, [](const Request& r) -> std::optional<std::string> {
                           auto body = parse_json_object(r.body);
                           if (!body) return std::nullopt;
                           auto nif = required_field<std::string>(*body, "nif");
                           if (!nif) return std::nullopt;
                           return std::move(*nif);
                         }};
  const Throttle per_confirmed_transaction{throttle, Throttle::Subject::transaction,
                                           [](const Request& r) -> std::optional<std::string> {
                                             auto body = parse_json_object(r.body);
                                             if (!body || !required_field<std::string>(*body, "otp"))
                                               return std::nullopt;
                                             return r.params.at("id");
                                           }};
  const Throttle per_transaction{throttle, Throttle::Subject::transaction,
                                 [](const Request& r) -> std::optional<std::string> { return r.params.at("id"); }};
  return {
      {"POST",
       "/v1/transactions",
       Access::application,
       {},
       [&transactions, caller_app, public_url](const Request& request) -> Response {
         auto app = caller_app(request);
         if (!app) return problem(app.error());
         auto parsed = detail::parse_new_transaction(request.body);
         if (!parsed) return problem(parsed.error());
         auto created = transactions.create(*app, *parsed);
         if (!created) return problem(created.error());
         return json_response(201, {{"id", created->id.str()},
                                    {"status", std::string(to_string(TransactionStatus::pending))},
                                    {"confirm_url", public_url + "/sign/" + created->id.str()},
                                    {"expires_at", to_rfc3339(created->expires_at)}});
       },
       "transactions.create"},
      {"GET",
       "/v1/transactions/:id",
       Access::application,
       {},
       [&transactions, caller_app](const Request& request) -> Response {
         auto app = caller_app(request);
         if (!app) return problem(app.error());
         auto view = transactions.fetch(*app, TransactionId(request.params.at("id")));
         if (!view) return problem(view.error());
         return json_response(200, view_json(*view));
       },
       "transactions.get"},
      {"DELETE",
       "/v1/transactions/:id",
       Access::application,
       {},
       [&transactions, caller_app](const Request& request) -> Response {
         auto app = caller_app(request);
         if (!app) return problem(app.error());
         const TransactionId id(request.params.at("id"));
         if (Status s = transactions.cancel(*app, id); !s) return problem(s.error());
         return Response{204, {}, {}, {}};
       },
       "transactions.cancel"},
      {"GET",
       "/v1/transactions/:id/summary",
       Access::anyone,
       {},
       [&transactions](const Request& request) -> Response {
         auto summary = transactions.summary(TransactionId(request.params.at("id")));
         if (!summary) return problem(summary.error());
         nlohmann::json documents = nlohmann::json::array();
         for (const auto& d : summary->documents)
           documents.push_back({{"name", d.name}, {"format", d.format}, {"digest_sha256_hex", d.digest_sha256_hex}});
         return json_response(200, {{"app_name", summary->app_name},
                                    {"documents", documents},
                                    {"expires_at", to_rfc3339(summary->expires_at)},
                                    {"status", std::string(to_string(summary->status))}});
       },
       "transactions.summary",
       by_address},
      {"POST",
       "/v1/transactions/:id/authenticate",
       Access::anyone,
       {},
       [&transactions](const Request& request) -> Response {
         auto body = parse_json_object(request.body);
         if (!body) return problem(body.error());
         auto nif = required_field<std::string>(*body, "nif");
         if (!nif) return problem(nif.error());
         auto password = required_field<std::string>(*body, "password");
         if (!password) return problem(password.error());
         auto started = transactions.authenticate(TransactionId(request.params.at("id")), *nif,
                                                  Secret(std::move(*password)), request.client_address);
         if (!started) return problem(started.error());
         return json_response(202, {{"otp_sent_to", started->otp_sent_to}});
       },
       "transactions.authenticate",
       per_nif},
      {"POST",
       "/v1/transactions/:id/confirm",
       Access::anyone,
       {},
       [&transactions](const Request& request) -> Response {
         auto body = parse_json_object(request.body);
         if (!body) return problem(body.error());
         auto otp = required_field<std::string>(*body, "otp");
         if (!otp) return problem(otp.error());
         const TransactionId id(request.params.at("id"));
         auto outcome = transactions.confirm(id, Secret(std::move(*otp)), request.client_address);
         if (!outcome) return problem(outcome.error());
         return json_response(
             200, {{"status", std::string(to_string(outcome->status))}, {"return_url", outcome->return_url}});
       },
       "transactions.confirm",
       per_confirmed_transaction},
      {"POST",
       "/v1/transactions/:id/otp",
       Access::anyone,
       {},
       [&transactions](const Request& request) -> Response {
         const TransactionId id(request.params.at("id"));
         auto sent = transactions.resend_otp(id);
         if (!sent) return problem(sent.error());
         return json_response(202, {{"otp_sent_to", sent->otp_sent_to}});
       },
       "transactions.resend_otp",
       per_transaction},
      {"POST",
       "/v1/transactions/:id/reject",
       Access::anyone,
       {},
       [&transactions](const Request& request) -> Response {
         const TransactionId id(request.params.at("id"));
         auto outcome = transactions.reject(id);
         if (!outcome) return problem(outcome.error());
         return json_response(
             200, {{"status", std::string(to_string(outcome->status))}, {"return_url", outcome->return_url}});
       },
       "transactions.reject",
       by_address},
  };
}

}  // namespace firma::api
