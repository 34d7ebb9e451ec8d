// Operators: the people who run Firma, each with a bearer token and roles (admin, registrar, pki_officer, auditor,
// sms_outbox_reader).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/random.h"
#include "core/result.h"
#include "core/secret.h"
#include "core/statuses.h"

namespace firma::store {
class Database;
}

namespace firma::identity {

// The roles as an operator types them (the API's JSON): invalid_request naming the first unknown one.
Result<std::vector<Role>> parse_roles(const std::vector<std::string>& typed);

struct Operator {
  OperatorId id;
  std::string name;
  std::vector<Role> roles;
};

// A token is shown once, when it is created; only its SHA-256 is stored.
struct IssuedOperatorToken {
  OperatorId id;
  Secret token;
};

class OperatorService {
 public:
  OperatorService(store::Database& db, const Clock& clock, Random& random);

  // The operator a bearer token belongs to; unauthorized for unknown or revoked tokens.
  Result<Operator> authenticate(std::string_view bearer_token) const;

  // A new operator with its token. `actor` is who asks, for the audit trail.
  Result<IssuedOperatorToken> create(std::string_view name, const std::vector<Role>& roles, std::string_view actor);

  // On first start: the administrator's token when no operator exists yet, nothing otherwise.
  // Safe when several nodes start together: only one of them creates it.
  Result<std::optional<IssuedOperatorToken>> bootstrap_admin();

  Result<std::vector<Operator>> list() const;

 private:
  store::Database& db_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace firma::identity
