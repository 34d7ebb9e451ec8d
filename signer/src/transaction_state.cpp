// Loading a transaction with lazy expiry, shared by every step of the flow.
#include "transaction_state.h"

#include "store/applications.h"
#include "store/audit_log.h"

namespace firma::signer {

Result<store::TransactionRecord> load_current(store::Tx& tx, const TransactionId& id, Instant now) {
  auto found = store::TransactionRecords::find(tx, id);
  if (!found) return std::move(found).error();
  if (!found->has_value()) return make_error(ErrorCode::not_found, "no transaction " + id.str());
  store::TransactionRecord record = std::move(**found);
  if ((record.status == TransactionStatus::draft || record.status == TransactionStatus::pending ||
       record.status == TransactionStatus::authenticated) &&
      now >= record.expires_at) {
    auto moved = store::TransactionRecords::transition(tx, id, {record.status}, TransactionStatus::expired, now);
    if (!moved) return std::move(moved).error();
    if (*moved) {
      if (Status s = store::TransactionRecords::purge(tx, id, now); !s) return std::move(s).error();
      if (Status s = store::AuditLog::append(tx, {"system", "transaction.expire", id.str(), "success", ""}, now); !s)
        return std::move(s).error();
    }
    record.status = TransactionStatus::expired;
  }
  return record;
}

std::string_view padding_name(hsm::RsaPadding padding) {
  return padding == hsm::RsaPadding::pss ? "pss" : "pkcs1v15";
}

std::optional<hsm::RsaPadding> parse_padding(std::string_view name) {
  if (name == "pss") return hsm::RsaPadding::pss;
  if (name == "pkcs1v15") return hsm::RsaPadding::pkcs1v15;
  return std::nullopt;
}

Outcome outcome_for(const store::TransactionRecord& record, TransactionStatus status) {
  if (record.return_url_as_given) {
    const bool other = status != TransactionStatus::signed_ && record.other_return_url;
    return Outcome{status, other ? *record.other_return_url : record.return_url};
  }
  const std::string& url = record.return_url;
  const auto fragment = url.find('#');
  std::string target = url.substr(0, fragment);
  target += target.find('?') == std::string::npos ? '?' : '&';
  target += "transaction=" + record.id.str() + "&status=" + std::string(to_string(status));
  if (fragment != std::string::npos) target += url.substr(fragment);
  return Outcome{status, std::move(target)};
}

Result<Application> find_application(store::Tx& tx, const AppId& id) {
  auto found = store::ApplicationRecords::find(tx, id);
  if (!found) return std::move(found).error();
  if (!found->has_value()) return make_error(ErrorCode::not_found, "no application " + id.str());
  return to_application(**found);
}

}  // namespace firma::signer
