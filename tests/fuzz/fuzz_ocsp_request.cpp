// libFuzzer target: phase zero of the OCSP responder (certs/src/ocsp_request.cpp) over arbitrary bytes as the
// DER OCSPRequest, and OpenSSL's use of the CertIDs it accepted when the SingleResponses are built.
//
// The seeds in corpus/ocsp_request were made for the issuer below with, for example:
//   openssl ocsp -issuer issuer.pem -serial 0x4242 -reqout one_serial_nonce.der
// The rest of respond() (the database lookup, the signature on the token) is not reached here.
#include <openssl/ocsp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <memory>

#include "ocsp_request.h"

namespace {

// A self-signed P-256 CA made for the seeds (openssl req -x509 -newkey ec ...); only its name and key matter.
constexpr char kIssuerPem[] = R"(
-----BEGIN CERTIFICATE-----
MIIB2zCCAYGgAwIBAgIUaycNK7Tf+ToZSsV295rzjvSX17gwCgYIKoZIzj0EAwIw
QjELMAkGA1UEBhMCRVMxEzARBgNVBAoMCkZpcm1hIGZ1enoxHjAcBgNVBAMMFUZp
cm1hIGZ1enogaXNzdWluZyBDQTAgFw0yNjEyMDcxNDMyMDdaGA8yMTI2MTExMzE0
MzIwN1owQjELMAkGA1UEBhMCRVMxEzARBgNVBAoMCkZpcm1hIGZ1enoxHjAcBgNV
BAMMFUZpcm1hIGZ1enogaXNzdWluZyBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABERwlXGi9rK1UHSUcOX0YEjvK1W4FoiIy6jvL7gVIOMu8kNVM7dOOdgj/0iq
fSgti99mT7uf21bG8PobWYR8EIujUzBRMB0GA1UdDgQWBBTr/7+serbduTtJkCbI
gz8dDFoN9TAfBgNVHSMEGDAWgBTr/7+serbduTtJkCbIgz8dDFoN9TAPBgNVHRMB
Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCID9RiAWRXo8tUtnYIjrZ5fhlVU+t
Ilh2uIpEDDwuoMuSAiEAyapaqFhmYefLcOmmdlYjkDkqnn7OK3hsqPh9F9UYSn4=
-----END CERTIFICATE-----
)";

X509* issuer() {
  static X509* const cert = [] {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(kIssuerPem, -1), BIO_free);
    X509* parsed = bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (parsed == nullptr) std::abort();
    return parsed;
  }();
  return cert;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace firma::certs::detail;
  const OcspRequestRead read = read_ocsp_request({data, size}, issuer());
  if (read.status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    if (read.request != nullptr || !read.questions.empty()) std::abort();  // a refusal holds nothing
    return 0;
  }
  if (read.questions.empty() || read.questions.size() > static_cast<std::size_t>(kMaxOcspQuestions)) std::abort();
  // What the responder does next with each CertID, short of the database and the token.
  std::unique_ptr<OCSP_BASICRESP, decltype(&OCSP_BASICRESP_free)> basic(OCSP_BASICRESP_new(), OCSP_BASICRESP_free);
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> now(ASN1_GENERALIZEDTIME_set(nullptr, 1'800'000'000),
                                                            ASN1_TIME_free);
  for (const OcspQuestion& q : read.questions)
    if (OCSP_basic_add1_status(basic.get(), q.id, V_OCSP_CERTSTATUS_UNKNOWN, 0, nullptr, now.get(), now.get()) ==
        nullptr)
      std::abort();
  return 0;
}
