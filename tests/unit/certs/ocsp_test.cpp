// The OCSP responder, read back with OpenSSL's OCSP API as a relying party would: signature, status, nonce.
#include <gtest/gtest.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <memory>

#include "pki_fixture.h"

namespace firma::certs {
namespace {

using testing::advanced_citizen;
using testing::PkiFixture;
using namespace std::chrono_literals;

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using RequestPtr = std::unique_ptr<OCSP_REQUEST, Deleter<OCSP_REQUEST_free>>;
using ResponsePtr = std::unique_ptr<OCSP_RESPONSE, Deleter<OCSP_RESPONSE_free>>;
using BasicPtr = std::unique_ptr<OCSP_BASICRESP, Deleter<OCSP_BASICRESP_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;

X509Ptr x509(const Bytes& der) {
  const unsigned char* p = der.data();
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

Bytes der_of(OCSP_REQUEST* request) {
  unsigned char* out = nullptr;
  int n = i2d_OCSP_REQUEST(request, &out);
  Bytes bytes(out, out + n);
  OPENSSL_free(out);
  return bytes;
}

struct Answer {
  int response_status = -1;
  bool signature_ok = false;
  bool nonce_ok = false;
  int cert_status = -1;
  int reason = -1;
  long revoked_at = 0;
  bool has_certs = false;
};

class OcspTest : public ::testing::Test {
 protected:
  void open(CaSettings settings = PkiFixture::default_settings()) {
    f.open(std::move(settings));
    issuer = x509(f.ca->issuing().der);
    store.reset(X509_STORE_new());
    X509_STORE_add_cert(store.get(), x509(f.ca->root().der).get());
    X509_STORE_add_cert(store.get(), issuer.get());
  }

  // Asks about `subject` (issued by the issuing CA) with a nonce, and checks what comes back.
  Answer ask(const Bytes& subject, const EVP_MD* hash = EVP_sha1(), bool with_nonce = true) {
    auto cert = x509(subject);
    RequestPtr request(OCSP_REQUEST_new());
    OCSP_request_add0_id(request.get(), OCSP_cert_to_id(hash, cert.get(), issuer.get()));
    if (with_nonce) OCSP_request_add1_nonce(request.get(), nullptr, 16);
    return read(request.get(), f.ocsp->respond(der_of(request.get())));
  }

  Answer read(OCSP_REQUEST* request, const Bytes& der) {
    Answer a;
    const unsigned char* p = der.data();
    ResponsePtr response(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
    if (!response) return a;
    a.response_status = OCSP_response_status(response.get());
    BasicPtr basic(OCSP_response_get1_basic(response.get()));
    if (!basic) return a;
    a.signature_ok = OCSP_basic_verify(basic.get(), nullptr, store.get(), 0) == 1;
    a.nonce_ok = OCSP_check_nonce(request, basic.get()) == 1;
    a.has_certs = sk_X509_num(OCSP_resp_get0_certs(basic.get())) > 0;
    OCSP_SINGLERESP* single = OCSP_resp_get0(basic.get(), 0);
    if (single == nullptr) return a;
    ASN1_GENERALIZEDTIME* revtime = nullptr;
    ASN1_GENERALIZEDTIME* this_update = nullptr;
    ASN1_GENERALIZEDTIME* next_update = nullptr;
    a.cert_status = OCSP_single_get0_status(single, &a.reason, &revtime, &this_update, &next_update);
    if (OCSP_check_validity(this_update, next_update, 300, -1) != 1) a.signature_ok = false;
    if (revtime != nullptr) {
      struct tm tm {};
      ASN1_TIME_to_tm(revtime, &tm);
      a.revoked_at = static_cast<long>(timegm(&tm));
    }
    return a;
  }

  PkiFixture f;
  X509Ptr issuer;
  StorePtr store;
};

TEST_F(OcspTest, GoodThenRevokedWithTimeAndReasonSignedByTheDelegatedResponder) {
  open();
  auto credential = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(credential.ok()) << credential.error().message;

  Answer good = ask(credential->certificate);
  EXPECT_EQ(good.response_status, OCSP_RESPONSE_STATUS_SUCCESSFUL);
  EXPECT_TRUE(good.signature_ok);
  EXPECT_TRUE(good.nonce_ok);
  EXPECT_TRUE(good.has_certs) << "the delegated responder's certificate travels with the answer";
  EXPECT_EQ(good.cert_status, V_OCSP_CERTSTATUS_GOOD);

  f.clock.advance(3min);
  ASSERT_TRUE(f.credentials->revoke(credential->serial, RevocationReason::affiliation_changed, "operator:test").ok());
  Answer revoked = ask(credential->certificate, EVP_sha256());
  EXPECT_EQ(revoked.response_status, OCSP_RESPONSE_STATUS_SUCCESSFUL);
  EXPECT_TRUE(revoked.signature_ok);
  EXPECT_TRUE(revoked.nonce_ok);
  EXPECT_EQ(revoked.cert_status, V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_EQ(revoked.reason, OCSP_REVOKED_STATUS_AFFILIATIONCHANGED);
  EXPECT_EQ(revoked.revoked_at, static_cast<long>(to_unix(f.clock.now())));
}

TEST_F(OcspTest, StatusOfAnswersInProcessAsARelyingPartyWouldBeAnswered) {
  open();
  auto credential = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(credential.ok()) << credential.error().message;
  auto answer = f.ocsp->status_of(credential->certificate);
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  // Read back as any OCSP answer: signed by the responder, good, no nonce (none was asked).
  auto cert = x509(credential->certificate);
  RequestPtr request(OCSP_REQUEST_new());
  OCSP_request_add0_id(request.get(), OCSP_cert_to_id(EVP_sha1(), cert.get(), issuer.get()));
  Answer read_back = read(request.get(), *answer);
  EXPECT_EQ(read_back.response_status, OCSP_RESPONSE_STATUS_SUCCESSFUL);
  EXPECT_TRUE(read_back.signature_ok);
  EXPECT_EQ(read_back.cert_status, V_OCSP_CERTSTATUS_GOOD);
  EXPECT_EQ(f.ocsp->status_of(Bytes{0x30, 0x00}).error().code, ErrorCode::invalid_request);
}

TEST_F(OcspTest, UnknownForSerialsThisCaNeverIssuedUnauthorizedForOtherIssuers) {
  open();
  // The OCSP signer's certificate is real and issued by this CA, but it is not a citizen's certificate.
  Answer signer = ask(f.ca->ocsp_responder().certificate);
  EXPECT_TRUE(signer.signature_ok);
  EXPECT_EQ(signer.cert_status, V_OCSP_CERTSTATUS_UNKNOWN);

  // A CertID naming another issuer (the root as issuer of a citizen certificate).
  auto credential = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(credential.ok());
  auto cert = x509(credential->certificate);
  auto root = x509(f.ca->root().der);
  RequestPtr request(OCSP_REQUEST_new());
  OCSP_request_add0_id(request.get(), OCSP_cert_to_id(EVP_sha1(), cert.get(), root.get()));
  Answer other = read(request.get(), f.ocsp->respond(der_of(request.get())));
  EXPECT_EQ(other.response_status, OCSP_RESPONSE_STATUS_UNAUTHORIZED);

  // A serial under this CA that was never issued, without a nonce.
  ASN1_INTEGER* serial = ASN1_INTEGER_new();
  ASN1_INTEGER_set_uint64(serial, 0x1234567890ABCDEFull);
  X509_NAME* name = X509_get_subject_name(issuer.get());
  RequestPtr made_up(OCSP_REQUEST_new());
  OCSP_request_add0_id(made_up.get(),
                       OCSP_cert_id_new(EVP_sha1(), name, X509_get0_pubkey_bitstr(issuer.get()), serial));
  ASN1_INTEGER_free(serial);
  Answer never = read(made_up.get(), f.ocsp->respond(der_of(made_up.get())));
  EXPECT_TRUE(never.signature_ok);
  EXPECT_EQ(never.cert_status, V_OCSP_CERTSTATUS_UNKNOWN);
  EXPECT_FALSE(never.nonce_ok) << "no nonce asked, none given";
}

TEST_F(OcspTest, TheIssuingCaSignsWhenConfiguredTo) {
  auto settings = PkiFixture::default_settings();
  settings.ocsp_signer = OcspSigner::ca;
  open(settings);
  auto credential = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(credential.ok());
  Answer a = ask(credential->certificate);
  EXPECT_TRUE(a.signature_ok);
  EXPECT_TRUE(a.has_certs) << "the issuing CA's certificate, for relying parties that hold only the root";
  EXPECT_EQ(a.cert_status, V_OCSP_CERTSTATUS_GOOD);
}

TEST_F(OcspTest, MalformedRequestsGetMalformedRequestNeverACrash) {
  open();
  const Bytes malformed{0x30, 0x03, 0x0A, 0x01, 0x01};
  EXPECT_EQ(f.ocsp->respond(Bytes{}), malformed);
  EXPECT_EQ(f.ocsp->respond(Bytes{0x30, 0x80, 0x00}), malformed);
  EXPECT_EQ(f.ocsp->respond(as_bytes("GET / HTTP/1.1\r\n\r\n")), malformed);
  for (std::size_t size : {1u, 7u, 64u, 4096u}) {
    SystemRandom random;
    EXPECT_EQ(f.ocsp->respond(random.bytes(size)), malformed) << size;
  }
  // A valid request cut short, and one with trailing bytes.
  auto credential = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(credential.ok());
  auto cert = x509(credential->certificate);
  RequestPtr request(OCSP_REQUEST_new());
  OCSP_request_add0_id(request.get(), OCSP_cert_to_id(EVP_sha1(), cert.get(), issuer.get()));
  Bytes der = der_of(request.get());
  for (std::size_t cut = 1; cut < der.size(); cut += 5)
    EXPECT_EQ(f.ocsp->respond(std::span(der).first(der.size() - cut)), malformed) << cut;
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(f.ocsp->respond(trailing), malformed);
  // An empty request list.
  RequestPtr empty(OCSP_REQUEST_new());
  EXPECT_EQ(f.ocsp->respond(der_of(empty.get())), malformed);
}

}  // namespace
}  // namespace firma::certs
