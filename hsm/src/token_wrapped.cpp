// Wrapped custody: key-encryption keys on the token, citizen key pairs wrapped under them (RFC 5649), and
// signatures with a key unwrapped for the moment (or kept in a small cache).
#include <algorithm>
#include <array>
#include <vector>

#include "key_templates.h"
#include "objects.h"
#include "public_key.h"
#include "session.h"
#include "signing.h"
#include "token_impl.h"

namespace firma::hsm {
namespace {

// PKCS#11 3.0 names RFC 5649 CKM_AES_KEY_WRAP_KWP; 2.40 tokens (SoftHSM2 2.6) offer it as 0x210A, the number
// 3.0 gives to another algorithm (CKM_AES_KEY_WRAP_PAD: RFC 3394 with PKCS#7 padding).
constexpr CK_MECHANISM_TYPE kAesKeyWrapKwp = 0x210BUL;
constexpr CK_MECHANISM_TYPE kAesKeyWrapPad240 = CKM_AES_KEY_WRAP_PAD;
constexpr CK_ULONG kKekBytes = 32;  // AES-256
constexpr std::string_view kKekLabel = "Firma key-encryption key";

// Deletes a session object when the scope ends: a wrapped custody operation leaves nothing behind on the token.
class SessionObject {
 public:
  SessionObject(CK_FUNCTION_LIST& f, CK_SESSION_HANDLE session) : f_(f), session_(session) {}
  ~SessionObject() {
    if (handle != CK_INVALID_HANDLE) f_.C_DestroyObject(session_, handle);
  }
  SessionObject(const SessionObject&) = delete;
  SessionObject& operator=(const SessionObject&) = delete;
  CK_OBJECT_HANDLE release() noexcept { return std::exchange(handle, CK_INVALID_HANDLE); }
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;

