// Helpers for the hsm tests: OpenSSL verification, the module's raw C functions, running outside tools.
#pragma once

#include <p11-kit/pkcs11.h>

#include <span>
#include <string>
#include <vector>

#include "core/encoding.h"
#include "hsm/algorithms.h"

namespace firma::testing {

// Verifies `signature` over `digest` with the public key in `spki` (SubjectPublicKeyInfo DER) using
// OpenSSL: RSA PKCS#1 v1.5 or PSS (MGF1 same hash, salt = digest length), or ECDSA (DER signature).
bool openssl_verifies(const Bytes& spki, hsm::DigestAlgorithm digest_algorithm, std::span<const std::uint8_t> digest,
                      const Bytes& signature, hsm::RsaPadding padding = hsm::RsaPadding::pkcs1v15);

// OpenSSL's own DER encoding of an ECDSA r || s signature (i2d_ECDSA_SIG).
Bytes openssl_ecdsa_der(const Bytes& raw);

// The key type and size OpenSSL reads from a SubjectPublicKeyInfo: "RSA-2048", "EC-256", ...
std::string openssl_key_description(const Bytes& spki);

// Whether OpenSSL accepts `certificate_der`'s signature under its own public key, and a CRL's under `issuer_der`.
bool openssl_self_signed_ok(const Bytes& certificate_der);
bool openssl_crl_signed_by(const Bytes& crl_der, const Bytes& issuer_der);

// The already loaded module's C functions, reached behind the hsm layer's back the way another library in
// the process could (dlopen with RTLD_NOLOAD, C_GetFunctionList): for pulling sessions from under the pool.
class RawModule {
 public:
  explicit RawModule(const std::string& module_path);
  CK_FUNCTION_LIST& f() { return *functions_; }
  CK_SLOT_ID slot(const std::string& token_label);
  CK_SESSION_HANDLE open_session(const std::string& token_label);
  // Objects with this CKA_ID (and class, unless CK_UNAVAILABLE_INFORMATION) on a session of our own.
  std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE session, const std::string& id, CK_OBJECT_CLASS cls);

 private:
  CK_FUNCTION_LIST* functions_ = nullptr;
};

// Runs a shell command, returns its standard output (and exit status through `status`).
std::string run_command(const std::string& command, int* status = nullptr);

}  // namespace firma::testing
