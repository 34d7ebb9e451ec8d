// The declarative route table: method, path pattern, who may call, and the handler, in one list.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/caller.h"
#include "api/http.h"
#include "core/result.h"
#include "core/statuses.h"

namespace firma::api {

enum class Access {
  anyone,         // no bearer: public endpoints and citizen flows that prove themselves
  operator_role,  // Authorization: Bearer <operator token>
  application,    // Authorization: Bearer <api key>
};

struct Route {
  std::string method;                  // "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string pattern;                 // "/v1/admin/citizens/:nif"; ":name" is a path parameter
  Access access = Access::anyone;
  std::vector<Role> roles;  // operator roles allowed; empty = any operator
  std::function<Response(const Request&)> handler;
  std::string name;                    // label in metrics and logs; empty = the pattern
};

// Verifies a bearer token for a route's access level (operator tokens and API keys are checked by
// services, not by api). Answers the caller, or an error: unauthorized (or invalid_credentials) for a
// token it does not accept, unavailable when it cannot check. The server then applies the route's
// roles: a caller of the wrong kind or without an allowed role gets 403 forbidden.
using Authenticator = std::function<Result<Caller>(Access, std::string_view bearer_token)>;

}  // namespace firma::api
