// The statuses' spellings: the exact wire and database texts, both ways, and nothing else accepted.
#include "core/statuses.h"

#include <gtest/gtest.h>

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace firma {
namespace {

// Each enumeration against the texts JSON bodies, pages and database rows have always carried.
template <class E>
void expect_spellings(const std::vector<std::pair<E, std::string_view>>& expected,
                      std::optional<E> (*parse)(std::string_view) noexcept) {
  for (const auto& [value, text] : expected) {
    EXPECT_EQ(to_string(value), text);
    EXPECT_EQ(parse(text), value) << text;
  }
}

TEST(Statuses, TransactionStatusesKeepTheirSpellings) {
  expect_spellings<TransactionStatus>({{TransactionStatus::pending, "pending"},
                                       {TransactionStatus::authenticated, "authenticated"},
                                       {TransactionStatus::signing, "signing"},
                                       {TransactionStatus::signed_, "signed"},
                                       {TransactionStatus::rejected, "rejected"},
                                       {TransactionStatus::expired, "expired"},
                                       {TransactionStatus::failed, "failed"}},
                                      parse_transaction_status);
}

TEST(Statuses, CitizenStatusesAndLevelsKeepTheirSpellings) {
  expect_spellings<CitizenStatus>({{CitizenStatus::pending_activation, "pending_activation"},
                                   {CitizenStatus::active, "active"},
                                   {CitizenStatus::locked, "locked"},
                                   {CitizenStatus::deregistered, "deregistered"}},
                                  parse_citizen_status);
  expect_spellings<RegistrationLevel>({{RegistrationLevel::basic, "basic"}, {RegistrationLevel::advanced, "advanced"}},
                                      parse_registration_level);
}

TEST(Statuses, RolesAndCertificateStatusesKeepTheirSpellings) {
  expect_spellings<Role>({{Role::admin, "admin"},
                          {Role::registrar, "registrar"},
                          {Role::pki_officer, "pki_officer"},
                          {Role::auditor, "auditor"},
                          {Role::sms_outbox_reader, "sms_outbox_reader"}},
                         parse_role);
  expect_spellings<CertificateStatus>({{CertificateStatus::valid, "valid"},
                                       {CertificateStatus::revoked, "revoked"},
                                       {CertificateStatus::expired, "expired"}},
                                      parse_certificate_status);
}

TEST(Statuses, ParseAcceptsOnlyTheExactSpelling) {
  for (std::string_view text : {"", "Signed", "SIGNED", " signed", "signed ", "signed_", "cancelled", "unknown"})
    EXPECT_FALSE(parse_transaction_status(text).has_value()) << "'" << text << "'";
  for (std::string_view text : {"Active", "pending", "activ", "unknown"})
    EXPECT_FALSE(parse_citizen_status(text).has_value()) << text;
  for (std::string_view text : {"Advanced", "qualified", ""}) EXPECT_FALSE(parse_registration_level(text)) << text;
  for (std::string_view text : {"Admin", "admin,auditor", "root", ""}) EXPECT_FALSE(parse_role(text)) << text;
  for (std::string_view text : {"good", "Revoked", ""}) EXPECT_FALSE(parse_certificate_status(text)) << text;
}

}  // namespace
}  // namespace firma
