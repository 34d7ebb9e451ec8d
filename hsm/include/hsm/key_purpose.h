// What a key on the token is for, recorded on the token when the key pair is made and checked before it signs.
#pragma once

#include <optional>
#include <string_view>

namespace firma::hsm {

// Each signing path of the service asks for one purpose, so that a wiring mistake cannot make a citizen's key
// sign a certificate or an OCSP answer, nor the CA's key sign a citizen's document.
enum class KeyPurpose {
  citizen_signing,        // a citizen's signing key: only CitizenKeySigner's path (Token::sign_digest)
  certificate_authority,  // root and issuing CA: certificates, CRLs, and OCSP answers when there is no delegated signer
  ocsp_signing,           // the delegated OCSP responder (RFC 6960 4.2.2.2)
  timestamping,           // an RFC 3161 time-stamping unit
  audit,                  // signs the head of the audit chain (ARCHITECTURE.md security invariant 6)
};

// "citizen_signing", "certificate_authority", "ocsp_signing", "timestamping", "audit": the spelling written on
// the token (see Token::generate_key_pair) and in logs.
std::string_view to_string(KeyPurpose purpose) noexcept;
std::optional<KeyPurpose> parse_key_purpose(std::string_view text) noexcept;

}  // namespace firma::hsm
