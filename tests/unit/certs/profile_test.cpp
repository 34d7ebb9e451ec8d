// The citizen profile's pure rules: who may hold a certificate, the subject names, the revocation reasons.
#include "certs/profile.h"

#include <gtest/gtest.h>

#include "certs/settings.h"

namespace firma::certs {
namespace {

CitizenForIssuance citizen(CitizenStatus status, RegistrationLevel level) {
  return CitizenForIssuance{"12345678Z", "José", "Peña", "Ibáñez", status, level};
}

struct EligibilityCase {
  CitizenStatus status;
  RegistrationLevel level;
  std::optional<ErrorCode> refusal;
};

class Eligibility : public ::testing::TestWithParam<EligibilityCase> {};

TEST_P(Eligibility, OnlyActiveAdvancedCitizensHoldACertificate) {
  const auto& c = GetParam();
  Status s = check_eligible(citizen(c.status, c.level));
  if (!c.refusal) {
    EXPECT_TRUE(s.ok()) << s.error().message;
  } else {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, *c.refusal) << s.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Pki, Eligibility,
    ::testing::Values(
        EligibilityCase{CitizenStatus::active, RegistrationLevel::advanced, std::nullopt},
        EligibilityCase{CitizenStatus::active, RegistrationLevel::basic, ErrorCode::registration_level},
        EligibilityCase{CitizenStatus::pending_activation, RegistrationLevel::advanced, ErrorCode::account_not_active},
        EligibilityCase{CitizenStatus::locked, RegistrationLevel::advanced, ErrorCode::account_not_active},
        EligibilityCase{CitizenStatus::deregistered, RegistrationLevel::advanced, ErrorCode::account_not_active},
        EligibilityCase{CitizenStatus::deregistered, RegistrationLevel::basic, ErrorCode::account_not_active}));

TEST(CitizenSubject, FollowsTheNaturalPersonProfile) {
  const CitizenSubject s = citizen_subject(citizen(CitizenStatus::active, RegistrationLevel::advanced));
  EXPECT_EQ(s.country, "ES");
  EXPECT_EQ(s.serial_number, "IDCES-12345678Z");
  EXPECT_EQ(s.given_name, "JOSÉ");
  EXPECT_EQ(s.surname, "PEÑA IBÁÑEZ");
  EXPECT_EQ(s.common_name, "PEÑA IBÁÑEZ JOSÉ - 12345678Z");
}

TEST(CitizenSubject, OneSurnameLeavesNoTrailingSpace) {
  CitizenForIssuance c = citizen(CitizenStatus::active, RegistrationLevel::advanced);
  c.nif = "X1234567L";
  c.surname2.clear();
  const CitizenSubject s = citizen_subject(c);
  EXPECT_EQ(s.surname, "PEÑA");
  EXPECT_EQ(s.common_name, "PEÑA JOSÉ - X1234567L");
  EXPECT_EQ(s.serial_number, "IDCES-X1234567L");
}

TEST(UpperCaseName, MapsSpanishLettersAndLeavesTheRest) {
  EXPECT_EQ(upper_case_name("àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþ"), "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ");
  EXPECT_EQ(upper_case_name("o÷ß'-"), "O÷ß'-");  // ÷ is no letter; ß has no one-letter capital
  EXPECT_EQ(upper_case_name("d'Alembert-Ruiz"), "D'ALEMBERT-RUIZ");
}

TEST(RevocationReason, BothSpellingsParseAndTheCodesAreRfc5280s) {
  EXPECT_EQ(parse_revocation_reason("key_compromise"), RevocationReason::key_compromise);
  EXPECT_EQ(parse_revocation_reason("keyCompromise"), RevocationReason::key_compromise);
  EXPECT_EQ(parse_revocation_reason("cessationOfOperation"), RevocationReason::cessation_of_operation);
  EXPECT_EQ(parse_revocation_reason("privilege_withdrawn"), RevocationReason::privilege_withdrawn);
  EXPECT_FALSE(parse_revocation_reason("removeFromCRL").has_value());
  EXPECT_FALSE(parse_revocation_reason("KEY_COMPROMISE").has_value());
  EXPECT_FALSE(parse_revocation_reason("").has_value());
  EXPECT_EQ(static_cast<int>(RevocationReason::privilege_withdrawn), 9);
  EXPECT_EQ(to_string(RevocationReason::affiliation_changed), "affiliation_changed");
  for (auto r : {RevocationReason::unspecified, RevocationReason::key_compromise, RevocationReason::superseded,
                 RevocationReason::aa_compromise})
    EXPECT_EQ(parse_revocation_reason(to_string(r)), r);
}

TEST(RevocationReason, OperatorsCannotHoldOrClaimCaCompromise) {
  EXPECT_TRUE(operator_may_revoke_with(RevocationReason::key_compromise));
  EXPECT_TRUE(operator_may_revoke_with(RevocationReason::unspecified));
  EXPECT_FALSE(operator_may_revoke_with(RevocationReason::certificate_hold));
  EXPECT_FALSE(operator_may_revoke_with(RevocationReason::ca_compromise));
  EXPECT_FALSE(operator_may_revoke_with(RevocationReason::aa_compromise));
}

TEST(CaSettings, DefaultsComeFromTheConfiguration) {
  Settings pki;
  auto s = ca_settings(pki, "http://firma.example:8080/");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->ca_algorithm, hsm::KeyAlgorithm::ec_p384);
  EXPECT_EQ(s->certificate_algorithm, hsm::KeyAlgorithm::ec_p256);
  EXPECT_EQ(s->certificate_validity, std::chrono::days(730));
  EXPECT_EQ(s->ocsp_url(), "http://firma.example:8080/pki/ocsp");
  EXPECT_EQ(s->crl_url(), "http://firma.example:8080/pki/crl");
  EXPECT_EQ(s->ocsp_signer, OcspSigner::delegated);

