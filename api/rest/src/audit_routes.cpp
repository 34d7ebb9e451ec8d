// Handlers for /v1/admin/audit: page through the events, verify the chain.
#include "api/rest/audit_routes.h"

#include <charconv>

#include "identity/operators.h"

namespace firma::api {
namespace {

template <class T>
Result<T> number_param(const Request& request, const char* name, T fallback, T min, T max) {
  auto it = request.query.find(name);
  if (it == request.query.end()) return fallback;
  T n{};
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  if (ec != std::errc{} || end != it->second.data() + it->second.size() || n < min || n > max)
    return make_error(ErrorCode::invalid_request, std::string(name) + ": expected a whole number from " +
                                                      std::to_string(min) + " to " + std::to_string(max));
  return n;
}

}  // namespace

std::vector<Route> audit_routes(AuditReader reader) {
  const std::vector<Role> roles = {Role::admin, Role::auditor};
  return {
      {"GET", "/v1/admin/audit", Access::operator_role, roles,
       [reader](const Request& request) -> Response {
         auto after = number_param<std::int64_t>(request, "after", 0, 0, INT64_MAX);
         if (!after) return problem(after.error());
         auto limit = number_param<std::size_t>(request, "limit", 100, 1, 1000);
         if (!limit) return problem(limit.error());
         auto events = reader.list(*after, *limit);
         if (!events) return problem(events.error());
         nlohmann::json out = nlohmann::json::array();
         for (const auto& e : *events)
           out.push_back({{"seq", e.seq},
                          {"at", to_rfc3339(e.at)},
                          {"actor", e.actor},
                          {"action", e.action},
                          {"subject", e.subject},
                          {"outcome", e.outcome},
                          {"detail", e.detail},
                          {"hash", e.hash}});
         return json_response(200, {{"events", out}});
       },
       "admin.audit.list"},
      {"GET", "/v1/admin/audit/verify", Access::operator_role, roles,
       [reader](const Request&) -> Response {
         auto check = reader.verify();
         if (!check) return problem(check.error());
         nlohmann::json out = {{"ok", check->ok}, {"events", check->events}, {"head", check->head}};
         if (!check->ok) out["first_bad_seq"] = check->first_bad_seq;
         return json_response(200, out);
       },
       "admin.audit.verify"},
  };
}

}  // namespace firma::api
