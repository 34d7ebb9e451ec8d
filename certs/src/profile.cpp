// The citizen certificate profile's pure parts: eligibility, subject names, revocation reasons.
#include "certs/profile.h"

#include <array>
#include <utility>

namespace firma::certs {

Status check_eligible(const CitizenForIssuance& citizen) {
  if (citizen.status != CitizenStatus::active)
    return make_error(ErrorCode::account_not_active, "the citizen's account is " +
                                                         std::string(to_string(citizen.status)) +
                                                         ": only active accounts hold a certificate");
  if (citizen.registration_level != RegistrationLevel::advanced)
    return make_error(ErrorCode::registration_level,
                      "the citizen's registration is " + std::string(to_string(citizen.registration_level)) +
                          ": only advanced registration allows a centralised certificate");
  return {};
}

std::string upper_case_name(std::string_view text) {
  std::string out(text);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    if (c >= 'a' && c <= 'z') {
      out[i] = static_cast<char>(c - 'a' + 'A');
    } else if (c == 0xC3 && i + 1 < out.size()) {
      // U+00E0..U+00FE (à..þ) are C3 A0..C3 BE; their capitals are C3 80..C3 9E; U+00F7 (÷) is no letter.
      const auto next = static_cast<unsigned char>(out[i + 1]);
      if (next >= 0xA0 && next <= 0xBE && next != 0xB7) out[i + 1] = static_cast<char>(next - 0x20);
      ++i;
    }
  }
  return out;
}

CitizenSubject citizen_subject(const CitizenForIssuance& citizen, std::string_view country) {
  CitizenSubject s;
  s.country = std::string(country);
  // ETSI EN 319 412-1 5.1.3: natural person semantics identifier "IDC" + ISO 3166 country + "-" + national id.
  s.serial_number = "IDC" + std::string(country) + "-" + citizen.nif;
  s.given_name = upper_case_name(citizen.given_name);
  s.surname = upper_case_name(citizen.surname1);
  if (!citizen.surname2.empty()) s.surname += " " + upper_case_name(citizen.surname2);
  s.common_name = s.surname + " " + s.given_name + " - " + citizen.nif;
  return s;
}

namespace {

struct ReasonName {
  RevocationReason reason;
  std::string_view snake;
  std::string_view rfc;
};

constexpr std::array<ReasonName, 9> kReasons = {{
    {RevocationReason::unspecified, "unspecified", "unspecified"},
    {RevocationReason::key_compromise, "key_compromise", "keyCompromise"},
    {RevocationReason::ca_compromise, "ca_compromise", "cACompromise"},
    {RevocationReason::affiliation_changed, "affiliation_changed", "affiliationChanged"},
    {RevocationReason::superseded, "superseded", "superseded"},
    {RevocationReason::cessation_of_operation, "cessation_of_operation", "cessationOfOperation"},
    {RevocationReason::certificate_hold, "certificate_hold", "certificateHold"},
    {RevocationReason::privilege_withdrawn, "privilege_withdrawn", "privilegeWithdrawn"},
    {RevocationReason::aa_compromise, "aa_compromise", "aACompromise"},
}};

}  // namespace

std::string_view to_string(RevocationReason reason) noexcept {
  for (const auto& r : kReasons)
    if (r.reason == reason) return r.snake;
  return "unspecified";
}

std::optional<RevocationReason> parse_revocation_reason(std::string_view text) noexcept {
  for (const auto& r : kReasons)
    if (r.snake == text || r.rfc == text) return r.reason;
  return std::nullopt;
}

bool operator_may_revoke_with(RevocationReason reason) noexcept {
  switch (reason) {
    case RevocationReason::unspecified:
    case RevocationReason::key_compromise:
    case RevocationReason::affiliation_changed:
    case RevocationReason::superseded:
    case RevocationReason::cessation_of_operation:
    case RevocationReason::privilege_withdrawn: return true;
    case RevocationReason::ca_compromise:
    case RevocationReason::certificate_hold:
    case RevocationReason::aa_compromise: return false;
  }
  return false;
}

}  // namespace firma::certs