  pki.base_url = "https://pki.firma.example";
  pki.ca_algorithm = "rsa-3072";
  pki.ocsp_signer = "ca";
  s = ca_settings(pki, "http://ignored");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->ca_issuers_url(), "https://pki.firma.example/pki/ca.cer");
  EXPECT_EQ(s->ca_algorithm, hsm::KeyAlgorithm::rsa3072);
  EXPECT_EQ(s->ocsp_signer, OcspSigner::ca);
}

struct BadSetting {
  const char* key;
  void (*spoil)(Settings&);
};

class CaSettingsRefusal : public ::testing::TestWithParam<BadSetting> {};

TEST_P(CaSettingsRefusal, NamesTheKey) {
  Settings pki;
  GetParam().spoil(pki);
  auto s = ca_settings(pki, "http://127.0.0.1:8080");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::invalid_request);
  EXPECT_NE(s.error().message.find(GetParam().key), std::string::npos) << s.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Pki, CaSettingsRefusal,
    ::testing::Values(BadSetting{"pki.ca_algorithm", [](Settings& p) { p.ca_algorithm = "dsa-1024"; }},
                      BadSetting{"pki.certificate_algorithm", [](Settings& p) { p.certificate_algorithm = "ed25519"; }},
                      BadSetting{"pki.policy_oid", [](Settings& p) { p.policy_oid = "1.3.6..1"; }},
                      BadSetting{"pki.policy_oid", [](Settings& p) { p.policy_oid = "3.1"; }},
                      BadSetting{"pki.policy_oid", [](Settings& p) { p.policy_oid = "1.3.x"; }},
                      BadSetting{"pki.country", [](Settings& p) { p.country = "es"; }},
                      BadSetting{"pki.country", [](Settings& p) { p.country = "ESP"; }},
                      BadSetting{"pki.base_url", [](Settings& p) { p.base_url = "ftp://x"; }},
                      BadSetting{"pki.ocsp_signer", [](Settings& p) { p.ocsp_signer = "root"; }},
                      BadSetting{"pki.issuing_key_id", [](Settings& p) { p.root_key_id = "r"; }},
                      BadSetting{"pki.root_key_id", [](Settings& p) { p.issuing_key_id = "i"; }},
                      BadSetting{"pki.issuing_name", [](Settings& p) { p.issuing_name = p.root_name; }},
                      BadSetting{"pki.renew_before_days", [](Settings& p) { p.renew_before_days = 730; }},
                      BadSetting{"pki.issuing_validity_days",
                                 [](Settings& p) { p.issuing_validity_days = p.root_validity_days + 1; }}));

}  // namespace
}  // namespace firma::certs
