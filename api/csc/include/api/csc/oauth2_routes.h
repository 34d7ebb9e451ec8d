// The OAuth 2.0 authorisation server's JSON endpoints for CSC clients: token, revocation, pushed requests and
// metadata. The authorisation endpoint itself, GET /oauth2/authorize, is the citizen's page (api/web).
#pragma once

#include <string>
#include <vector>

#include "api/http/routes.h"
#include "core/clock.h"

namespace firma::signer {
class AccessTokens;
class ApplicationAuthorisations;
class ApplicationService;
}  // namespace firma::signer

namespace firma::api {

struct OAuth2Options {
  std::string issuer;  // the public base URL (RFC 8414 2: https, no query or fragment)
  std::chrono::seconds access_lifetime{3600};
};

// POST /oauth2/token (RFC 6749 4.1.3 and 6, RFC 7636 4.5), POST /oauth2/revoke (RFC 7009), POST
// /oauth2/pushed_authorize (RFC 9126) and GET /.well-known/oauth-authorization-server (RFC 8414). Clients
// authenticate with client_secret_basic or client_secret_post: client_id is the application's id, client_secret
// its API key. Every error is {error, error_description} (RFC 6749 5.2). The services must outlive the server.
std::vector<Route> oauth2_routes(signer::ApplicationAuthorisations& authorisations,
                                 signer::ApplicationService& applications, signer::AccessTokens& tokens,
                                 const Clock& clock, OAuth2Options options);

}  // namespace firma::api