 private:
  CK_FUNCTION_LIST& f_;
  CK_SESSION_HANDLE session_;
};

// A citizen's private key as a session object. To sign (a copy unwrapped for it): sensitive, never extractable, sign
// only, so it can be neither read nor wrapped again (PKCS#11 v2.40 4.9: CKA_EXTRACTABLE false is final). To be
// wrapped (just generated, or unwrapped for a rewrap): extractable, signing nothing, and wrappable only under a
// trusted key when the KEK is trusted (CKA_WRAP_WITH_TRUSTED).
objects::Template private_session_template(KeyAlgorithm algorithm, const KeyId& id, bool to_wrap,
                                           bool wrap_with_trusted) {
  objects::Template t;
  t.add(CKA_CLASS, CK_ULONG{CKO_PRIVATE_KEY})
      .add(CKA_KEY_TYPE, CK_ULONG{is_rsa(algorithm) ? CKK_RSA : CKK_EC})
      .add(CKA_TOKEN, false)
      .add(CKA_PRIVATE, true)
      .add(CKA_SENSITIVE, true)
      .add(CKA_EXTRACTABLE, to_wrap)
      .add(CKA_SIGN, !to_wrap)
      .add(CKA_SIGN_RECOVER, false)
      .add(CKA_DECRYPT, false)
      .add(CKA_UNWRAP, false)
      .add(CKA_DERIVE, false)
      .add(CKA_ID, std::string_view(id.str()));
  if (to_wrap && wrap_with_trusted) t.add(CKA_WRAP_WITH_TRUSTED, true);
  return t;
}

// Wraps the private key `key` under the KEK with the token's RFC 5649 mechanism.
Result<Bytes> wrap(CK_FUNCTION_LIST& f, Call& call, CK_MECHANISM_TYPE kwp, CK_OBJECT_HANDLE kek, CK_OBJECT_HANDLE key) {
  CK_MECHANISM mechanism{kwp, nullptr, 0};
  CK_ULONG length = 0;
  CK_RV rv = f.C_WrapKey(call.session, &mechanism, kek, key, nullptr, &length);
  if (rv != CKR_OK) return call.fail("C_WrapKey", rv);
  Bytes out(length);
  rv = f.C_WrapKey(call.session, &mechanism, kek, key, out.data(), &length);
  if (rv != CKR_OK) return call.fail("C_WrapKey", rv);
  out.resize(length);
  return out;
}

// A blob that does not unwrap: its RFC 5649 integrity check (section 3) failed, because it was altered or wrapped
// under another KEK. SoftHSM2 answers CKR_GENERAL_ERROR there, which elsewhere means a lost library: not retried.
Error unwrap_failed(const std::string& token, Call& call, const WrappedKey& key, CK_RV rv) {
  if (p11::classify(rv) == p11::Fault::session && rv != CKR_GENERAL_ERROR) return call.fail("C_UnwrapKey", rv);
  log::error("hsm_wrapped_key_refused",
             {{"token", token}, {"key", key.id.str()}, {"kek", key.kek.str()}, {"rv", p11::rv_name(rv)}});
  return make_error(ErrorCode::forbidden,
                    "wrapped key '" + key.id.str() + "' does not unwrap under '" + key.kek.str() + "'");
}

}  // namespace

const WrappingSupport& Token::Impl::wrapping_support() {
  std::call_once(wrapping_once, [&] {
    CK_INFO info{};
    const bool v3 = f.C_GetInfo(&info) == CKR_OK && info.cryptokiVersion.major >= 3;
    std::vector<CK_MECHANISM_TYPE> mechanisms;
    CK_ULONG count = 0;
    if (f.C_GetMechanismList(slot.load(), nullptr, &count) == CKR_OK) {
      mechanisms.resize(count);
      if (f.C_GetMechanismList(slot.load(), mechanisms.data(), &count) != CKR_OK) count = 0;
      mechanisms.resize(count);
    }
    const auto offers = [&](CK_MECHANISM_TYPE m) { return std::ranges::find(mechanisms, m) != mechanisms.end(); };
    wrapping.aes_key_generation = offers(CKM_AES_KEY_GEN);
    if (offers(kAesKeyWrapKwp)) {
      wrapping.mechanism = kAesKeyWrapKwp;
      wrapping.mechanism_name = "CKM_AES_KEY_WRAP_KWP";
    } else if (!v3 && offers(kAesKeyWrapPad240)) {
      wrapping.mechanism = kAesKeyWrapPad240;
      wrapping.mechanism_name = "CKM_AES_KEY_WRAP_PAD (PKCS#11 2.40)";
    }
    std::vector<std::string> lacks;
    if (!wrapping.aes_key_generation) lacks.emplace_back("AES key generation (CKM_AES_KEY_GEN)");
    if (wrapping.mechanism == 0) lacks.emplace_back("RFC 5649 key wrap (CKM_AES_KEY_WRAP_KWP)");
    for (const auto& l : lacks) wrapping.lacks += (wrapping.lacks.empty() ? "" : ", ") + l;
  });
  return wrapping;
}

WrappingSupport Token::wrapping_support() const {
  return impl_->wrapping_support();
}

void Token::Impl::forget_kek(const KeyId& kek) {
  std::lock_guard lock(kek_mutex);
  keks.erase(kek);
}

Result<Token::Impl::Kek> Token::Impl::locate_kek(Call& call, const KeyId& kek) {
  const std::uint64_t epoch = login_epoch.load();
  {
    std::lock_guard lock(kek_mutex);
    if (auto it = keks.find(kek); it != keks.end() && it->second.epoch == epoch) return it->second;
  }
  auto user = is_user_session(f, call);
  if (!user) return std::move(user).error();
  if (!*user) return call.fail("C_GetSessionInfo", CKR_USER_NOT_LOGGED_IN);
  objects::Template match;
  match.add(CKA_CLASS, CK_ULONG{CKO_SECRET_KEY}).add(CKA_ID, std::string_view(kek.str()));
  auto found = objects::find(f, call, match);
  if (!found) return std::move(found).error();
  if (found->empty())
    return make_error(ErrorCode::not_found, "no key-encryption key '" + kek.str() + "' on token '" + label + "'");
  auto attributes = objects::read(f, call, found->front(), {CKA_TRUSTED});
  if (!attributes) return std::move(attributes).error();
  Kek entry{found->front(), attributes->flag(CKA_TRUSTED).value_or(false), epoch};
  std::lock_guard lock(kek_mutex);
  keks[kek] = entry;
  return entry;
}

Status Token::create_wrapping_key(const KeyId& kek) {
  Impl& t = *impl_;
  const WrappingSupport& support = t.wrapping_support();
  if (!support.lacks.empty())
    return make_error(ErrorCode::invalid_request, "token '" + t.label + "' lacks " + support.lacks);
  if (kek.empty() || kek.str().size() > 128)
    return make_error(ErrorCode::invalid_request, "a KEK id has 1 to 128 bytes");
  return t.with_session([&](Call& call) -> Status {
    auto existing = t.locate_kek(call, kek);
    if (existing) return make_error(ErrorCode::conflict, "key-encryption key '" + kek.str() + "' already exists");
    if (existing.error().code != ErrorCode::not_found) return std::move(existing).error();
    // Never extractable and usable only to wrap and unwrap (no encrypt or decrypt, which would let anyone with
    // the PIN turn it into an oracle): the keys it guards can be read only by unwrapping them into the token.
    objects::Template secret;
    secret.add(CKA_CLASS, CK_ULONG{CKO_SECRET_KEY})
        .add(CKA_KEY_TYPE, CK_ULONG{CKK_AES})
        .add(CKA_VALUE_LEN, kKekBytes)
        .add(CKA_TOKEN, true)
        .add(CKA_PRIVATE, true)
        .add(CKA_SENSITIVE, true)
        .add(CKA_EXTRACTABLE, false)
        .add(CKA_WRAP, true)
        .add(CKA_UNWRAP, true)
        .add(CKA_ENCRYPT, false)
        .add(CKA_DECRYPT, false)
        .add(CKA_SIGN, false)
        .add(CKA_VERIFY, false)
        .add(CKA_DERIVE, false)
        .add(CKA_MODIFIABLE, false)
        .add(CKA_ID, std::string_view(kek.str()))
        .add(CKA_LABEL, kKekLabel);
    CK_MECHANISM mechanism{CKM_AES_KEY_GEN, nullptr, 0};
    CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
    CK_RV rv = t.f.C_GenerateKey(call.session, &mechanism, secret.data(), secret.size(), &handle);
    if (rv != CKR_OK) return call.fail("C_GenerateKey", rv);
    t.forget_kek(kek);
    log::info("hsm_kek_created", {{"token", t.label}, {"kek", kek.str()}, {"mechanism", support.mechanism_name}});
    return {};
  });
}

Result<bool> Token::has_wrapping_key(const KeyId& kek) const {
  Impl& t = *impl_;
  return t.with_session([&](Call& call) -> Result<bool> {
    auto found = t.locate_kek(call, kek);
    if (found) return true;
    if (found.error().code == ErrorCode::not_found) return false;
    return std::move(found).error();
  });
}

Status Token::destroy_wrapping_key(const KeyId& kek) {
  Impl& t = *impl_;
  Status st = t.with_session(
      [&](Call& call) -> Status {
        auto found = t.locate_kek(call, kek);
        if (!found) return std::move(found).error();
        CK_RV rv = t.f.C_DestroyObject(call.session, found->handle);
        if (rv != CKR_OK) return call.fail("C_DestroyObject", rv);
        return {};
      },
      [&] {
        t.forget_kek(kek);
        return Status{};
      });
  t.forget_kek(kek);
  if (st) log::info("hsm_kek_destroyed", {{"token", t.label}, {"kek", kek.str()}});
  return st;
}

Result<WrappedKey> Token::generate_wrapped_key_pair(const KeyId& id, const KeyId& kek, KeyAlgorithm algorithm) {
  OpTimer timer(Op::generate);
  Impl& t = *impl_;
  if (id.empty() || id.str().size() > 128)
    return timer.done(Result<WrappedKey>(make_error(ErrorCode::invalid_request, "a key id has 1 to 128 bytes")));
  const WrappingSupport& support = t.wrapping_support();
  if (support.mechanism == 0)
    return timer.done(
        Result<WrappedKey>(make_error(ErrorCode::invalid_request, "token '" + t.label + "' lacks " + support.lacks)));
  return timer.done(t.with_session(
      [&](Call& call) -> Result<WrappedKey> {
        auto key_encryption_key = t.locate_kek(call, kek);
        if (!key_encryption_key) return std::move(key_encryption_key).error();
        const std::string tagged = keys::purpose_label(KeyPurpose::citizen_signing, "Firma citizen key");
        objects::Template public_half = keys::public_template(algorithm, id, tagged, false);
        objects::Template private_half = private_session_template(algorithm, id, true, key_encryption_key->trusted);
        private_half.add(CKA_LABEL, tagged);
        CK_MECHANISM mechanism{keys::generation_mechanism(algorithm), nullptr, 0};
        SessionObject public_key(t.f, call.session), private_key(t.f, call.session);
        CK_RV rv =
            t.f.C_GenerateKeyPair(call.session, &mechanism, public_half.data(), public_half.size(), private_half.data(),
                                  private_half.size(), &public_key.handle, &private_key.handle);
        if (rv != CKR_OK) return call.fail("C_GenerateKeyPair", rv);
        auto attributes = objects::read(t.f, call, public_key.handle, keys::kPublicKeyAttributes);
        if (!attributes) return std::move(attributes).error();
        auto spki = keys::subject_public_key_info(algorithm, *attributes);
        if (!spki) return std::move(spki).error();
        auto blob = wrap(t.f, call, support.mechanism, key_encryption_key->handle, private_key.handle);
        if (!blob) return std::move(blob).error();
        return WrappedKey{id, kek, algorithm, std::move(*spki), std::move(*blob)};
      },
      [&] {
        t.forget_kek(kek);
        return Status{};
      }));
}

Result<WrappedKey> Token::rewrap(const WrappedKey& key, const KeyId& kek) {
  Impl& t = *impl_;
  const WrappingSupport& support = t.wrapping_support();
  if (support.mechanism == 0)
    return make_error(ErrorCode::invalid_request, "token '" + t.label + "' lacks " + support.lacks);
  return t.with_session(
      [&](Call& call) -> Result<WrappedKey> {
        auto from = t.locate_kek(call, key.kek);
        if (!from) return std::move(from).error();
        auto to = t.locate_kek(call, kek);
        if (!to) return std::move(to).error();
        CK_MECHANISM mechanism{support.mechanism, nullptr, 0};
        objects::Template extractable = private_session_template(key.algorithm, key.id, true, to->trusted);
        SessionObject clear(t.f, call.session);
        Bytes blob = key.wrapped;
        CK_RV rv =
            t.f.C_UnwrapKey(call.session, &mechanism, from->handle, blob.data(), static_cast<CK_ULONG>(blob.size()),
                            extractable.data(), extractable.size(), &clear.handle);
        if (rv != CKR_OK) return unwrap_failed(t.label, call, key, rv);
        auto rewrapped = wrap(t.f, call, support.mechanism, to->handle, clear.handle);
        if (!rewrapped) return std::move(rewrapped).error();
        return WrappedKey{key.id, kek, key.algorithm, key.public_key, std::move(*rewrapped)};
      },
      [&] {
        t.forget_kek(key.kek);
        t.forget_kek(kek);
        return Status{};
      });
}

void Token::keep_unwrapped(std::size_t keys) {
  impl_->unwrapped.set_capacity(keys);
}

Result<Signature> Token::sign_wrapped_digest(const WrappedKey& key, DigestAlgorithm digest_algorithm,
                                             std::span<const std::uint8_t> digest, RsaPadding padding) {
  OpTimer timer(Op::sign);
  Impl& t = *impl_;
  if (digest.size() != digest_size(digest_algorithm)) {
    return timer.done(Result<Signature>(
        make_error(ErrorCode::invalid_request, "a " + std::string(to_string(digest_algorithm)) + " digest has " +
                                                   std::to_string(digest_size(digest_algorithm)) + " bytes, not " +
                                                   std::to_string(digest.size()))));
  }
  const WrappingSupport& support = t.wrapping_support();
  if (support.mechanism == 0)
    return timer.done(
        Result<Signature>(make_error(ErrorCode::invalid_request, "token '" + t.label + "' lacks " + support.lacks)));
  signing::Mechanism mechanism(key.algorithm, digest_algorithm, padding);
  Bytes input = mechanism.wants_digest_info() ? signing::digest_info(digest_algorithm, digest)
                                              : Bytes(digest.begin(), digest.end());
  return timer.done(t.with_session(
      [&](Call& call) -> Result<Signature> {
        const std::uint64_t epoch = t.login_epoch.load();
        for (const UnwrappedKey& old : t.unwrapped.collect()) {
          if (old.epoch == epoch) t.f.C_DestroyObject(call.session, old.handle);
        }
        std::shared_ptr<UnwrappedKey> unwrapped = t.unwrapped.find(key.id, epoch);
        if (unwrapped) {
          // A handle of this login, held here so that nobody destroys it meanwhile; its CKA_ID is read back all
          // the same, so that a module that numbers objects afresh can never make another citizen's key sign.
          auto id = objects::read(t.f, call, unwrapped->handle, {CKA_ID});
          if (!id || id->text(CKA_ID) != key.id.str()) {
            t.unwrapped.drop(key.id);
            unwrapped.reset();
            call.rv = CKR_OK;
          }
        }
        if (!unwrapped) {
          auto kek = t.locate_kek(call, key.kek);
          if (!kek) return std::move(kek).error();
          CK_MECHANISM unwrap_mechanism{support.mechanism, nullptr, 0};
          objects::Template signing_only = private_session_template(key.algorithm, key.id, false, false);
          Bytes blob = key.wrapped;
          CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
          CK_RV rv =
              t.f.C_UnwrapKey(call.session, &unwrap_mechanism, kek->handle, blob.data(),
                              static_cast<CK_ULONG>(blob.size()), signing_only.data(), signing_only.size(), &handle);
          if (rv != CKR_OK) return unwrap_failed(t.label, call, key, rv);
          unwrapped = std::make_shared<UnwrappedKey>(UnwrappedKey{handle, epoch});
          t.unwrapped.put(key.id, unwrapped);  // retired at once when nothing is kept: destroyed below
        }
        std::string_view failed_at = "C_SignInit";
        CK_RV rv = t.f.C_SignInit(call.session, mechanism.get(), unwrapped->handle);
        std::array<std::uint8_t, 512> out{};  // any RSA key up to 4096 bits: C_Sign never ends CKR_BUFFER_TOO_SMALL
        CK_ULONG length = out.size();
        if (rv == CKR_OK) {
          failed_at = "C_Sign";
          rv = t.f.C_Sign(call.session, input.data(), static_cast<CK_ULONG>(input.size()), out.data(), &length);
        }
        unwrapped.reset();
        for (const UnwrappedKey& old : t.unwrapped.collect()) {
          if (old.epoch == epoch) t.f.C_DestroyObject(call.session, old.handle);
        }
        if (rv != CKR_OK) {
          if (p11::classify(rv) == p11::Fault::stale_handle) t.unwrapped.drop(key.id);
          return call.fail(failed_at, rv);
        }
        Signature signature;
        signature.raw.assign(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(length));
        signature.der = is_ec(key.algorithm) ? signing::ecdsa_raw_to_der(signature.raw) : signature.raw;
        if (signature.der.empty()) return make_error(ErrorCode::internal, "malformed ECDSA signature from the token");
        return signature;
      },
      [&] {
        t.unwrapped.drop(key.id);
        t.forget_kek(key.kek);
        return Status{};
      }));
}

}  // namespace firma::hsm
