// OAuth 2.0's token, revocation, pushed-request and metadata endpoints over the signer's application
// authorisations and access tokens, in OAuth's own error shape.
#include "api/csc/oauth2_routes.h"

#include <nlohmann/json.hpp>

#include "api/http/text.h"
#include "api/oauth2/authorization_request.h"
#include "signer/access_tokens.h"
#include "signer/application_authorisations.h"
#include "signer/applications.h"

namespace firma::api {
namespace {

namespace oauth2 = api::oauth2;

// RFC 6749 5.1 and 5.2: JSON, never cached.
Response oauth_json(int status, const nlohmann::json& body) {
  Response r = json_response(status, body);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Pragma", "no-cache");
  return r;
}

Response oauth_error(int status, std::string_view error, std::string_view description) {
  return oauth_json(status, {{"error", error}, {"error_description", description}});
}

// RFC 6749 5.2: invalid_client is 401, with WWW-Authenticate when the client tried HTTP Basic.
Response invalid_client(bool basic) {
  Response r = oauth_error(401, "invalid_client", "client authentication failed");
  if (basic) r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"firma\"");
  return r;
}

// The form of a POST (RFC 6749 3.2: application/x-www-form-urlencoded), or the refusal to answer.
std::variant<oauth2::Parameters, Response> form_of(const Request& request) {
  const auto type = request.header("content-type").value_or("");
  if (type.substr(0, type.find(';')) != "application/x-www-form-urlencoded")
    return oauth_error(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
  auto form = oauth2::parse_form(request.body);
  if (!form) return oauth_error(400, "invalid_request", form.error().message);
  return std::move(*form);
}

std::optional<std::string> basic_credentials(const Request& request) {
  auto header = request.header("authorization");
  if (!header || header->size() < 6 || detail::ascii_lower(header->substr(0, 6)) != "basic ") return std::nullopt;
  auto decoded = from_base64(header->substr(6));
  if (!decoded) return std::string();
  return to_string(*decoded);
}

// client_secret_basic or client_secret_post (RFC 6749 2.3.1): the application whose API key is the secret, when
// its id is the client_id; one method only.
std::variant<signer::Application, Response> authenticate_client(const Request& request, const oauth2::Parameters& form,
                                                                signer::ApplicationService& applications) {
  std::string id, secret;
  const auto basic = basic_credentials(request);
  const bool posted = form.count("client_secret") > 0;
  if (basic && posted) return oauth_error(400, "invalid_request", "use one client authentication method only");
  if (basic) {
    const auto colon = basic->find(':');
    if (colon == std::string::npos) return invalid_client(true);
    // The id and secret are form-encoded before Basic encodes them (RFC 6749 2.3.1).
    auto decoded = oauth2::parse_form("id=" + basic->substr(0, colon) + "&secret=" + basic->substr(colon + 1));
    if (!decoded) return invalid_client(true);
    id = (*decoded)["id"];
    secret = (*decoded)["secret"];
  } else if (posted) {
    id = form.count("client_id") ? form.at("client_id") : "";
    secret = form.at("client_secret");
  } else {
    return invalid_client(false);
  }
  auto app = applications.authenticate(secret);
  if (!app || app->id.str() != id) return invalid_client(basic.has_value());
  if (form.count("client_id") && form.at("client_id") != id)
    return oauth_error(400, "invalid_request", "client_id is not the authenticated client");
  return std::move(*app);
}

std::string parameter(const oauth2::Parameters& form, const char* name) {
  auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

long seconds_until(Instant at, const Clock& clock) {
  return std::max<long>(0, static_cast<long>(to_unix(at) - to_unix(clock.now())));
}

Response token(const Request& request, signer::ApplicationAuthorisations& authorisations,
               signer::ApplicationService& applications, signer::AccessTokens& tokens, const Clock& clock,
               const OAuth2Options& options) {
  auto form = form_of(request);
  if (auto* refused = std::get_if<Response>(&form)) return *refused;
  const auto& p = std::get<oauth2::Parameters>(form);
  auto client = authenticate_client(request, p, applications);
  if (auto* refused = std::get_if<Response>(&client)) return *refused;
  const auto& app = std::get<signer::Application>(client);
  const std::string grant = parameter(p, "grant_type");

  if (grant == "refresh_token") {
    const std::string refresh = parameter(p, "refresh_token");
    if (refresh.empty()) return oauth_error(400, "invalid_request", "refresh_token is required");
    auto renewed = tokens.refresh(Secret(refresh), app.id, options.access_lifetime);
    if (!renewed) return oauth_error(400, "invalid_grant", "the refresh token is not valid");
    return oauth_json(200, {{"access_token", renewed->value.reveal()},
                            {"token_type", "Bearer"},
                            {"expires_in", seconds_until(renewed->expires_at, clock)},
                            {"refresh_token", renewed->refresh_token->reveal()},
                            {"scope", "service"}});
  }
  if (grant != "authorization_code")
    return oauth_error(400, "unsupported_grant_type", "grant_type is authorization_code or refresh_token");
  for (const char* required : {"code", "redirect_uri", "code_verifier"})
    if (parameter(p, required).empty())
      return oauth_error(400, "invalid_request", std::string(required) + " is required");
  auto redeemed = authorisations.redeem(Secret(parameter(p, "code")), app.id, parameter(p, "redirect_uri"),
                                        Secret(parameter(p, "code_verifier")));
  if (!redeemed) {
    if (redeemed.error().code == ErrorCode::invalid_request)
      return oauth_error(400, "invalid_request", redeemed.error().message);
    if (redeemed.error().code == ErrorCode::forbidden)
      return oauth_error(400, "invalid_grant",
                         "the code is not valid, has expired or was used, or the redirect_uri or code_verifier "
                         "does not match");
    return oauth_error(500, "server_error", "the code could not be redeemed now");
  }
  if (redeemed->kind == signer::AuthorisationKind::access) {
    const auto& issued = *redeemed->access;
    return oauth_json(200, {{"access_token", issued.value.reveal()},
                            {"token_type", "Bearer"},
                            {"expires_in", seconds_until(issued.expires_at, clock)},
                            {"refresh_token", issued.refresh_token->reveal()},
                            {"scope", "service"}});
  }
  // A credential-scope token is the SAD (CSC v1 8.3.3: token_type "SAD"; v2 8.4.3: a Bearer that signHash
  // takes in place of the SAD), with the credential and what it authorises echoed (RFC 9396 7.1).
  const auto& sad = *redeemed->sad;
  return oauth_json(200, {{"access_token", sad.value.reveal()},
                          {"token_type", oauth2::asked_in_v1(*redeemed) ? "SAD" : "Bearer"},
                          {"expires_in", seconds_until(sad.expires_at, clock)},
                          {"scope", "credential"},
                          {"credentialID", redeemed->credential.str()},
                          {"authorization_details", oauth2::authorization_details(*redeemed)}});
}

Response revoke(const Request& request, signer::ApplicationService& applications, signer::AccessTokens& tokens) {
  auto form = form_of(request);
  if (auto* refused = std::get_if<Response>(&form)) return *refused;
  const auto& p = std::get<oauth2::Parameters>(form);
  auto client = authenticate_client(request, p, applications);
  if (auto* refused = std::get_if<Response>(&client)) return *refused;
  const std::string value = parameter(p, "token");
  if (value.empty()) return oauth_error(400, "invalid_request", "token is required");
  // RFC 7009 2.2: an unknown token, or one another client holds, is answered as a revoked one.
  if (Status s = tokens.revoke(Secret(value), std::get<signer::Application>(client).id); !s)
    return oauth_error(503, "temporarily_unavailable", "the token could not be revoked now");
  Response r;
  r.status = 204;  // CSC v2 8.4.5 (RFC 7009 2.2 allows any 2xx)
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Response pushed_authorize(const Request& request, signer::ApplicationAuthorisations& authorisations,
                          signer::ApplicationService& applications, const Clock& clock) {
  auto form = form_of(request);
  if (auto* refused = std::get_if<Response>(&form)) return *refused;
  auto p = std::get<oauth2::Parameters>(form);
  auto client = authenticate_client(request, p, applications);
  if (auto* refused = std::get_if<Response>(&client)) return *refused;
  const auto& app = std::get<signer::Application>(client);
  // RFC 9126 2.1: the request is the client's own; it may not name another request.
  if (p.count("request_uri")) return oauth_error(400, "invalid_request", "request_uri is not allowed here");
  p.erase("client_secret");
  p["client_id"] = app.id.str();
  if (auto known = authorisations.client(app.id, parameter(p, "redirect_uri")); !known)
    return oauth_error(400, "invalid_request", "redirect_uri is not one the application registered");
  auto asked = oauth2::read_authorization_request(p);
  if (auto* error = std::get_if<oauth2::OAuthError>(&asked)) return oauth_error(400, error->error, error->description);
  auto recorded = authorisations.request(std::get<signer::AuthorisationAsked>(asked));
  if (!recorded) {
    if (recorded.error().code == ErrorCode::invalid_request)
      return oauth_error(400, "invalid_request", recorded.error().message);
    return oauth_error(503, "temporarily_unavailable", "the request could not be recorded now");
  }
  return oauth_json(201, {{"request_uri", std::string(oauth2::kRequestUriPrefix) + recorded->id},
                          {"expires_in", seconds_until(recorded->expires_at, clock)}});
}

nlohmann::json metadata(const OAuth2Options& options) {
  std::string issuer = options.issuer;
  while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
  const nlohmann::json client_auth = {"client_secret_basic", "client_secret_post"};
  return {{"issuer", issuer},
          {"authorization_endpoint", issuer + "/oauth2/authorize"},
          {"token_endpoint", issuer + "/oauth2/token"},
          {"revocation_endpoint", issuer + "/oauth2/revoke"},
          {"pushed_authorization_request_endpoint", issuer + "/oauth2/pushed_authorize"},
          {"response_types_supported", {"code"}},
          {"response_modes_supported", {"query"}},
          {"grant_types_supported", {"authorization_code", "refresh_token"}},
          {"code_challenge_methods_supported", {"S256"}},
          {"token_endpoint_auth_methods_supported", client_auth},
          {"revocation_endpoint_auth_methods_supported", client_auth},
          {"scopes_supported", {"service", "credential"}},
          {"authorization_details_types_supported", {oauth2::kCredentialType, oauth2::kCredentialTypeUri}}};
}

}  // namespace

std::vector<Route> oauth2_routes(signer::ApplicationAuthorisations& authorisations,
                                 signer::ApplicationService& applications, signer::AccessTokens& tokens,
                                 const Clock& clock, OAuth2Options options) {
  return {
      {"POST",
       "/oauth2/token",
       Access::anyone,
       {},
       [&, options](const Request& request) {
         return token(request, authorisations, applications, tokens, clock, options);
       },
       "oauth2.token"},
      {"POST",
       "/oauth2/revoke",
       Access::anyone,
       {},
       [&](const Request& request) { return revoke(request, applications, tokens); },
       "oauth2.revoke"},
      {"POST",
       "/oauth2/pushed_authorize",
       Access::anyone,
       {},
       [&](const Request& request) { return pushed_authorize(request, authorisations, applications, clock); },
       "oauth2.pushed_authorize"},
      {"GET",
       "/.well-known/oauth-authorization-server",
       Access::anyone,
       {},
       [body = metadata(options)](const Request&) { return oauth_json(200, body); },
       "oauth2.metadata"},
  };
}

}  // namespace firma::api
