// Handlers for /v1/admin/operators: decode, validate, call the operator service, render.
#include "api/rest/operator_routes.h"

#include "identity/operators.h"

namespace firma::api {

std::vector<Route> operator_routes(identity::OperatorService& operators) {
  const std::vector<Role> admin_only = {Role::admin};
  return {
      {"POST", "/v1/admin/operators", Access::operator_role, admin_only,
       [&operators](const Request& request) -> Response {
         auto body = parse_json_object(request.body);
         if (!body) return problem(body.error());
         auto name = required_field<std::string>(*body, "name");
         if (!name) return problem(name.error());
         auto roles = required_field<std::vector<std::string>>(*body, "roles");
         if (!roles) return problem(roles.error());
         auto typed_roles = identity::parse_roles(*roles);
         if (!typed_roles) return problem(typed_roles.error());
         auto issued = operators.create(*name, *typed_roles, request.caller->id);
         if (!issued) return problem(issued.error());
         return json_response(201, {{"id", issued->id.str()},
                                    {"name", *name},
                                    {"roles", *roles},
                                    {"token", std::string(issued->token.reveal())}});
       },
       "admin.operators.create"},
      {"GET", "/v1/admin/operators", Access::operator_role, admin_only,
       [&operators](const Request&) -> Response {
         auto list = operators.list();
         if (!list) return problem(list.error());
         nlohmann::json out = nlohmann::json::array();
         for (const auto& op : *list) {
           nlohmann::json roles = nlohmann::json::array();
           for (Role role : op.roles) roles.push_back(std::string(to_string(role)));
           out.push_back({{"id", op.id.str()}, {"name", op.name}, {"roles", roles}});
         }
         return json_response(200, {{"operators", out}});
       },
       "admin.operators.list"},
  };
}

}  // namespace firma::api
