// IssuerSerial DER for SigningCertificateV2 and the public-key check of a signature value, with OpenSSL.
#include "formats/xades_x509.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

namespace firma::signer::xades {
namespace {

struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct PkeyContextFree {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const noexcept { ECDSA_SIG_free(s); }
};
struct OpenSslFree {
  void operator()(unsigned char* p) const noexcept { OPENSSL_free(p); }
};

Result<std::unique_ptr<X509, X509Free>> parse_certificate(std::span<const std::uint8_t> der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != der.data() + der.size())
    return make_error(ErrorCode::invalid_request, "signer certificate is not a DER X.509 certificate");
  return cert;
}

// One DER element: tag, definite length (X.690 8.1.3), content.
Bytes tlv(std::uint8_t tag, const Bytes& content) {
  Bytes out{tag};
  const std::size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    Bytes length;
    for (std::size_t v = n; v != 0; v >>= 8) length.insert(length.begin(), static_cast<std::uint8_t>(v & 0xff));
    out.push_back(static_cast<std::uint8_t>(0x80 | length.size()));
    out.insert(out.end(), length.begin(), length.end());
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

template <class T, class Encode>
Result<Bytes> encode(const T* value, Encode i2d) {
  unsigned char* raw = nullptr;
  const int n = i2d(value, &raw);
  if (n <= 0 || raw == nullptr) return make_error(ErrorCode::internal, "DER encoding failed");
  std::unique_ptr<unsigned char, OpenSslFree> owned(raw);
  return Bytes(raw, raw + n);
}

const EVP_MD* message_digest(hsm::DigestAlgorithm algorithm) {
  switch (algorithm) {
    case hsm::DigestAlgorithm::sha256: return EVP_sha256();
    case hsm::DigestAlgorithm::sha384: return EVP_sha384();
    case hsm::DigestAlgorithm::sha512: return EVP_sha512();
  }
  return EVP_sha256();
}

}  // namespace

Result<Bytes> issuer_serial(std::span<const std::uint8_t> certificate) {
  auto cert = parse_certificate(certificate);
  if (!cert) return std::move(cert).error();
  auto name = encode(X509_get_issuer_name(cert->get()), i2d_X509_NAME);
  if (!name) return std::move(name).error();
  auto serial = encode(X509_get0_serialNumber(cert->get()), i2d_ASN1_INTEGER);
  if (!serial) return std::move(serial).error();
  // GeneralName directoryName is [4]; Name is a CHOICE, so the tag is explicit (RFC 5280 4.2.1.6).
  const Bytes general_names = tlv(0x30, tlv(0xa4, *name));
  Bytes content = general_names;
  content.insert(content.end(), serial->begin(), serial->end());
  return tlv(0x30, content);
}

Status verify_signature(std::span<const std::uint8_t> certificate, hsm::KeyAlgorithm key_algorithm,
                        hsm::DigestAlgorithm digest_algorithm, std::span<const std::uint8_t> digest,
                        std::span<const std::uint8_t> signature) {
  auto cert = parse_certificate(certificate);
  if (!cert) return std::move(cert).error();
  EVP_PKEY* key = X509_get0_pubkey(cert->get());
  if (key == nullptr) return make_error(ErrorCode::invalid_request, "signer certificate has no usable public key");
  const int expected_type = hsm::is_rsa(key_algorithm) ? EVP_PKEY_RSA : EVP_PKEY_EC;
  if (EVP_PKEY_get_base_id(key) != expected_type)
    return make_error(ErrorCode::invalid_request, "signer certificate's key does not match the credential algorithm");

  Bytes encoded(signature.begin(), signature.end());
  if (hsm::is_ec(key_algorithm)) {
    // XML-DSig 1.1 6.4.3 carries r || s; OpenSSL verifies the DER SEQUENCE of the two INTEGERs.
    if (signature.empty() || signature.size() % 2 != 0)
      return make_error(ErrorCode::invalid_request, "ECDSA signature has an odd length");
    const std::size_t half = signature.size() / 2;
    std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(signature.data(), static_cast<int>(half), nullptr);
    BIGNUM* s = BN_bin2bn(signature.data() + half, static_cast<int>(half), nullptr);
    if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
      BN_free(r);
      BN_free(s);
      return make_error(ErrorCode::internal, "ECDSA signature decoding failed");
    }
    auto der = encode(static_cast<const ECDSA_SIG*>(sig.get()), i2d_ECDSA_SIG);
    if (!der) return std::move(der).error();
    encoded = std::move(*der);
  }

  std::unique_ptr<EVP_PKEY_CTX, PkeyContextFree> ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), message_digest(digest_algorithm)) != 1 ||
      (hsm::is_rsa(key_algorithm) && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1))
    return make_error(ErrorCode::internal, "signature check could not be set up");
  if (EVP_PKEY_verify(ctx.get(), encoded.data(), encoded.size(), digest.data(), digest.size()) != 1) {
    ERR_clear_error();  // the reason is ours to report; leave no stale entry for the next OpenSSL caller
    return make_error(ErrorCode::invalid_request, "the signature does not verify with the signer certificate");
  }
  return {};
}

}  // namespace firma::signer::xades
