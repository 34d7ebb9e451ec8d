// validate -> prepare -> sign (OpenSSL, in software) -> assemble over one input, and the promises between them.
#include "format_flow.h"

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace firma::fuzz {
namespace {

// A self-signed P-256 certificate and its key: the formats only read the certificate, the key stands in for
// the HSM.
struct SoftwareSigner {
  EVP_PKEY* key = nullptr;
  signer::CredentialView credential;
};

[[noreturn]] void broken(const char* promise, const Error& error) {
  std::fprintf(stderr, "format promise broken: %s (%s: %s)\n", promise, std::string(to_string(error.code)).c_str(),
               error.message.c_str());
  std::abort();
}

SoftwareSigner make_signer() {
  SoftwareSigner s;
  s.key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  if (s.key == nullptr || cert == nullptr) std::abort();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 4242);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 365);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Fuzz Signer"), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, s.key);
  if (X509_sign(cert, s.key, EVP_sha256()) <= 0) std::abort();
  unsigned char* der = nullptr;
  const int length = i2d_X509(cert, &der);
  if (length <= 0) std::abort();
  s.credential.certificate.assign(der, der + length);
  s.credential.algorithm = hsm::KeyAlgorithm::ec_p256;
  OPENSSL_free(der);
  X509_free(cert);
  return s;
}

const SoftwareSigner& software_signer() {
  static const SoftwareSigner signer = make_signer();
  return signer;
}

// What the HSM would answer for an EC key: the DER ECDSA-Sig-Value and r || s.
hsm::Signature sign(const SoftwareSigner& s, const Bytes& digest) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(s.key, nullptr), EVP_PKEY_CTX_free);
  std::size_t length = 0;
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_sign(ctx.get(), nullptr, &length, digest.data(), digest.size()) != 1)
    std::abort();
  hsm::Signature out;
  out.der.resize(length);
  if (EVP_PKEY_sign(ctx.get(), out.der.data(), &length, digest.data(), digest.size()) != 1) std::abort();
  out.der.resize(length);
  const unsigned char* cursor = out.der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(out.der.size()));
  if (sig == nullptr) std::abort();
  out.raw.resize(64);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), out.raw.data(), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out.raw.data() + 32, 32);
  ECDSA_SIG_free(sig);
  return out;
}

// FIRMA_FUZZ_VERBOSE=1: say how far each input went (to check that the seeds reach assembly).
void trace(const char* step, const Error* error) {
  static const bool verbose = std::getenv("FIRMA_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%s%s%s\n", step, error ? ": " : "", error ? error->message.c_str() : "");
}

bool client_error(const Error& error) {
  return error.code == ErrorCode::invalid_request || error.code == ErrorCode::payload_too_large;
}

}  // namespace

void run_format(signer::Format format, const std::uint8_t* data, std::size_t size) {
  const SoftwareSigner& s = software_signer();
  signer::DocumentRequest request;
  request.format = format;
  request.content.assign(data, data + size);

  Status valid = signer::validate(request);
  if (!valid) {
    trace("refused", &valid.error());
    if (!client_error(valid.error())) broken("validation refuses with a client error", valid.error());
    return;
  }
  auto prepared = signer::prepare(request, s.credential, from_unix(1'800'000'000));
  if (!prepared) broken("a validated document can be prepared", prepared.error());
  auto assembled = signer::assemble(request, *prepared, sign(s, prepared->dtbs_digest), s.credential);
  if (!assembled) broken("a prepared document can be assembled", assembled.error());

  trace("assembled", nullptr);
  if (format == signer::Format::pades) {
    // The signed PDF is an incremental update of a signable PDF: it must be signable in turn (a second
    // signature), or a reader could not open what we released.
    signer::DocumentRequest again = request;
    again.content = std::move(assembled->output);
    if (Status reread = signer::validate(again); !reread) broken("a signed PDF is a signable PDF", reread.error());
  }
}

}  // namespace firma::fuzz
