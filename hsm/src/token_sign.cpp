// Signing a digest with a key named by id: the hot path (index lookup, purpose check, pooled session,
// C_SignInit + C_Sign).
#include <array>

#include "signing.h"
#include "token_impl.h"

namespace firma::hsm {

Result<Signature> Token::sign_digest(const KeyId& id, DigestAlgorithm digest_algorithm,
                                     std::span<const std::uint8_t> digest, RsaPadding padding) {
  return impl_->sign(id, KeyPurpose::citizen_signing, true, digest_algorithm, digest, padding);
}

Result<Signature> Token::sign_service_digest(KeyPurpose purpose, const KeyId& id, DigestAlgorithm digest_algorithm,
                                             std::span<const std::uint8_t> digest, RsaPadding padding) {
  if (purpose == KeyPurpose::citizen_signing) {
    log::error("hsm_key_purpose_refused", {{"token", impl_->label}, {"key", id.str()}, {"path", "service"}});
    return make_error(ErrorCode::internal, "a citizen's key signs only through the citizen path");
  }
  return impl_->sign(id, purpose, false, digest_algorithm, digest, padding);
}

Result<Signature> Token::Impl::sign(const KeyId& id, KeyPurpose wanted, bool claim_unrecorded,
                                    DigestAlgorithm digest_algorithm, std::span<const std::uint8_t> digest,
                                    RsaPadding padding) {
  OpTimer timer(Op::sign);
  if (digest.size() != digest_size(digest_algorithm)) {
    return timer.done(Result<Signature>(
        make_error(ErrorCode::invalid_request, "a " + std::string(to_string(digest_algorithm)) + " digest has " +
                                                   std::to_string(digest_size(digest_algorithm)) + " bytes, not " +
                                                   std::to_string(digest.size()))));
  }
  auto located = locate(id);
  if (!located) return timer.done(Result<Signature>(std::move(located).error()));
  if (Status st = check_purpose(id, *located, wanted, claim_unrecorded); !st) {
    return timer.done(Result<Signature>(std::move(st).error()));
  }
  const KeyAlgorithm algorithm = located->algorithm;

  signing::Mechanism mechanism(algorithm, digest_algorithm, padding);
  Bytes input = mechanism.wants_digest_info() ? signing::digest_info(digest_algorithm, digest)
                                              : Bytes(digest.begin(), digest.end());

  return timer.done(with_session(
      [&](Call& call) -> Result<Signature> {
        // Read on every attempt: a refresh after a stale handle replaces the entry.
        auto handles = index.find(id);
        if (!handles) return key_not_found(id);
        CK_RV rv = f.C_SignInit(call.session, mechanism.get(), handles->private_key);
        if (rv != CKR_OK) return call.fail("C_SignInit", rv);
        // Large enough for any RSA key up to 4096 bits, so C_Sign never ends with CKR_BUFFER_TOO_SMALL
        // (which would leave the operation active on the session).
        std::array<std::uint8_t, 512> out{};
        CK_ULONG length = out.size();
        rv = f.C_Sign(call.session, input.data(), static_cast<CK_ULONG>(input.size()), out.data(), &length);
        if (rv != CKR_OK) return call.fail("C_Sign", rv);
        Signature signature;
        signature.raw.assign(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(length));
        signature.der = is_ec(algorithm) ? signing::ecdsa_raw_to_der(signature.raw) : signature.raw;
        if (signature.der.empty()) return make_error(ErrorCode::internal, "malformed ECDSA signature from the token");
        return signature;
      },
      [&] { return refresh(id); }));
}

}  // namespace firma::hsm
