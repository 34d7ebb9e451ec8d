// The CSC API routes (/csc/v1/... and /csc/v2/...): info, credentials, explicit authorisation, signHash.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/csc/settings.h"
#include "api/http/routes.h"
#include "api/http/throttle.h"
#include "signer/formats.h"

namespace firma::certs {
class TimeStamper;
}
namespace firma::identity {
class CitizenService;
}
namespace firma::signer {
class AccessTokens;
class ApplicationService;
class CitizenKeySigner;
class SigningCredentials;
}  // namespace firma::signer

namespace firma::api::csc {

struct CscServices {
  signer::ApplicationService& applications;
  signer::SigningCredentials& credentials;  // with the csc.* SAD lifetime and multisign
  signer::CitizenKeySigner& key_signer;
  signer::AccessTokens& access_tokens;  // auth/login's tokens, and citizens' bearers from OAuth2
  identity::CitizenService& citizens;   // auth/login: the normal level (NIF + password)
  certs::TimeStamper& time_stamper;     // signatures/timestamp: Firma's TSA, or the outside one of timestamp.url
  signer::LongTermServices long_term;   // signDoc's levels past B: time stamps and Firma's own validation data
  // sendOTP, getChallenge and authorize count per client address and per NIF, as the citizens' own steps do.
  std::shared_ptr<const CitizenThrottle> throttle;
  std::string public_url;  // info.oauth2 and, when csc.logo is empty, info.logo
  Settings settings;
};

// Every route answers errors as CSC's {error, error_description}; the routes take no Access of the server's:
// each resolves its bearer itself (wire.h Bearer) so that a bad one is CSC's 401 invalid_token.
std::vector<Route> csc_routes(CscServices services);

// The server's own refusals on /csc/ (framing, 404, 405, 413, a throttle) in CSC's shape.
ErrorDialect csc_error_dialect();

}  // namespace firma::api::csc
