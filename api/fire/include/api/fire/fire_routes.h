// The FIRe-compatible front: POST (or GET) /fire-signature/fireService, FIRe's operations over the signing core.
#pragma once

#include <string>
#include <vector>

#include "api/http/routes.h"

namespace firma::signer {
class ApplicationService;
class TransactionService;
}  // namespace firma::signer

namespace firma::api {

// `public_url` is the base of the confirmation page FIRe's redirecturl names (/sign/{id}).
std::vector<Route> fire_routes(signer::TransactionService& transactions, signer::ApplicationService& applications,
                               std::string public_url);

// The server's own refusals on /fire-signature/ (a request too large, malformed framing, 404, 405) in FIRe's
// {"c":..,"m":..}.
ErrorDialect fire_error_dialect();

}  // namespace firma::api
