// Routes of the signing flow: applications (operators), transactions (applications) and their confirmation (citizens).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/http/routes.h"
#include "api/http/throttle.h"

namespace firma::signer {
class ApplicationService;
class TransactionService;
}  // namespace firma::signer

namespace firma::api {

// POST /v1/admin/apps {name, return_url_prefixes[], allowed_formats[]} -> 201 {app_id, api_key}
std::vector<Route> application_admin_routes(signer::ApplicationService& applications);

// POST/GET/DELETE /v1/transactions..., GET .../summary, POST .../authenticate, .../confirm, .../reject
// public_url: the base of confirm_url ("https://firma.example.gob.es"). The citizen's steps (summary,
// authenticate, confirm, reject) are rate-limited like the account flows, per address and per NIF/transaction.
std::vector<Route> transaction_routes(signer::TransactionService& transactions,
                                      signer::ApplicationService& applications, std::string public_url,
                                      std::shared_ptr<const CitizenThrottle> throttle);

}  // namespace firma::api
