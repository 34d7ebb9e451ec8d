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

namespace firma::store {
class Database;
}

namespace firma::identity {

inline constexpr std::string_view kRoleAdmin = "admin";
inline constexpr std::string_view kRoleRegistrar = "registrar";
inline constexpr std::string_view kRolePkiOfficer = "pki_officer";
inline constexpr std::string_view kRoleAuditor = "auditor";
// Reads the SMS outbox, and so every code sent to any citizen: a role of its own, never part of admin, for the
// single-machine and test setups that use the outbox.
inline constexpr std::string_view kRoleSmsOutboxReader = "sms_outbox_reader";

bool is_known_role(std::string_view role);

struct Operator {
  OperatorId id;
  std::string name;
  std::vector<std::string> roles;
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
  Result<IssuedOperatorToken> create(std::string_view name, const std::vector<std::string>& roles,
                                     std::string_view actor);

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
