// libFuzzer target: every request body the server reads into values. The first byte picks the body's kind,
// the rest is the body:
//  - POST /v1/transactions: the real parser (api/rest/src/transaction_body.cpp);
//  - the other JSON routes: parse_json_object and the typed field readers the handler applies, field by field
//    (the field lists below mirror api/rest/src/*_routes.cpp, where the reading is interleaved with service calls),
//    then the pure checks the values meet next (NIF, e-mail, mobile, person names, key algorithm);
//  - an HTML form (application/x-www-form-urlencoded, api/web/src/form.cpp) and a Cookie header.
// What the services do with the values (the database, the HSM, Argon2id) is left out: not cheap, not parsing.
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/http.h"
#include "form.h"
#include "hsm/algorithms.h"
#include "policies/contact.h"
#include "policies/nif.h"
#include "signer/formats.h"
#include "transaction_body.h"

namespace {

using firma::api::optional_field;
using firma::api::required_field;

enum class Type { text, nif, email, mobile, person_name, key_algorithm, strings };

struct Field {
  const char* name;
  Type type;
  bool required = true;
};

struct JsonRoute {
  const char* name;
  std::vector<Field> fields;
};

const std::vector<JsonRoute>& json_routes() {
  static const std::vector<JsonRoute> routes = {
      {"transactions.authenticate", {{"nif", Type::nif}, {"password", Type::text}}},
      {"transactions.confirm", {{"otp", Type::text}}},
      {"citizens.activation", {{"nif", Type::nif}, {"email", Type::email}, {"activation_code", Type::text}}},
      {"citizens.activation.complete", {{"challenge_id", Type::text}, {"otp", Type::text}, {"password", Type::text}}},
      {"citizens.password.reset", {{"nif", Type::nif}, {"activation_code", Type::text}}},
      {"citizens.password.change", {{"nif", Type::nif}, {"password", Type::text}, {"new_password", Type::text}}},
      {"citizens.password.change.complete", {{"challenge_id", Type::text}, {"otp", Type::text}}},
      {"citizens.otp.resend", {{"challenge_id", Type::text}}},
      {"admin.citizens.register",
       {{"nif", Type::nif},
        {"given_name", Type::person_name},
        {"surname1", Type::person_name},
        {"email", Type::email},
        {"mobile", Type::mobile},
        {"registration_level", Type::text},
        {"surname2", Type::person_name, false}}},
      {"admin.citizens.certificate", {{"algorithm", Type::key_algorithm, false}}},
      {"admin.certificates.revoke", {{"reason", Type::text}}},
      {"admin.apps.create",
       {{"name", Type::text}, {"return_url_prefixes", Type::strings}, {"allowed_formats", Type::strings}}},
      {"admin.operators.create", {{"name", Type::text}, {"roles", Type::strings}}},
  };
  return routes;
}

// The value a handler reads, then the pure check the value meets next; false when the handler would answer 400.
bool read_field(const nlohmann::json& body, const Field& field) {
  if (field.type == Type::strings) {
    auto list = required_field<std::vector<std::string>>(body, field.name);
    return list.ok();
  }
  std::optional<std::string> text;
  if (field.required) {
    auto value = required_field<std::string>(body, field.name);
    if (!value) return false;
    text = std::move(*value);
  } else {
    auto value = optional_field<std::string>(body, field.name);
    if (!value) return false;
    text = std::move(*value);
    if (!text) return true;
  }
  switch (field.type) {
    case Type::nif: return firma::policies::Nif::parse(*text).ok();
    case Type::email: return firma::policies::normalize_email(*text).ok();
    case Type::mobile: return firma::policies::normalize_mobile(*text).ok();
    case Type::person_name: return firma::policies::normalize_person_name(*text).ok();
    case Type::key_algorithm: return firma::hsm::parse_key_algorithm(*text).has_value();
    case Type::text:
    case Type::strings: return true;
  }
  return true;
}

void json_body(const JsonRoute& route, std::string_view body) {
  auto json = firma::api::parse_json_object(body);
  if (!json) {
    if (json.error().code != firma::ErrorCode::invalid_request) std::abort();
    return;
  }
  if (!json->is_object()) std::abort();
  for (const Field& field : route.fields)
    if (!read_field(*json, field)) return;
}

void new_transaction(std::string_view body) {
  auto parsed = firma::api::detail::parse_new_transaction(body);
  if (!parsed) {
    if (parsed.error().code != firma::ErrorCode::invalid_request) std::abort();
    return;
  }
  (void)firma::policies::Nif::parse(parsed->nif);
  for (const auto& document : parsed->documents) {
    (void)firma::signer::parse_format(document.format);
    (void)firma::hsm::parse_digest_algorithm(document.digest_algorithm);
  }
}

void form(std::string_view body) {
  auto parsed = firma::api::web::Form::parse(body);
  if (!parsed) {
    if (parsed.error().code != firma::ErrorCode::invalid_request) std::abort();
    return;
  }
  for (const char* name : {"nif", "password", "otp", "csrf", "email", "activation_code"}) {
    (void)parsed->value(name);
    (void)parsed->secret(name);
    if (std::string nif = parsed->trimmed(name); !nif.empty()) (void)firma::policies::Nif::parse(nif);
  }
}

void cookies(std::string_view header) {
  firma::api::Request request;
  request.set_header("Cookie", std::string(header));
  for (const auto& [name, value] : firma::api::web::request_cookies(request))
    (void)firma::api::web::cookie_decode(value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto& routes = json_routes();
  const std::size_t kind = data[0] % (routes.size() + 3);
  if (kind == 0)
    new_transaction(body);
  else if (kind == 1)
    form(body);
  else if (kind == 2)
    cookies(body);
  else
    json_body(routes[kind - 3], body);
  return 0;
}
