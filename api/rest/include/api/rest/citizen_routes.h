// The citizens' own endpoints (/v1/citizens/...): activation, password reset and change, deregistration.
#pragma once

#include <string>
#include <vector>

#include "api/http/routes.h"
#include "api/http/throttle.h"
#include "identity/rate_limiter.h"

namespace firma::identity {
class CitizenService;
}

namespace firma::api {

// No bearer: each flow proves itself with the activation code, the password and the SMS code. Every endpoint is
// rate-limited per client address and per NIF (per challenge for the steps that name a challenge instead):
// 429 `rate_limited` with Retry-After. The services must outlive the server.
std::vector<Route> citizen_routes(identity::CitizenService& citizens, identity::RateLimiter& limiter,
                                  CitizenRoutesOptions options = {});

}  // namespace firma::api
