// Who is calling: the operator or application an authenticated request acts for.
#pragma once

#include <string>
#include <vector>

#include "core/statuses.h"

namespace firma::api {

// Filled by the server from the Authenticator's answer before a protected handler runs; handlers
// read it from Request::caller and never see the bearer token itself.
struct Caller {
  enum class Kind { operator_, application };
  Kind kind = Kind::operator_;
  std::string id;           // OperatorId or AppId text
  std::vector<Role> roles;  // empty for applications

  bool has_role(Role role) const {
    for (Role r : roles)
      if (r == role) return true;
    return false;
  }
};

}  // namespace firma::api
