// Handlers for operators' PKI endpoints: decode, validate, call the credential service, render.
#include "api/rest/admin_pki_routes.h"

#include <cctype>
#include <charconv>

#include "certs/authority.h"
#include "identity/operators.h"
#include "policies/nif.h"

namespace firma::api {
namespace {

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 1000;

std::string actor_of(const Request& request) {
  return "operator:" + (request.caller ? request.caller->id : "?");
}

nlohmann::json certificate_json(const certs::CertificateInfo& c) {
  nlohmann::json out = {{"serial", c.serial.str()},
                        {"nif", c.nif},
                        {"subject", c.subject},
                        {"not_before", to_rfc3339(c.not_before)},
                        {"not_after", to_rfc3339(c.not_after)},
                        {"status", std::string(to_string(c.status))},
                        {"algorithm", c.algorithm},
                        {"key_id", c.key_id.str()}};
  if (c.revoked_at) out["revoked_at"] = to_rfc3339(*c.revoked_at);
  if (c.revocation_reason) out["revocation_reason"] = std::string(certs::to_string(*c.revocation_reason));
  return out;
}

// Serials are upper-case hexadecimal without separators; accept lower case and colons from copy-paste.
Result<CertSerial> serial_param(const Request& request) {
  auto it = request.params.find("serial");
  std::string serial;
  if (it != request.params.end())
    for (char c : it->second) {
      if (c == ':') continue;
      if (!std::isxdigit(static_cast<unsigned char>(c)))
        return make_error(ErrorCode::invalid_request, "serial: expected hexadecimal");
      serial += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  if (serial.empty() || serial.size() > 40)
    return make_error(ErrorCode::invalid_request, "serial: expected hexadecimal");
  while (serial.size() > 2 && serial.rfind("00", 0) == 0) serial.erase(0, 2);  // the minimal form the CA records
  return CertSerial(serial);
}

Result<std::size_t> limit_param(const Request& request) {
  auto it = request.query.find("limit");
  if (it == request.query.end()) return kDefaultLimit;
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  if (ec != std::errc{} || end != it->second.data() + it->second.size() || n < 1 || n > kMaxLimit)
    return make_error(ErrorCode::invalid_request, "limit: expected a whole number from 1 to 1000");
  return n;
}

}  // namespace

std::vector<Route> admin_pki_routes(certs::CredentialService& credentials, certs::CitizenLookup citizens) {
  const std::vector<Role> pki_roles = {Role::admin, Role::pki_officer};
  return {
      {"POST", "/v1/admin/citizens/:nif/certificate", Access::operator_role, pki_roles,
       [&credentials, citizens](const Request& request) -> Response {
         std::optional<hsm::KeyAlgorithm> algorithm;
         if (!request.body.empty()) {
           auto body = parse_json_object(request.body);
           if (!body) return problem(body.error());
           auto name = optional_field<std::string>(*body, "algorithm");
           if (!name) return problem(name.error());
           if (*name) {
             algorithm = hsm::parse_key_algorithm(**name);
             if (!algorithm)
               return problem(ErrorCode::invalid_request, "algorithm: expected ec-p256, ec-p384, rsa-2048 or rsa-3072");
           }
         }
         if (!citizens) return problem(ErrorCode::unavailable, "citizen records are not available");
         auto citizen = citizens(request.params.at("nif"));
         if (!citizen) return problem(citizen.error());
         auto issued = credentials.issue(*citizen, algorithm, actor_of(request));
         if (!issued) return problem(issued.error());
         return json_response(201, {{"serial", issued->serial.str()},
                                    {"certificate", certs::certificate_pem(issued->certificate)},
                                    {"key_id", issued->key_id.str()},
                                    {"algorithm", std::string(hsm::to_string(issued->algorithm))},
                                    {"not_before", to_rfc3339(issued->not_before)},
                                    {"not_after", to_rfc3339(issued->not_after)}});
       },
       "admin.citizens.certificate"},
      {"GET", "/v1/admin/certificates", Access::operator_role, pki_roles,
       [&credentials](const Request& request) -> Response {
         auto limit = limit_param(request);
         if (!limit) return problem(limit.error());
         std::optional<std::string> nif;
         if (auto it = request.query.find("nif"); it != request.query.end()) {
           auto parsed = policies::Nif::parse(it->second);
           if (!parsed) return problem(ErrorCode::invalid_request, "nif: " + parsed.error().message);
           nif = parsed->str();
         }
         auto listed = credentials.list(nif ? std::optional<std::string_view>(*nif) : std::nullopt, *limit);
         if (!listed) return problem(listed.error());
         nlohmann::json out = nlohmann::json::array();
         for (const auto& c : *listed) out.push_back(certificate_json(c));
         return json_response(200, {{"certificates", out}});
       },
       "admin.certificates.list"},
      {"POST", "/v1/admin/certificates/:serial/revoke", Access::operator_role, pki_roles,
       [&credentials](const Request& request) -> Response {
         auto serial = serial_param(request);
         if (!serial) return problem(serial.error());
         auto body = parse_json_object(request.body);
         if (!body) return problem(body.error());
         auto reason_text = required_field<std::string>(*body, "reason");
         if (!reason_text) return problem(reason_text.error());
         auto reason = certs::parse_revocation_reason(*reason_text);
         if (!reason || !certs::operator_may_revoke_with(*reason))
           return problem(ErrorCode::invalid_request,
                          "reason: expected unspecified, key_compromise, affiliation_changed, superseded, "
                          "cessation_of_operation or privilege_withdrawn (RFC 5280 5.3.1)");
         auto revoked = credentials.revoke(*serial, *reason, actor_of(request));
         if (!revoked) return problem(revoked.error());
         return json_response(200, {{"serial", revoked->serial.str()},
                                    {"status", std::string(to_string(CertificateStatus::revoked))},
                                    {"revoked_at", to_rfc3339(revoked->revoked_at.value_or(Instant{}))},
                                    {"reason", std::string(certs::to_string(*reason))}});
       },
       "admin.certificates.revoke"},
      {"GET", "/v1/admin/keys", Access::operator_role, pki_roles,
       [&credentials](const Request&) -> Response {
         auto keys = credentials.keys();
         if (!keys) return problem(keys.error());
         nlohmann::json out = nlohmann::json::array();
         for (const auto& k : *keys) {
           nlohmann::json key = {{"key_id", k.key_id.str()},
                                 {"owner", k.owner},
                                 {"purpose", k.purpose},
                                 {"algorithm", std::string(hsm::to_string(k.algorithm))},
                                 {"extractable", k.extractable},
                                 {"sensitive", k.sensitive},
                                 {"has_certificate", k.has_certificate}};
           key["created_at"] = k.created_at ? nlohmann::json(to_rfc3339(*k.created_at)) : nlohmann::json(nullptr);
           out.push_back(std::move(key));
         }
         return json_response(200, {{"keys", out}});
       },
       "admin.keys.list"},
  };
}

std::vector<Route> admin_custody_routes(certs::KeyCustody& custody) {
  const std::vector<Role> pki_roles = {Role::admin, Role::pki_officer};
  return {
      {"GET", "/v1/admin/keks", Access::operator_role, pki_roles,
       [&custody](const Request&) -> Response {
         auto keks = custody.keks();
         if (!keks) return problem(keks.error());
         nlohmann::json out = nlohmann::json::array();
         for (const auto& k : *keks)
           out.push_back({{"kek_id", k.kek_id.str()},
                          {"state", k.state},
                          {"created_at", to_rfc3339(k.created_at)},
                          {"keys", k.keys}});
         return json_response(
             200,
             {{"key_custody", custody.mode() == certs::CustodyMode::wrapped ? "wrapped" : "token"}, {"keks", out}});
       },
       "admin.keks.list"},
      {"POST", "/v1/admin/keks/rotate", Access::operator_role, pki_roles,
       [&custody](const Request& request) -> Response {
         auto kek = custody.rotate(actor_of(request));
         if (!kek) return problem(kek.error());
         return json_response(201, {{"kek_id", kek->str()}});
       },
       "admin.keks.rotate"},
  };
}

}  // namespace firma::api
