// /v1/admin/citizens... and /v1/admin/sms/outbox: thin handlers over the CitizenService and the outbox gateway.
#include "api/rest/admin_citizen_routes.h"

#include <string>
#include <utility>

#include "identity/citizens.h"
#include "identity/operators.h"
#include "identity/sms_gateway.h"
#include "policies/contact.h"
#include "policies/nif.h"

namespace firma::api {
namespace {

const std::vector<Role> kRegistrars = {Role::admin, Role::registrar};
constexpr std::size_t kOutboxLimit = 1000;

std::string actor_of(const Request& r) {
  return "operator:" + (r.caller ? r.caller->id : std::string("unknown"));
}

nlohmann::json citizen_json(const identity::Citizen& c) {
  nlohmann::json j = {{"id", c.id.str()},
                      {"nif", c.nif.str()},
                      {"given_name", c.given_name},
                      {"surname1", c.surname1},
                      {"surname2", c.surname2.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.surname2)},
                      {"email", c.email},
                      {"mobile", c.mobile},
                      {"registration_level", std::string(to_string(c.registration_level))},
                      {"status", std::string(to_string(c.status))},
                      {"failed_attempts", c.failed_attempts},
                      {"password_expires_at", nullptr}};
  if (c.password_expires_at) j["password_expires_at"] = to_rfc3339(*c.password_expires_at);
  return j;
}

Result<policies::Nif> nif_param(const Request& r) {
  auto it = r.params.find("nif");
  auto nif = policies::Nif::parse(it == r.params.end() ? std::string_view{} : std::string_view(it->second));
  if (!nif) return make_error(ErrorCode::invalid_request, "nif: " + nif.error().message);
  return nif;
}

}  // namespace

std::vector<Route> admin_citizen_routes(identity::CitizenService& citizens, const identity::OutboxSmsGateway* outbox) {
  std::vector<Route> routes;

  routes.push_back({"POST", "/v1/admin/citizens", Access::operator_role, kRegistrars,
                    [&citizens](const Request& r) {
                      auto body = parse_json_object(r.body);
                      if (!body) return problem(body.error());
                      identity::CitizenRegistration reg;
                      for (auto [name, target] : {std::pair{"nif", &reg.nif}, std::pair{"given_name", &reg.given_name},
                                                  std::pair{"surname1", &reg.surname1}, std::pair{"email", &reg.email},
                                                  std::pair{"mobile", &reg.mobile},
                                                  std::pair{"registration_level", &reg.registration_level}}) {
                        auto value = required_field<std::string>(*body, name);
                        if (!value) return problem(value.error());
                        *target = std::move(*value);
                      }
                      auto surname2 = optional_field<std::string>(*body, "surname2");
                      if (!surname2) return problem(surname2.error());
                      reg.surname2 = surname2->value_or("");
                      auto registered = citizens.register_citizen(reg, actor_of(r));
                      if (!registered) return problem(registered.error());
                      const auto& c = registered->citizen;
                      Response response =
                          json_response(201, {{"id", c.id.str()},
                                              {"nif", c.nif.str()},
                                              {"status", std::string(to_string(c.status))},
                                              {"activation_code", std::string(registered->activation_code.reveal())}});
                      response.headers.emplace_back("Location", "/v1/admin/citizens/" + c.nif.str());
                      return response;
                    },
                    "admin.citizens.register"});

  routes.push_back({"GET", "/v1/admin/citizens/:nif", Access::operator_role, kRegistrars,
                    [&citizens](const Request& r) {
                      auto nif = nif_param(r);
                      if (!nif) return problem(nif.error());
                      auto citizen = citizens.find_by_nif(*nif);
                      if (!citizen) return problem(citizen.error());
                      return json_response(200, citizen_json(*citizen));
                    },
                    "admin.citizens.show"});

  routes.push_back({"POST", "/v1/admin/citizens/:nif/activation-code", Access::operator_role, kRegistrars,
                    [&citizens](const Request& r) {
                      auto nif = nif_param(r);
                      if (!nif) return problem(nif.error());
                      auto code = citizens.regenerate_activation_code(*nif, actor_of(r));
                      if (!code) return problem(code.error());
                      return json_response(200, {{"activation_code", std::string(code->reveal())}});
                    },
                    "admin.citizens.activation_code"});

  // The outbox holds every code sent: reading it is a role of its own (an administrator alone could otherwise
  // reset a citizen's password and sign in their name).
  routes.push_back({"GET",
                    "/v1/admin/sms/outbox",
                    Access::operator_role,
                    {Role::sms_outbox_reader},
                    [outbox](const Request& r) {
                      if (outbox == nullptr) return problem(ErrorCode::not_found, "the SMS gateway is not the outbox");
                      std::optional<std::string> to;
                      if (auto it = r.query.find("to"); it != r.query.end() && !it->second.empty()) {
                        auto mobile = policies::normalize_mobile(it->second);
                        if (!mobile) return problem(ErrorCode::invalid_request, "to: " + mobile.error().message);
                        to = std::move(*mobile);
                      }
                      auto messages = outbox->messages(to, kOutboxLimit);
                      if (!messages) return problem(messages.error());
                      nlohmann::json list = nlohmann::json::array();
                      for (const auto& m : *messages)
                        list.push_back({{"to", m.to}, {"text", m.text}, {"at", to_rfc3339(m.at)}});
                      return json_response(200, {{"messages", list}});
                    },
                    "admin.sms.outbox"});
  return routes;
}

}  // namespace firma::api
