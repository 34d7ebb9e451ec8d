// A Botan::Private_Key whose private half stays on the token: Botan's X509_CA and PK_Signer sign with it.
#pragma once

#include <botan/exceptn.h>
#include <botan/pk_keys.h>

#include <memory>

#include "core/ids.h"
#include "core/result.h"
#include "hsm/token.h"

namespace firma::hsm {

// What the adapter's signature operation throws when the token refuses to sign; Botan lets it through,
// so the caller (certs/) catches it at its boundary and returns error() as its own Result.
class TokenSigningError : public Botan::Exception {
 public:
  explicit TokenSigningError(Error error) : Botan::Exception(error.message), error_(std::move(error)) {}
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
};

// The key `id` on `token`, as a Botan private key for one of the service's own purposes (certificate_authority
// for certificates and CRLs): a key recorded for another purpose (a citizen's above all) is refused here
// (internal), and its signatures go through Token::sign_service_digest, which checks again. Its public half is
// read once from the token; signing hashes in software. Supported: RSA with EMSA3 / EMSA-PKCS1-v1_5 and
// EMSA4 / PSS (SHA-256, SHA-384, SHA-512; PSS with the salt as long as the hash), ECDSA with EMSA1
// (same hashes). The token must outlive the key.
Result<std::unique_ptr<Botan::Private_Key>> botan_private_key(Token& token, const KeyId& id, KeyPurpose purpose);

}  // namespace firma::hsm
