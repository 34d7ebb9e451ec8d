// The one spelling of each status, level and role: a table per enumeration, read both ways.
#include "core/statuses.h"

#include <array>
#include <utility>

namespace firma {
namespace {

template <class E, std::size_t N>
using Spellings = std::array<std::pair<E, std::string_view>, N>;

constexpr Spellings<TransactionStatus, 8> kTransactionStatuses{{
    {TransactionStatus::draft, "draft"},
    {TransactionStatus::pending, "pending"},
    {TransactionStatus::authenticated, "authenticated"},
    {TransactionStatus::signing, "signing"},
    {TransactionStatus::signed_, "signed"},
    {TransactionStatus::rejected, "rejected"},
    {TransactionStatus::expired, "expired"},
    {TransactionStatus::failed, "failed"},
}};

constexpr Spellings<CitizenStatus, 4> kCitizenStatuses{{
    {CitizenStatus::pending_activation, "pending_activation"},
    {CitizenStatus::active, "active"},
    {CitizenStatus::locked, "locked"},
    {CitizenStatus::deregistered, "deregistered"},
}};

constexpr Spellings<RegistrationLevel, 2> kRegistrationLevels{{
    {RegistrationLevel::basic, "basic"},
    {RegistrationLevel::advanced, "advanced"},
}};

constexpr Spellings<Role, 5> kRoles{{
    {Role::admin, "admin"},
    {Role::registrar, "registrar"},
    {Role::pki_officer, "pki_officer"},
    {Role::auditor, "auditor"},
    {Role::sms_outbox_reader, "sms_outbox_reader"},
}};

constexpr Spellings<CertificateStatus, 3> kCertificateStatuses{{
    {CertificateStatus::valid, "valid"},
    {CertificateStatus::revoked, "revoked"},
    {CertificateStatus::expired, "expired"},
}};

template <class E, std::size_t N>
std::string_view spelling(const Spellings<E, N>& table, E value) noexcept {
  for (const auto& [e, text] : table)
    if (e == value) return text;
  return "unknown";  // only for a value cast from outside the enumeration
}

template <class E, std::size_t N>
std::optional<E> parsed(const Spellings<E, N>& table, std::string_view text) noexcept {
  for (const auto& [e, spelled] : table)
    if (spelled == text) return e;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(TransactionStatus status) noexcept {
  return spelling(kTransactionStatuses, status);
}
std::string_view to_string(CitizenStatus status) noexcept {
  return spelling(kCitizenStatuses, status);
}
std::string_view to_string(RegistrationLevel level) noexcept {
  return spelling(kRegistrationLevels, level);
}
std::string_view to_string(Role role) noexcept {
  return spelling(kRoles, role);
}
std::string_view to_string(CertificateStatus status) noexcept {
  return spelling(kCertificateStatuses, status);
}

std::optional<TransactionStatus> parse_transaction_status(std::string_view text) noexcept {
  return parsed(kTransactionStatuses, text);
}
std::optional<CitizenStatus> parse_citizen_status(std::string_view text) noexcept {
  return parsed(kCitizenStatuses, text);
}
std::optional<RegistrationLevel> parse_registration_level(std::string_view text) noexcept {
  return parsed(kRegistrationLevels, text);
}
std::optional<Role> parse_role(std::string_view text) noexcept {
  return parsed(kRoles, text);
}
std::optional<CertificateStatus> parse_certificate_status(std::string_view text) noexcept {
  return parsed(kCertificateStatuses, text);
}

std::string join_roles(const std::vector<Role>& roles) {
  std::string out;
  for (Role role : roles) (out += out.empty() ? "" : ",") += to_string(role);
  return out;
}

}  // namespace firma
