// The domain's statuses, levels and roles, each with its one spelling (JSON, HTML, database, audit trail).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace firma {

// A signing transaction through its phases (API.md "Transactions"): pending -> authenticated -> signing ->
// signed | failed; rejected by the citizen, expired when not finished in time. A transaction whose application adds
// its documents one call at a time is a draft until the application submits it (then pending); the citizen cannot
// confirm a draft.
enum class TransactionStatus {
  draft,
  pending,
  authenticated,
  signing,
  signed_,  // spelled "signed" (`signed` is a C++ keyword)
  rejected,
  expired,
  failed,
};

// A citizen's Cl@ve Permanente account.
enum class CitizenStatus { pending_activation, active, locked, deregistered };

// How the citizen's identity was checked at registration; only the advanced level signs.
enum class RegistrationLevel { basic, advanced };

// What an operator may do (API.md "Operators").
enum class Role {
  admin,
  registrar,
  pki_officer,
  auditor,
  // Reads the SMS outbox, and so every code sent to any citizen: a role of its own, never part of admin.
  sms_outbox_reader,
};

// What the PKI says about a citizen's certificate.
enum class CertificateStatus { valid, revoked, expired };

// The spellings. Every enumerator has one; parse accepts exactly those and nothing else (no case folding).
std::string_view to_string(TransactionStatus status) noexcept;
std::string_view to_string(CitizenStatus status) noexcept;
std::string_view to_string(RegistrationLevel level) noexcept;
std::string_view to_string(Role role) noexcept;
std::string_view to_string(CertificateStatus status) noexcept;

std::optional<TransactionStatus> parse_transaction_status(std::string_view text) noexcept;
std::optional<CitizenStatus> parse_citizen_status(std::string_view text) noexcept;
std::optional<RegistrationLevel> parse_registration_level(std::string_view text) noexcept;
std::optional<Role> parse_role(std::string_view text) noexcept;
std::optional<CertificateStatus> parse_certificate_status(std::string_view text) noexcept;

// An operator's roles as the database and the audit trail spell them: comma-separated, "registrar,auditor".
std::string join_roles(const std::vector<Role>& roles);

}  // namespace firma
