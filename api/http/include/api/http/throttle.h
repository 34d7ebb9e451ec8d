// Rate limits of the public citizen endpoints (the Cl@ve forms' bot protection): per client address and per NIF.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/http/http.h"
#include "api/http/routes.h"
#include "identity/rate_limiter.h"

namespace firma::api {

struct CitizenRoutesOptions {
  identity::CitizenRateLimits limits{};
  // A request header naming the client's address (e.g. X-Real-IP), trusted only when a proxy in front sets it;
  // empty: the connection's peer address.
  std::string address_header{};
};

// Shared by the account flows (/v1/citizens/...), the confirmation of transactions and the web pages, so that all
// count against the same buckets in the database (and so across nodes). The JSON routes name it in their Throttle,
// for the dispatcher; the pages call it themselves, after their form's CSRF check, and draw the refusal in the form.
class CitizenThrottle {
 public:
  CitizenThrottle(identity::RateLimiter& limiter, CitizenRoutesOptions options)
      : limiter_(limiter), options_(std::move(options)) {}

  std::string client_address(const Request& request) const;
  // What the dispatcher applies before a throttled route's handler: the address, then the route's subject.
  // nullopt when the request may go on; otherwise the answer (429 rate_limited with Retry-After, or the
  // database's error).
  std::optional<Response> admit(const Throttle& throttle, const Request& request) const;
  // nullopt when the request may go on; otherwise the answer (429 rate_limited with Retry-After, or the
  // database's error).
  std::optional<Response> by_address(const Request& request) const;
  // Per NIF as typed: the bucket is keyed on its canonical form (policies::nif_key), so that "33333333p",
  // " 33333333P" and "33333333P\t" count as one NIF (ARCHITECTURE.md invariant 3).
  std::optional<Response> by_nif(std::string_view typed) const;
  // Per challenge or per transaction, for the steps that name one instead of a NIF (same limit as per NIF).
  std::optional<Response> by_challenge(std::string_view challenge_id) const;
  std::optional<Response> by_transaction(std::string_view transaction_id) const;

 private:
  std::optional<Response> take(const std::string& bucket, const policies::RateLimit& limit) const;
  identity::RateLimiter& limiter_;
  CitizenRoutesOptions options_;
};

}  // namespace firma::api
