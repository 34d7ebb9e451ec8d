// Hashing, signer-certificate facts and signature checks with OpenSSL, for the formats.
#include "formats/crypto.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace firma::signer::formats {
namespace {

struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct OpenSslFree {
  void operator()(unsigned char* p) const noexcept { OPENSSL_free(p); }
};

const EVP_MD* message_digest(hsm::DigestAlgorithm algorithm) {
  switch (algorithm) {
    case hsm::DigestAlgorithm::sha256: return EVP_sha256();
    case hsm::DigestAlgorithm::sha384: return EVP_sha384();
    case hsm::DigestAlgorithm::sha512: return EVP_sha512();
  }
  return EVP_sha256();
}

std::unique_ptr<X509, X509Free> parse_certificate(std::span<const std::uint8_t> der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (cert && p != der.data() + der.size()) cert.reset();  // trailing bytes: not one certificate
  if (!cert) ERR_clear_error();
  return cert;
}

template <class T, class I2d>
Bytes der_of(T* object, I2d i2d) {
  unsigned char* out = nullptr;
  const int n = i2d(object, &out);
  if (n <= 0) return {};
  std::unique_ptr<unsigned char, OpenSslFree> owned(out);
  return Bytes(out, out + n);
}

bool key_matches(EVP_PKEY* key, hsm::KeyAlgorithm algorithm) {
  const int bits = EVP_PKEY_get_bits(key);
  switch (algorithm) {
    case hsm::KeyAlgorithm::rsa2048: return EVP_PKEY_is_a(key, "RSA") && bits == 2048;
    case hsm::KeyAlgorithm::rsa3072: return EVP_PKEY_is_a(key, "RSA") && bits == 3072;
    case hsm::KeyAlgorithm::ec_p256: return EVP_PKEY_is_a(key, "EC") && bits == 256;
    case hsm::KeyAlgorithm::ec_p384: return EVP_PKEY_is_a(key, "EC") && bits == 384;
  }
  return false;
}

}  // namespace

struct Hasher::Context {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx;
};

Hasher::Hasher(hsm::DigestAlgorithm algorithm) : context_(std::make_unique<Context>()) {
  context_->ctx.reset(EVP_MD_CTX_new());
  if (!context_->ctx || EVP_DigestInit_ex(context_->ctx.get(), message_digest(algorithm), nullptr) != 1)
    throw std::runtime_error("cannot start a digest");
}

Hasher::~Hasher() = default;

void Hasher::update(std::span<const std::uint8_t> data) {
  if (data.empty()) return;
  if (EVP_DigestUpdate(context_->ctx.get(), data.data(), data.size()) != 1) throw std::runtime_error("digest failed");
}

Bytes Hasher::finish() {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(context_->ctx.get(), out.data(), &n) != 1) throw std::runtime_error("digest failed");
  out.resize(n);
  return out;
}

Bytes digest(hsm::DigestAlgorithm algorithm, std::span<const std::uint8_t> data) {
  Hasher h(algorithm);
  h.update(data);
  return h.finish();
}

Result<CertificateFacts> certificate_facts(std::span<const std::uint8_t> certificate_der) {
  auto cert = parse_certificate(certificate_der);
  if (!cert) return make_error(ErrorCode::invalid_request, "the signer's certificate is not a DER X.509 certificate");
  CertificateFacts facts;
  facts.issuer = der_of(X509_get_issuer_name(cert.get()), i2d_X509_NAME);
  facts.serial = der_of(const_cast<ASN1_INTEGER*>(X509_get0_serialNumber(cert.get())), i2d_ASN1_INTEGER);
  if (facts.issuer.empty() || facts.serial.empty())
    return make_error(ErrorCode::internal, "cannot encode the certificate's issuer and serial number");
  return facts;
}

