// Token buckets in the database for the public citizen endpoints.
#include "api/http/throttle.h"

#include "policies/nif.h"

namespace firma::api {

std::string CitizenThrottle::client_address(const Request& r) const {
  if (!options_.address_header.empty()) {
    if (auto forwarded = r.header(options_.address_header)) {
      std::string first = forwarded->substr(0, forwarded->find(','));
      const auto begin = first.find_first_not_of(" \t");
      const auto end = first.find_last_not_of(" \t");
      if (begin != std::string::npos) return first.substr(begin, end - begin + 1);
    }
  }
  return r.client_address;
}

std::optional<Response> CitizenThrottle::take(const std::string& bucket, const policies::RateLimit& limit) const {
  auto decision = limiter_.take(bucket, limit);
  if (!decision) return problem(decision.error());
  if (decision->allowed) return std::nullopt;
  Response r = problem(ErrorCode::rate_limited, "too many requests; try again later");
  r.headers.emplace_back("Retry-After", std::to_string(decision->retry_after.count()));
  return r;
}

std::optional<Response> CitizenThrottle::admit(const Throttle& throttle, const Request& r) const {
  if (auto refused = by_address(r)) return refused;
  if (throttle.subject == Throttle::Subject::none || !throttle.subject_of) return std::nullopt;
  const auto subject = throttle.subject_of(r);
  if (!subject) return std::nullopt;
  switch (throttle.subject) {
    case Throttle::Subject::nif: return by_nif(*subject);
    case Throttle::Subject::challenge: return by_challenge(*subject);
    case Throttle::Subject::transaction: return by_transaction(*subject);
    case Throttle::Subject::none: break;
  }
  return std::nullopt;
}

std::optional<Response> CitizenThrottle::by_address(const Request& r) const {
  return take("address:" + client_address(r), options_.limits.per_address);
}

std::optional<Response> CitizenThrottle::by_nif(std::string_view typed) const {
  return take("nif:" + policies::nif_key(typed), options_.limits.per_nif);
}

std::optional<Response> CitizenThrottle::by_challenge(std::string_view challenge_id) const {
  return take("challenge:" + std::string(challenge_id), options_.limits.per_nif);
}

std::optional<Response> CitizenThrottle::by_transaction(std::string_view transaction_id) const {
  return take("transaction:" + std::string(transaction_id), options_.limits.per_nif);
}

}  // namespace firma::api
