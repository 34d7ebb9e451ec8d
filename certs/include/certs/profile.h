// The natural-person certificate profile (in the spirit of ETSI EN 319 412-2) and revocation reasons.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/statuses.h"

namespace firma::certs {

// What issuance needs to know about a citizen; the caller (api handler, signer) looks the citizen up, so certs
// does not depend on identity.
struct CitizenForIssuance {
  std::string nif;
  std::string given_name;
  std::string surname1;
  std::string surname2;  // "" when there is none
  CitizenStatus status = CitizenStatus::pending_activation;
  RegistrationLevel registration_level = RegistrationLevel::basic;
};

// Only an active citizen with advanced registration may hold a centralised certificate (Cl@ve: only the advanced
// level signs). Deregistered, pending or locked: account_not_active; basic: registration_level.
Status check_eligible(const CitizenForIssuance& citizen);

// The subject attributes of a citizen's certificate (ETSI EN 319 412-2 4.2.4, EN 319 412-1 5.1.3):
// C=ES, serialNumber=IDCES-<NIF>, givenName, surname (both surnames), CN=<SURNAMES> <NAME> - <NIF>.
// Names are upper-cased (ASCII and the Latin-1 letters of Spanish names), as Spanish citizen certificates show them.
struct CitizenSubject {
  std::string country;
  std::string serial_number;
  std::string given_name;
  std::string surname;
  std::string common_name;
};
CitizenSubject citizen_subject(const CitizenForIssuance& citizen, std::string_view country = "ES");

// Upper case for ASCII and the two-byte UTF-8 Latin-1 letters (á -> Á, ñ -> Ñ, ü -> Ü); other bytes unchanged.
std::string upper_case_name(std::string_view text);

// RFC 5280 5.3.1 CRLReason. Values are the DER ENUMERATED codes.
enum class RevocationReason {
  unspecified = 0,
  key_compromise = 1,
  ca_compromise = 2,
  affiliation_changed = 3,
  superseded = 4,
  cessation_of_operation = 5,
  certificate_hold = 6,
  privilege_withdrawn = 9,
  aa_compromise = 10,
};

// snake_case spelling ("key_compromise"), used by the API, the database and the audit trail.
std::string_view to_string(RevocationReason reason) noexcept;
// Accepts the snake_case spelling and the RFC's own camelCase ("keyCompromise").
std::optional<RevocationReason> parse_revocation_reason(std::string_view text) noexcept;
// What an operator may ask for: revocation here is final (no certificateHold, whose release this CA does not offer)
// and a citizen certificate has no CA or attribute authority to compromise.
bool operator_may_revoke_with(RevocationReason reason) noexcept;

}  // namespace firma::certs
