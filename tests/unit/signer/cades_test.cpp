// CAdES: CMS signatures made on a SoftHSM2 token, checked by `openssl cms -verify -cades`.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <string>

#include "cades_support.h"
#include "core/random.h"
#include "signer/formats.h"

namespace firma::signer {
namespace {

using test::openssl_cades_verifies;
using test::quoted;
using test::run;
using test::TokenSigner;
using test::write_bytes;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// What `openssl cms -cmsout -print` shows of a CMS.
std::string cms_print(const std::filesystem::path& cms) {
  return run("openssl cms -cmsout -print -inform DER -in " + quoted(cms)).output;
}

// ASN1_TIME_print's spelling, e.g. "Mar  4 10:00:00 2026 GMT".
std::string openssl_time(Instant at) {
  const std::time_t t = to_unix(at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%b %e %H:%M:%S %Y GMT", &tm);
  return text;
}

DocumentRequest cades_request(Bytes content, bool attached,
                              hsm::DigestAlgorithm digest = hsm::DigestAlgorithm::sha256) {
  DocumentRequest request;
  request.format = Format::cades;
  request.content = std::move(content);
  request.attached = attached;
  request.digest_algorithm = digest;
  return request;
}

struct CadesCase {
  hsm::KeyAlgorithm key;
  bool attached;
  hsm::DigestAlgorithm digest;
};

class CadesSignatures : public ::testing::TestWithParam<CadesCase> {};

TEST_P(CadesSignatures, OpenSslVerifiesCadesBaselineB) {
  const CadesCase c = GetParam();
  TokenSigner signer(c.key);
  SystemRandom random;
  const std::string text = "Contrato de prueba " + random.hex_token(16) + "\n";
  const DocumentRequest request = cades_request(Bytes(text.begin(), text.end()), c.attached, c.digest);
  const Instant signing_time = test::now_seconds();

  auto signed_document = signer.sign(request, signing_time);
  ASSERT_TRUE(signed_document.ok()) << signed_document.error().message;
  const auto cms = write_bytes(signer.dir() / "signature.p7s", signed_document->output);
  const auto document = write_bytes(signer.dir() / "document.txt", request.content);
  const auto& ca = signer.credential().ca_pem;

  std::string output;
  EXPECT_TRUE(openssl_cades_verifies(cms, c.attached ? std::filesystem::path() : document, ca, &output)) << output;

  // The baseline B attributes and both certificates are there; the signing time is the one given.
  const std::string print = cms_print(cms);
  EXPECT_NE(print.find("contentType"), std::string::npos) << print;
  EXPECT_NE(print.find("messageDigest"), std::string::npos);
  EXPECT_NE(print.find("signingTime"), std::string::npos);
  EXPECT_NE(print.find("id-smime-aa-signingCertificateV2"), std::string::npos);
  EXPECT_NE(print.find(openssl_time(signing_time)), std::string::npos) << openssl_time(signing_time);
  EXPECT_EQ(count(print, "cert_info:"), 2u) << "the signer's certificate and its CA";

  if (c.attached) {
    // The content travels inside: changing one of its bytes there breaks the signature.
    auto at = std::search(signed_document->output.begin(), signed_document->output.end(), request.content.begin(),
                          request.content.end());
    ASSERT_NE(at, signed_document->output.end());
    const std::size_t offset = static_cast<std::size_t>(at - signed_document->output.begin()) + 5;
    const auto changed = write_bytes(signer.dir() / "changed.p7s", test::tampered(signed_document->output, offset));
    EXPECT_FALSE(openssl_cades_verifies(changed, {}, ca, &output)) << output;
  } else {
    // Detached: no content inside, and another document does not verify.
    EXPECT_EQ(std::search(signed_document->output.begin(), signed_document->output.end(), request.content.begin(),
                          request.content.end()),
              signed_document->output.end());
    EXPECT_FALSE(openssl_cades_verifies(cms, {}, ca, &output)) << output;
    const auto changed = write_bytes(signer.dir() / "changed.txt", test::tampered(request.content, 7));
    EXPECT_FALSE(openssl_cades_verifies(cms, changed, ca, &output)) << output;
  }
  // A changed signature value (the last bytes of the CMS) is refused too.
  const auto broken = write_bytes(signer.dir() / "broken.p7s",
                                  test::tampered(signed_document->output, signed_document->output.size() - 3));
  EXPECT_FALSE(openssl_cades_verifies(broken, c.attached ? std::filesystem::path() : document, ca, &output)) << output;
  EXPECT_EQ(signed_document->algorithm,
            hsm::is_rsa(c.key)
                ? (c.digest == hsm::DigestAlgorithm::sha256 ? "sha256WithRSAEncryption" : "sha384WithRSAEncryption")
                : (c.digest == hsm::DigestAlgorithm::sha256 ? "ecdsa-with-SHA256" : "ecdsa-with-SHA384"));
}

INSTANTIATE_TEST_SUITE_P(KeysAndModes, CadesSignatures,
                         ::testing::Values(CadesCase{hsm::KeyAlgorithm::ec_p256, false, hsm::DigestAlgorithm::sha256},
                                           CadesCase{hsm::KeyAlgorithm::ec_p256, true, hsm::DigestAlgorithm::sha256},
                                           CadesCase{hsm::KeyAlgorithm::rsa2048, false, hsm::DigestAlgorithm::sha256},
                                           CadesCase{hsm::KeyAlgorithm::rsa2048, true, hsm::DigestAlgorithm::sha256},
                                           CadesCase{hsm::KeyAlgorithm::ec_p256, false, hsm::DigestAlgorithm::sha384},
                                           CadesCase{hsm::KeyAlgorithm::rsa2048, true, hsm::DigestAlgorithm::sha384}),
                         [](const auto& info) {
                           return std::string(hsm::is_rsa(info.param.key) ? "rsa2048" : "p256") +
                                  (info.param.attached ? "_attached" : "_detached") +
                                  (info.param.digest == hsm::DigestAlgorithm::sha256 ? "_sha256" : "_sha384");
                         });

TEST(CadesFormat, RefusesAnEmptyDocument) {
  auto valid = validate(cades_request({}, false));
  ASSERT_FALSE(valid.ok());
  EXPECT_EQ(valid.error().code, ErrorCode::invalid_request);
}

TEST(CadesFormat, AssemblyRefusesWhatWasNotPrepared) {
  TokenSigner signer(hsm::KeyAlgorithm::ec_p256);
  const std::string text = "documento";
  const DocumentRequest request = cades_request(Bytes(text.begin(), text.end()), false);
  auto prepared = prepare(request, signer.view(), test::now_seconds());
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  const hsm::Signature signature = signer.signature_for(*prepared);

  // Another document than the one prepared.
  DocumentRequest other = request;
  other.content.push_back('!');
  auto changed = assemble(other, *prepared, signature, signer.view());
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.error().code, ErrorCode::invalid_request);

  // A DTBS/R that is not the prepared attributes' hash.
  Prepared forged = *prepared;
  forged.dtbs_digest = sha256("something else");
  auto mismatch = assemble(request, forged, signer.signature_for(forged), signer.view());
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, ErrorCode::invalid_request);

  // Another format's state.
  DocumentRequest raw;
  raw.format = Format::raw;
  raw.content = sha256("x");
  auto raw_prepared = prepare(raw, signer.view(), test::now_seconds());
  ASSERT_TRUE(raw_prepared.ok());
  Prepared foreign = *prepared;
  foreign.state = raw_prepared->state;
  auto wrong_state = assemble(request, foreign, signature, signer.view());
  ASSERT_FALSE(wrong_state.ok());
  EXPECT_EQ(wrong_state.error().code, ErrorCode::invalid_request);

  // A signature over another digest never becomes a CMS.
  Prepared elsewhere = *prepared;
  elsewhere.dtbs_digest = sha256("elsewhere");
  auto bad_signature = assemble(request, *prepared, signer.signature_for(elsewhere), signer.view());
  ASSERT_FALSE(bad_signature.ok());
  EXPECT_EQ(bad_signature.error().code, ErrorCode::internal);

  EXPECT_TRUE(assemble(request, *prepared, signature, signer.view()).ok());
}

}  // namespace
}  // namespace firma::signer