std::string signature_algorithm_name(hsm::KeyAlgorithm key, hsm::DigestAlgorithm digest, hsm::RsaPadding padding) {
  const char* bits = digest == hsm::DigestAlgorithm::sha256   ? "256"
                     : digest == hsm::DigestAlgorithm::sha384 ? "384"
                                                              : "512";
  if (hsm::is_rsa(key) && padding == hsm::RsaPadding::pss) return std::string("RSASSA-PSS-SHA") + bits;
  if (hsm::is_rsa(key)) return std::string("sha") + bits + "WithRSAEncryption";
  return std::string("ecdsa-with-SHA") + bits;
}

std::string signature_algorithm_oid(hsm::KeyAlgorithm key, hsm::DigestAlgorithm digest) {
  // RFC 4055 5 (sha*WithRSAEncryption) and RFC 5758 3.2 (ecdsa-with-SHA*).
  const bool rsa = hsm::is_rsa(key);
  switch (digest) {
    case hsm::DigestAlgorithm::sha256: return rsa ? "1.2.840.113549.1.1.11" : "1.2.840.10045.4.3.2";
    case hsm::DigestAlgorithm::sha384: return rsa ? "1.2.840.113549.1.1.12" : "1.2.840.10045.4.3.3";
    case hsm::DigestAlgorithm::sha512: return rsa ? "1.2.840.113549.1.1.13" : "1.2.840.10045.4.3.4";
  }
  return {};
}

std::string digest_algorithm_oid(hsm::DigestAlgorithm digest) {
  switch (digest) {
    case hsm::DigestAlgorithm::sha256: return "2.16.840.1.101.3.4.2.1";
    case hsm::DigestAlgorithm::sha384: return "2.16.840.1.101.3.4.2.2";
    case hsm::DigestAlgorithm::sha512: return "2.16.840.1.101.3.4.2.3";
  }
  return {};
}

std::size_t max_signature_value_size(hsm::KeyAlgorithm key) {
  const std::size_t size = hsm::signature_size(key);
  if (hsm::is_rsa(key)) return size;
  // Each INTEGER: tag, length (one byte for these curves), a leading zero when the top bit is set.
  const std::size_t integer = 2 + size / 2 + 1;
  return 2 + 2 * integer + 1;  // the SEQUENCE's length may take two bytes (P-384: 0x81 nn)
}

Result<Bytes> checked_signature_value(const CredentialView& credential, hsm::DigestAlgorithm digest,
                                      std::span<const std::uint8_t> dtbs_digest, const hsm::Signature& signature,
                                      hsm::RsaPadding padding) {
  auto cert = parse_certificate(credential.certificate);
  if (!cert) return make_error(ErrorCode::invalid_request, "the signer's certificate is not a DER X.509 certificate");
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr || !key_matches(key, credential.algorithm))
    return make_error(ErrorCode::invalid_request, "the signer's certificate does not carry a " +
                                                      std::string(hsm::to_string(credential.algorithm)) + " key");
  const Bytes& value = hsm::is_rsa(credential.algorithm) ? signature.raw : signature.der;
  if (value.empty()) return make_error(ErrorCode::internal, "the HSM returned an empty signature");

  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), message_digest(digest)) != 1)
    return make_error(ErrorCode::internal, "cannot set up the signature check");
  if (hsm::is_rsa(credential.algorithm)) {
    const bool pss = padding == hsm::RsaPadding::pss;
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) != 1 ||
        (pss && (EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) != 1 ||
                 EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), message_digest(digest)) != 1)))
      return make_error(ErrorCode::internal, "cannot set up the signature check");
  }
  if (EVP_PKEY_verify(ctx.get(), value.data(), value.size(), dtbs_digest.data(), dtbs_digest.size()) != 1) {
    ERR_clear_error();  // the refusal is reported here; leave no stale errors for the next OpenSSL caller
    return make_error(ErrorCode::internal, "the signature does not verify with the signer's certificate");
  }
  return value;
}

}  // namespace firma::signer::formats
