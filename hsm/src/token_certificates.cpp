// X.509 certificate objects (PKCS#11 v2.40 4.6.3: CKO_CERTIFICATE, CKC_X_509) stored under the key's CKA_ID.
#include <botan/bigint.h>
#include <botan/der_enc.h>
#include <botan/x509_key.h>
#include <botan/x509cert.h>

#include <exception>

#include "objects.h"
#include "token_impl.h"

namespace firma::hsm {
namespace {

struct ParsedCertificate {
  Bytes subject;        // DER Name, CKA_SUBJECT (required)
  Bytes issuer;         // DER Name, CKA_ISSUER
  Bytes serial_number;  // DER INTEGER, CKA_SERIAL_NUMBER
  Bytes public_key_bits;
};

Result<ParsedCertificate> parse(std::span<const std::uint8_t> der) {
  try {
    Botan::X509_Certificate cert(der.data(), der.size());
    ParsedCertificate out;
    out.subject = cert.raw_subject_dn();
    out.issuer = cert.raw_issuer_dn();
    const auto& serial = cert.serial_number();
    Botan::DER_Encoder(out.serial_number).encode(Botan::BigInt(serial.data(), serial.size()));
    out.public_key_bits = cert.subject_public_key_bitstring();
    return out;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::invalid_request, std::string("not an X.509 certificate: ") + e.what());
  }
}

Result<Bytes> public_key_bits(const Bytes& spki) {
  try {
    std::unique_ptr<Botan::Public_Key> key(Botan::X509::load_key(spki));
    return key->public_key_bits();
  } catch (const std::exception& e) {
    return make_error(ErrorCode::internal, std::string("cannot read the key's public key: ") + e.what());
  }
}

}  // namespace

Status Token::store_certificate(const KeyId& id, std::span<const std::uint8_t> der, std::string_view label) {
  OpTimer timer(Op::store_certificate);
  auto cert = parse(der);
  if (!cert) return timer.done(Status(std::move(cert).error()));
  auto spki = public_key(id);
  if (!spki) return timer.done(Status(std::move(spki).error()));
  auto bits = public_key_bits(*spki);
  if (!bits) return timer.done(Status(std::move(bits).error()));
  if (*bits != cert->public_key_bits) {
    return timer.done(
        Status(make_error(ErrorCode::invalid_request, "the certificate is not for key '" + id.str() + "'")));
  }

  Impl& t = *impl_;
  return timer.done(t.with_session([&](Call& call) -> Status {
    objects::Template object;
    object.add(CKA_CLASS, CK_ULONG{CKO_CERTIFICATE})
        .add(CKA_CERTIFICATE_TYPE, CK_ULONG{CKC_X_509})
        .add(CKA_TOKEN, true)
        .add(CKA_PRIVATE, false)
        .add(CKA_ID, std::string_view(id.str()))
        .add(CKA_LABEL, label)
        .add(CKA_SUBJECT, std::span<const std::uint8_t>(cert->subject))
        .add(CKA_ISSUER, std::span<const std::uint8_t>(cert->issuer))
        .add(CKA_SERIAL_NUMBER, std::span<const std::uint8_t>(cert->serial_number))
        .add(CKA_VALUE, der);
    CK_OBJECT_HANDLE created = CK_INVALID_HANDLE;
    CK_RV rv = t.f.C_CreateObject(call.session, object.data(), object.size(), &created);
    if (rv != CKR_OK) return call.fail("C_CreateObject", rv);

    auto handles = t.index.find(id);
    if (!handles) {
      t.f.C_DestroyObject(call.session, created);
      return t.key_not_found(id);
    }
    // The new certificate is in place before the old one goes: a reader never finds none.
    if (handles->certificate != CK_INVALID_HANDLE) t.f.C_DestroyObject(call.session, handles->certificate);
    handles->certificate = created;
    t.index.put(id, *handles);
    return {};
  }));
}

Result<Bytes> Token::certificate(const KeyId& id) const {
  OpTimer timer(Op::certificate);
  Impl& t = *impl_;
  auto located = t.locate(id);
  if (!located) return timer.done(Result<Bytes>(std::move(located).error()));
  if (located->certificate == CK_INVALID_HANDLE) {
    // Another process may have stored it since our scan: look once on the token.
    if (Status st = t.refresh(id); !st) return timer.done(Result<Bytes>(std::move(st).error()));
  }
  return timer.done(t.with_session(
      [&](Call& call) -> Result<Bytes> {
        auto handles = t.index.find(id);
        if (!handles) return t.key_not_found(id);
        if (handles->certificate == CK_INVALID_HANDLE) {
          return make_error(ErrorCode::not_found, "no certificate stored for key '" + id.str() + "'");
        }
        auto attributes = objects::read(t.f, call, handles->certificate, {CKA_VALUE});
        if (!attributes) return std::move(attributes).error();
        Bytes value = attributes->bytes(CKA_VALUE);
        if (value.empty()) return make_error(ErrorCode::internal, "certificate object without a value");
        return value;
      },
      [&] { return t.refresh(id); }));
}

}  // namespace firma::hsm
