// Handlers for /v1/admin/apps: operators register e-government applications.
#include "api/rest/signing_routes.h"
#include "signer/applications.h"

namespace firma::api {

std::vector<Route> application_admin_routes(signer::ApplicationService& applications) {
  const std::vector<Role> admin_only = {Role::admin};
  return {
      {"POST", "/v1/admin/apps", Access::operator_role, admin_only,
       [&applications](const Request& request) -> Response {
         auto body = parse_json_object(request.body);
         if (!body) return problem(body.error());
         auto name = required_field<std::string>(*body, "name");
         if (!name) return problem(name.error());
         auto prefixes = required_field<std::vector<std::string>>(*body, "return_url_prefixes");
         if (!prefixes) return problem(prefixes.error());
         auto formats = required_field<std::vector<std::string>>(*body, "allowed_formats");
         if (!formats) return problem(formats.error());
         auto redirect_uris = optional_field<std::vector<std::string>>(*body, "redirect_uris");
         if (!redirect_uris) return problem(redirect_uris.error());
         auto registered = applications.register_application(*name, *prefixes, *formats, request.caller->id,
                                                             redirect_uris->value_or(std::vector<std::string>{}));
         if (!registered) return problem(registered.error());
         return json_response(
             201, {{"app_id", registered->id.str()}, {"api_key", std::string(registered->api_key.reveal())}});
       },
       "admin.apps.create"},
  };
}

}  // namespace firma::api
