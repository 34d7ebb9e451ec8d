// OpenSSL checks, raw module access and command running for the hsm tests.
#include "hsm_test_util.h"

#include <dlfcn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <sys/wait.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace firma::testing {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct CrlFree {
  void operator()(X509_CRL* p) const { X509_CRL_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey load_spki(const Bytes& spki) {
  const unsigned char* p = spki.data();
  return Pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
}

const EVP_MD* md_of(hsm::DigestAlgorithm d) {
  switch (d) {
    case hsm::DigestAlgorithm::sha256: return EVP_sha256();
    case hsm::DigestAlgorithm::sha384: return EVP_sha384();
    case hsm::DigestAlgorithm::sha512: return EVP_sha512();
  }
  return nullptr;
}

std::unique_ptr<X509, X509Free> load_cert(const Bytes& der) {
  const unsigned char* p = der.data();
  return std::unique_ptr<X509, X509Free>(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

}  // namespace

bool openssl_verifies(const Bytes& spki, hsm::DigestAlgorithm digest_algorithm, std::span<const std::uint8_t> digest,
                      const Bytes& signature, hsm::RsaPadding padding) {
  Pkey key = load_spki(spki);
  if (!key) return false;
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) return false;
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), md_of(digest_algorithm)) != 1) return false;
  if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA) {
    if (padding == hsm::RsaPadding::pss) {
      if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1) return false;
      if (EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md_of(digest_algorithm)) != 1) return false;
      if (EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), static_cast<int>(digest.size())) != 1) return false;
    } else if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
      return false;
    }
  }
  return EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest.data(), digest.size()) == 1;
}

Bytes openssl_ecdsa_der(const Bytes& raw) {
  const int half = static_cast<int>(raw.size() / 2);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), half, nullptr), BN_bin2bn(raw.data() + half, half, nullptr));
  unsigned char* out = nullptr;
  int n = i2d_ECDSA_SIG(sig, &out);
  Bytes der(out, out + std::max(n, 0));
  OPENSSL_free(out);
  ECDSA_SIG_free(sig);
  return der;
}

std::string openssl_key_description(const Bytes& spki) {
  Pkey key = load_spki(spki);
  if (!key) return "unreadable";
  const int id = EVP_PKEY_get_base_id(key.get());
  const std::string type = id == EVP_PKEY_RSA ? "RSA" : id == EVP_PKEY_EC ? "EC" : "other";
  return type + "-" + std::to_string(EVP_PKEY_get_bits(key.get()));
}

bool openssl_self_signed_ok(const Bytes& certificate_der) {
  auto cert = load_cert(certificate_der);
  if (!cert) return false;
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  return key != nullptr && X509_verify(cert.get(), key) == 1;
}

bool openssl_crl_signed_by(const Bytes& crl_der, const Bytes& issuer_der) {
  auto issuer = load_cert(issuer_der);
  const unsigned char* p = crl_der.data();
  std::unique_ptr<X509_CRL, CrlFree> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(crl_der.size())));
  if (!issuer || !crl) return false;
  return X509_CRL_verify(crl.get(), X509_get0_pubkey(issuer.get())) == 1;
}

RawModule::RawModule(const std::string& module_path) {
  // RTLD_NOLOAD: the hsm layer has loaded it; we want that same instance, already initialised.
  void* handle = dlopen(module_path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) throw std::runtime_error("module not loaded: " + module_path);
  void* symbol = dlsym(handle, "C_GetFunctionList");
  dlclose(handle);  // the hsm layer keeps it loaded
  CK_C_GetFunctionList get = nullptr;
  std::memcpy(&get, &symbol, sizeof symbol);
  if (get == nullptr || get(&functions_) != CKR_OK) throw std::runtime_error("no function list");
}

CK_SLOT_ID RawModule::slot(const std::string& token_label) {
  CK_ULONG count = 0;
  functions_->C_GetSlotList(CK_TRUE, nullptr, &count);
  std::vector<CK_SLOT_ID> slots(count);
  functions_->C_GetSlotList(CK_TRUE, slots.data(), &count);
  for (CK_SLOT_ID s : slots) {
    CK_TOKEN_INFO info{};
    if (functions_->C_GetTokenInfo(s, &info) != CKR_OK) continue;
    std::string label(reinterpret_cast<const char*>(info.label), sizeof info.label);
    label.erase(label.find_last_not_of(' ') + 1);
    if (label == token_label) return s;
  }
  throw std::runtime_error("no token " + token_label);
}

CK_SESSION_HANDLE RawModule::open_session(const std::string& token_label) {
  CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
  if (functions_->C_OpenSession(slot(token_label), CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &h) !=
      CKR_OK) {
    throw std::runtime_error("C_OpenSession failed");
  }
  return h;
}

std::vector<CK_OBJECT_HANDLE> RawModule::find(CK_SESSION_HANDLE session, const std::string& id, CK_OBJECT_CLASS cls) {
  std::vector<CK_ATTRIBUTE> match = {{CKA_ID, const_cast<char*>(id.data()), id.size()}};
  if (cls != CK_UNAVAILABLE_INFORMATION) match.push_back({CKA_CLASS, &cls, sizeof cls});
  functions_->C_FindObjectsInit(session, match.data(), match.size());
  std::vector<CK_OBJECT_HANDLE> out(64);
  CK_ULONG n = 0;
  functions_->C_FindObjects(session, out.data(), out.size(), &n);
  functions_->C_FindObjectsFinal(session);
  out.resize(n);
  return out;
}

std::string run_command(const std::string& command, int* status) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  int rc = pclose(pipe);
  if (status != nullptr) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

}  // namespace firma::testing
