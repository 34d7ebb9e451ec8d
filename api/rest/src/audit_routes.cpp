// Handlers for /v1/admin/audit: page through the events, export the checkpoints, verify the chain.
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

nlohmann::json check_body(const AuditCheck& check) {
  nlohmann::json out = {{"ok", check.ok},
                        {"events", check.events},
                        {"head", check.head},
                        {"checkpoints", check.checkpoints},
                        {"unsealed", check.unsealed}};
  if (!check.ok) {
    out["first_bad_seq"] = check.first_bad_seq;
    out["problem"] = check.problem;
  }
  return out;
}

// The checkpoints of an exported document, as GET .../checkpoints wrote them.
Result<std::vector<AuditCheckpointEntry>> kept_checkpoints(const nlohmann::json& body) {
  auto bad = [](const std::string& why) { return make_error(ErrorCode::invalid_request, "checkpoints: " + why); };
  auto list = body.find("checkpoints");
  if (list == body.end() || !list->is_array()) return bad("expected an array of checkpoints");
  std::vector<AuditCheckpointEntry> out;
  for (const auto& c : *list) {
    if (!c.is_object()) return bad("each checkpoint must be an object");
    auto seq = c.find("seq"), first = c.find("first_seq"), hash = c.find("hash"), at = c.find("at"),
         signer = c.find("signer"), signature = c.find("signature");
    if (seq == c.end() || !seq->is_number_integer() || first == c.end() || !first->is_number_integer() ||
        hash == c.end() || !hash->is_string() || at == c.end() || !at->is_string() || signer == c.end() ||
        !signer->is_string() || signature == c.end() || !signature->is_string())
      return bad("each needs seq, first_seq (integers), hash, at, signer and signature (strings)");
    auto when = parse_rfc3339(at->get<std::string>());
    if (!when) return bad("at: expected an RFC 3339 time");
    auto bytes = from_base64(signature->get<std::string>());
    if (!bytes) return bad("signature: expected base64");
    out.push_back({seq->get<std::int64_t>(), first->get<std::int64_t>(), hash->get<std::string>(), *when,
                   signer->get<std::string>(), std::move(*bytes)});
  }
  return out;
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
         auto check = reader.verify({});
         if (!check) return problem(check.error());
         return json_response(200, check_body(*check));
       },
       "admin.audit.verify"},
      {"POST", "/v1/admin/audit/verify", Access::operator_role, roles,
       [reader](const Request& request) -> Response {
         auto body = parse_json_object(request.body);
         if (!body) return problem(body.error());
         auto kept = kept_checkpoints(*body);
         if (!kept) return problem(kept.error());
         auto check = reader.verify(*kept);
         if (!check) return problem(check.error());
         return json_response(200, check_body(*check));
       },
       "admin.audit.verify_kept"},
      {"GET", "/v1/admin/audit/checkpoints", Access::operator_role, roles,
       [reader](const Request& request) -> Response {
         auto after = number_param<std::int64_t>(request, "after", 0, 0, INT64_MAX);
         if (!after) return problem(after.error());
         auto limit = number_param<std::size_t>(request, "limit", 1000, 1, 10000);
         if (!limit) return problem(limit.error());
         auto certificates = reader.certificates();
         if (!certificates) return problem(certificates.error());
         auto checkpoints = reader.checkpoints(*after, *limit);
         if (!checkpoints) return problem(checkpoints.error());
         nlohmann::json out = nlohmann::json::array();
         for (const auto& c : *checkpoints)
           out.push_back({{"seq", c.seq},
                          {"first_seq", c.first_seq},
                          {"hash", c.hash},
                          {"at", to_rfc3339(c.at)},
                          {"signer", c.signer},
                          {"signature", to_base64(c.signature)}});
         return json_response(200, {{"certificates", *certificates}, {"checkpoints", out}});
       },
       "admin.audit.checkpoints"},
  };
}

}  // namespace firma::api
