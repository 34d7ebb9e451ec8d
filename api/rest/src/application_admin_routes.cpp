// Handlers for /v1/admin/apps: operators register e-government applications.
#include "api/rest/signing_routes.h"
#include "signer/applications.h"

namespace firma::api {
namespace {

// PEM texts: their line breaks are what required_field would refuse as control characters, so they are read here;
// the signer parses each one.
Result<std::vector<std::string>> client_certificates(const nlohmann::json& body) {
  auto it = body.find("client_certificates");
  if (it == body.end() || it->is_null()) return std::vector<std::string>{};
  const auto bad = [] {
    return make_error(ErrorCode::invalid_request, "client_certificates must be an array of PEM texts");
  };
  if (!it->is_array()) return bad();
  std::vector<std::string> pems;
  for (const auto& item : *it) {
    if (!item.is_string()) return bad();
    pems.push_back(item.get<std::string>());
  }
  return pems;
}

}  // namespace

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
         auto certificates = client_certificates(*body);
         if (!certificates) return problem(certificates.error());
         auto registered = applications.register_application(
             {*name, *prefixes, *formats, redirect_uris->value_or(std::vector<std::string>{}), *certificates},
             request.caller->id);
         if (!registered) return problem(registered.error());
         nlohmann::json shown = nlohmann::json::array();
         for (const auto& c : registered->client_certificates)
           shown.push_back({{"sha256", c.sha256_hex},
                            {"subject", c.subject},
                            {"serial", c.serial_hex},
                            {"not_after", to_rfc3339(c.not_after)}});
         return json_response(201, {{"app_id", registered->id.str()},
                                    {"api_key", std::string(registered->api_key.reveal())},
                                    {"client_certificates", shown}});
       },
       "admin.apps.create"},
  };
}

}  // namespace firma::api
