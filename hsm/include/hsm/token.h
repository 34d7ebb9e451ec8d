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

// A citizen's key pair kept outside the token (hsm.key_custody = wrapped): the private half wrapped with
// RFC 5649 (AES key wrap with padding) under a key-encryption key (KEK) that never leaves the token. The clear
// private key exists only inside the HSM (ARCHITECTURE.md security invariant 4, CEN EN 419241-1).
struct WrappedKey {
  KeyId id;   // the citizen key's id (what the SAD and the certificate records name)
  KeyId kek;  // the KEK it is wrapped under
  KeyAlgorithm algorithm = KeyAlgorithm::ec_p256;
  Bytes public_key;  // SubjectPublicKeyInfo DER
  Bytes wrapped;     // RFC 5649 over the PKCS#8 PrivateKeyInfo
};

// What the token offers for wrapped custody, read once from its mechanism list and Cryptoki version.
struct WrappingSupport {
  // RFC 5649 is CKM_AES_KEY_WRAP_KWP (0x210B) on PKCS#11 3.0 tokens, and 0x210A (CKM_AES_KEY_WRAP_PAD) on
  // 2.40 ones such as SoftHSM2 2.6, where 3.0 gives 0x210A another meaning: chosen per token, 0 when neither.
  unsigned long mechanism = 0;
  std::string mechanism_name;  // "CKM_AES_KEY_WRAP_KWP", "CKM_AES_KEY_WRAP_PAD (PKCS#11 2.40)" or ""
  bool aes_key_generation = false;
  // One line naming what the token lacks for wrapped custody; empty when it has all of it.
  std::string lacks;
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

  // Wrapped custody (hsm/src/token_wrapped.cpp). A KEK is an AES-256 token object, private, sensitive, never
  // extractable, allowed only to wrap and unwrap; CKA_ID is its id. Where the token marks it trusted
  // (CKA_TRUSTED, set only by the security officer), new citizen keys are CKA_WRAP_WITH_TRUSTED: no key but a
  // trusted one can wrap them.
  WrappingSupport wrapping_support() const;
  // Makes a KEK; conflict when one with this id exists, invalid_request when the token lacks key wrapping.
  Status create_wrapping_key(const KeyId& kek);
  // Whether a KEK with this id is on the token (searched, then remembered for the login).
  Result<bool> has_wrapping_key(const KeyId& kek) const;
  // Destroys a KEK: every key still wrapped under it is lost. not_found when there is none.
  Status destroy_wrapping_key(const KeyId& kek);
  // Generates a citizen key pair as session objects, wraps the private half under `kek` and destroys both
  // halves: the token keeps nothing. The private half is sensitive and extractable only for that wrap.
  Result<WrappedKey> generate_wrapped_key_pair(const KeyId& id, const KeyId& kek, KeyAlgorithm algorithm);
  // The citizen path for a wrapped key (what CitizenKeySigner calls, as sign_digest): unwraps it into a session
  // object (sensitive, not extractable, sign only), signs, and destroys it, or keeps it in the bounded cache of
  // unwrapped keys (keep_unwrapped). A blob that does not unwrap under its KEK (tampered with, or wrapped under
  // another KEK) is forbidden, and logged.
  Result<Signature> sign_wrapped_digest(const WrappedKey& key, DigestAlgorithm digest_algorithm,
                                        std::span<const std::uint8_t> digest,
                                        RsaPadding padding = RsaPadding::pkcs1v15);
  // KEK rotation: the same private key wrapped under `kek` instead (unwrapped as an extractable session object
  // only for that, then destroyed).
  Result<WrappedKey> rewrap(const WrappedKey& key, const KeyId& kek);
  // How many unwrapped citizen keys stay on the token as session objects for the next signature (0: unwrap for
  // every signature). The least recently used goes first.
  void keep_unwrapped(std::size_t keys);

  // Readiness: a cheap call on a pooled session (recovering it if needed).
  Status ping();

  const std::string& label() const noexcept;

  struct Impl;  // hsm/src/token_impl.h

 private:
  explicit Token(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace firma::hsm
