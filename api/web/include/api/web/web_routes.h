// The citizens' web pages (server-rendered HTML): confirming a signature at /sign/{id} and the account flows
// (/activate, /password/reset, /password/change, /deregister), over the same services as the JSON API.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "api/http/routes.h"
#include "api/http/throttle.h"
#include "core/random.h"

namespace firma::signer {
class TransactionService;
class ApplicationAuthorisations;
}  // namespace firma::signer
namespace firma::identity {
class CitizenService;
}

namespace firma::api {

struct WebOptions {
  std::string public_url;                        // an https URL makes every cookie Secure
  std::chrono::seconds otp_resend_cooldown{30};  // told to the citizen next to "send another code"
};

// GET /sign/:id and POST /sign/:id/{authenticate,confirm,otp,reject}; GET and POST /activate, /password/reset,
// /password/change, /deregister (POST <page>/complete, <page>/otp for the second step); GET /static/firma.css;
// GET /oauth2/authorize (an application's authorisation request) and the page it leads to, GET
// /oauth2/authorize/:id with POST /oauth2/authorize/:id/{authenticate,confirm,otp,reject}.
// Every form carries a CSRF token (double submit with the HttpOnly, SameSite=Strict cookie firma_csrf); steps are
// rate-limited by `throttle` like their JSON twins. `random` makes the CSRF tokens. The services, the throttle's
// limiter and `random` must outlive the server.
std::vector<Route> web_routes(signer::TransactionService& transactions, identity::CitizenService& citizens,
                              signer::ApplicationAuthorisations& authorisations,
                              std::shared_ptr<const CitizenThrottle> throttle, Random& random, WebOptions options);

}  // namespace firma::api
