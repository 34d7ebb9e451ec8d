// Operator accounts: token issuance (hashed at rest), authentication and the first administrator.
#include "identity/operators.h"

#include <algorithm>

#include "core/encoding.h"
#include "core/log.h"
#include "store/audit_log.h"
#include "store/database.h"
#include "store/operators.h"

namespace firma::identity {
namespace {

constexpr std::string_view kTokenPrefix = "fop_";
constexpr std::string_view kBootstrapId = "op-admin";

std::string token_hash(std::string_view token) {
  return to_hex(sha256(token));
}

Operator to_operator(const store::OperatorRecord& r) {
  return Operator{r.id, r.name, r.roles};
}

}  // namespace

Result<std::vector<Role>> parse_roles(const std::vector<std::string>& typed) {
  std::vector<Role> roles;
  for (const auto& text : typed) {
    auto role = parse_role(text);
    if (!role)
      return make_error(ErrorCode::invalid_request,
                        "unknown role '" + text + "' (admin, registrar, pki_officer, auditor, sms_outbox_reader)");
    roles.push_back(*role);
  }
  return roles;
}

OperatorService::OperatorService(store::Database& db, const Clock& clock, Random& random)
    : db_(db), clock_(clock), random_(random) {}

Result<Operator> OperatorService::authenticate(std::string_view bearer_token) const {
  if (bearer_token.size() < kTokenPrefix.size() || bearer_token.substr(0, kTokenPrefix.size()) != kTokenPrefix)
    return make_error(ErrorCode::unauthorized, "unknown operator token");
  const std::string hash = token_hash(bearer_token);
  auto found = db_.transact([&](store::Tx& tx) { return store::OperatorRecords::find_by_token_hash(tx, hash); });
  if (!found) return std::move(found).error();
  if (!found->has_value() || (*found)->revoked_at.has_value())
    return make_error(ErrorCode::unauthorized, "unknown operator token");
  return to_operator(**found);
}

Result<IssuedOperatorToken> OperatorService::create(std::string_view name, const std::vector<Role>& roles,
                                                    std::string_view actor) {
  if (name.empty() || name.size() > 100)
    return make_error(ErrorCode::invalid_request, "name must be 1 to 100 characters");
  if (roles.empty()) return make_error(ErrorCode::invalid_request, "an operator needs at least one role");
  IssuedOperatorToken issued{OperatorId("op-" + random_.hex_token(8)),
                             Secret(std::string(kTokenPrefix) + random_.hex_token(32))};
  store::OperatorRecord record{issued.id,    std::string(name), roles, token_hash(issued.token.reveal()),
                               clock_.now(), std::nullopt};
  Status saved = db_.transact([&](store::Tx& tx) -> Status {
    if (Status s = store::OperatorRecords::insert(tx, record); !s) return s;
    return store::AuditLog::append(
        tx, {std::string(actor), "operator.create", issued.id.str(), "success", join_roles(roles)}, clock_.now());
  });
  if (!saved) return std::move(saved).error();
  return issued;
}

Result<std::optional<IssuedOperatorToken>> OperatorService::bootstrap_admin() {
  auto existing = db_.transact([&](store::Tx& tx) { return store::OperatorRecords::count(tx); });
  if (!existing) return std::move(existing).error();
  if (*existing > 0) return std::optional<IssuedOperatorToken>{};

  IssuedOperatorToken issued{OperatorId(std::string(kBootstrapId)),
                             Secret(std::string(kTokenPrefix) + random_.hex_token(32))};
  store::OperatorRecord record{issued.id,    "administrator", {Role::admin}, token_hash(issued.token.reveal()),
                               clock_.now(), std::nullopt};
  Status saved = db_.transact([&](store::Tx& tx) -> Status {
    if (Status s = store::OperatorRecords::insert(tx, record); !s) return s;
    return store::AuditLog::append(
        tx, {"system", "operator.bootstrap", issued.id.str(), "success", join_roles(record.roles)}, clock_.now());
  });
  // Another node created the administrator first (same fixed id): nothing to show here.
  if (!saved && saved.error().code == ErrorCode::conflict) return std::optional<IssuedOperatorToken>{};
  if (!saved) return std::move(saved).error();
  log::info("operator.bootstrap", {{"operator", issued.id.str()}});
  return std::optional<IssuedOperatorToken>(std::move(issued));
}

Result<std::vector<Operator>> OperatorService::list() const {
  auto records = db_.transact([&](store::Tx& tx) { return store::OperatorRecords::list(tx); });
  if (!records) return std::move(records).error();
  std::vector<Operator> out;
  for (const auto& r : *records) out.push_back(to_operator(r));
  return out;
}

}  // namespace firma::identity
