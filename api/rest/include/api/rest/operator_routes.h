// Operators managing operators: an administrator creates tokens for registrars, PKI officers and auditors.
#pragma once

#include <vector>

#include "api/http/routes.h"

namespace firma::identity {
class OperatorService;
}

namespace firma::api {

// POST /v1/admin/operators {name, roles[]} -> 201 {id, name, roles, token} (the token shown once)
// GET  /v1/admin/operators -> 200 {operators: [{id, name, roles}]}
std::vector<Route> operator_routes(identity::OperatorService& operators);

}  // namespace firma::api
