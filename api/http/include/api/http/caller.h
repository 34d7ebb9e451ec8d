// Who is calling: the operator or application an authenticated request acts for.
#pragma once

#include <string>
#include <vector>

namespace firma::api {

// Filled by the server from the Authenticator's answer before a protected handler runs; handlers
// read it from Request::caller and never see the bearer token itself.
struct Caller {
  enum class Kind { operator_, application };
  Kind kind = Kind::operator_;
  std::string id;                  // OperatorId or AppId text
  std::vector<std::string> roles;  // operator roles ("admin", ...); empty for applications

  bool has_role(const std::string& role) const {
    for (const auto& r : roles)
      if (r == role) return true;
    return false;
  }
};

}  // namespace firma::api
