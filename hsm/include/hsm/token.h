// A logged-in PKCS#11 token: key pairs, digest signing, certificate objects, all named by KeyId.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding.h"
#include "core/ids.h"
#include "core/result.h"
#include "core/secret.h"
#include "hsm/algorithms.h"
#include "hsm/key_purpose.h"
#include "hsm/module.h"

namespace firma::hsm {

struct KeyInfo {
  KeyId id;
  std::string label;                  // as its maker named it, without the purpose
  std::optional<KeyPurpose> purpose;  // none: made before purposes were recorded, or by another tool
  KeyAlgorithm algorithm;
  bool sensitive;    // CKA_SENSITIVE as the token reports it
  bool extractable;  // CKA_EXTRACTABLE as the token reports it
  bool has_certificate;
};

// ECDSA: raw is r || s (PKCS#11 v2.40 mechanisms 2.3.1, also XML-DSig), der the SEQUENCE { r, s } of
// RFC 3279 2.2.3 (X.509, CMS). RSA: both hold the same bytes.
struct Signature {
  Bytes raw;
  Bytes der;
};

// One token, one login, a bounded pool of sessions (one per calling thread at a time; callers wait for a
// free one) and an index from key id to object handles, built by one scan at open, so that signing never
// searches the token. Thread-safe.
//
// Every key pair is made for one KeyPurpose, recorded on the token, and signs only on the path of that purpose:
// sign_digest for citizens' keys, sign_service_digest (and botan_private_key) for the service's own.
//
// Errors: unknown key -> not_found; bad arguments -> invalid_request; the token unreachable after one
// reopen-and-retry -> unavailable; PIN refused -> unauthorized (never retried); a key used on the path of
// another purpose -> internal (a wiring fault of the service, never a client's; logged as
// hsm_key_purpose_refused).
class Token {
 public:
  // Finds the token labelled `token_label`, logs in as the user and opens up to `sessions` sessions.
  // Login state belongs to the process, not the session (PKCS#11 v2.40 5.6): while another Token of this
  // process is open on the same token, no PIN is asked again.
  static Result<std::unique_ptr<Token>> open(std::shared_ptr<Module> module, std::string_view token_label,
                                             const Secret& user_pin, std::size_t sessions);
  ~Token();
  Token(const Token&) = delete;
  Token& operator=(const Token&) = delete;

  // Generates a key pair on the token for `purpose`: private key sensitive, never extractable, usable only to
  // sign; CKA_ID is the key id's bytes. The purpose is written into both halves' CKA_LABEL as
  // "[purpose] label" ("[certificate_authority] Firma root CA"), and both are made unmodifiable
  // (CKA_MODIFIABLE false), so no PKCS#11 call can change it afterwards. Returns the SubjectPublicKeyInfo DER.
  // An id in use is conflict.
  Result<Bytes> generate_key_pair(const KeyId& id, KeyAlgorithm algorithm, KeyPurpose purpose, std::string_view label);

  // The purpose recorded on the token; none for a key made before purposes were recorded, or by another tool.
  Result<std::optional<KeyPurpose>> purpose(const KeyId& id) const;

  // Whether the key is recorded for `purpose` (a service key's holder checks it when it takes the key up);
  // internal, and logged, otherwise.
  Status require_purpose(const KeyId& id, KeyPurpose purpose) const;

  // Records `purpose` on a key that has none (made before purposes were recorded, or imported from another
  // tool), for the keys the service knows by their stored ids, at start-up. A key that has this purpose already
  // is left as it is; one recorded for another purpose is refused (internal).
  Status assign_purpose(const KeyId& id, KeyPurpose purpose);

  Result<Bytes> public_key(const KeyId& id) const;  // SubjectPublicKeyInfo DER
  Result<KeyAlgorithm> algorithm(const KeyId& id) const;
  bool has_key(const KeyId& id) const;

  // The citizen path, what CitizenKeySigner calls: signs a precomputed digest with a citizen_signing key;
  // a key of any other purpose is refused. A key with no recorded purpose (a citizen key made before purposes
  // were recorded) is taken as a citizen's and recorded so on first use: the service's own keys get theirs at
  // start-up (assign_purpose), before any citizen signs.
  // RSA PKCS#1 v1.5 (RFC 8017 8.2, DigestInfo added here), RSA-PSS (RFC 8017 8.1, MGF1 with the same hash,
  // salt as long as the digest) or ECDSA over the digest. The padding is ignored for EC keys. A digest of the
  // wrong length is invalid_request.
  Result<Signature> sign_digest(const KeyId& id, DigestAlgorithm digest_algorithm, std::span<const std::uint8_t> digest,
                                RsaPadding padding = RsaPadding::pkcs1v15);

  // The service's own paths (certificates and CRLs, OCSP answers, time stamps, the audit head): the same
  // signature, with a key recorded for `purpose`. Never a citizen's key: `purpose` citizen_signing is refused,
  // and so is a key with no recorded purpose.
  Result<Signature> sign_service_digest(KeyPurpose purpose, const KeyId& id, DigestAlgorithm digest_algorithm,
                                        std::span<const std::uint8_t> digest,
                                        RsaPadding padding = RsaPadding::pkcs1v15);

  // Destroys the private key, the public key and the certificate stored under this id.
  Status destroy_key(const KeyId& id);

  // Stores an X.509 certificate (CKO_CERTIFICATE, CKC_X_509) with the key's CKA_ID, replacing an earlier
  // one. The certificate must carry the key's public key.
  Status store_certificate(const KeyId& id, std::span<const std::uint8_t> der, std::string_view label);
  Result<Bytes> certificate(const KeyId& id) const;  // DER

  // Every private key on the token with its flags read back through PKCS#11. Scans the token: for
  // operators, not for request paths.
  Result<std::vector<KeyInfo>> inventory() const;

  // Readiness: a cheap call on a pooled session (recovering it if needed).
  Status ping();

  const std::string& label() const noexcept;

  struct Impl;  // hsm/src/token_impl.h

 private:
  explicit Token(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace firma::hsm
