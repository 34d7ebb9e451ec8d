// The declarative route table: method, path pattern, who may call, and the handler, in one list.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/caller.h"
#include "api/http/http.h"
#include "core/result.h"
#include "core/statuses.h"

namespace firma::api {

enum class Access {
  anyone,         // no bearer: public endpoints and citizen flows that prove themselves
  operator_role,  // Authorization: Bearer <operator token>
  application,    // Authorization: Bearer <api key>
};

class CitizenThrottle;

// What a route's requests count against before its handler runs (the Cl@ve forms' bot protection), applied once by
// the dispatcher: the client's address, then the subject the request names (ARCHITECTURE.md invariant 3).
struct Throttle {
  enum class Subject {
    none,         // the address only
    nif,          // the NIF as typed, counted on its canonical form (policies::nif_key)
    challenge,    // an OTP challenge of the account flows
    transaction,  // a signing transaction
  };
  std::shared_ptr<const CitizenThrottle> buckets;  // null: the route is not throttled
  Subject subject = Subject::none;
  // The subject as the handler reads it; nullopt for a request the handler refuses before counting it (a body
  // that is not JSON, a malformed NIF), which then counts against the address only.
  std::function<std::optional<std::string>(const Request&)> subject_of{};
};

struct Route {
  std::string method;   // "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string pattern;  // "/v1/admin/citizens/:nif"; ":name" is a path parameter
  Access access = Access::anyone;
  std::vector<Role> roles;  // operator roles allowed; empty = any operator
  std::function<Response(const Request&)> handler;
  std::string name;     // label in metrics and logs; empty = the pattern
  Throttle throttle{};  // none by default
  // How a request to this route that the server refuses before any handler runs (larger than the body limit,
  // malformed framing) is answered, for a front with an error format of its own; null: problem+json.
  std::function<Response(const Error&)> refusal{};
};

// Verifies a bearer token for a route's access level (operator tokens and API keys are checked by
// services, not by api). Answers the caller, or an error: unauthorized (or invalid_credentials) for a
// token it does not accept, unavailable when it cannot check. The server then applies the route's
// roles: a caller of the wrong kind or without an allowed role gets 403 forbidden.
using Authenticator = std::function<Result<Caller>(Access, std::string_view bearer_token)>;

}  // namespace firma::api
