// raw: digests signed on a SoftHSM2 token, each signature checked by `openssl pkeyutl -verify`.
#include <gtest/gtest.h>

#include <string>

#include "cades_support.h"
#include "core/random.h"
#include "signer/formats.h"

namespace firma::signer {
namespace {

using test::quoted;
using test::run;
using test::TokenSigner;
using test::write_bytes;

struct RawCase {
  hsm::KeyAlgorithm key;
  hsm::DigestAlgorithm digest;
  const char* algorithm_name;
  const char* openssl_digest;
  hsm::RsaPadding padding = hsm::RsaPadding::pkcs1v15;
};

Bytes digest_of(hsm::DigestAlgorithm d, std::string_view text) {
  switch (d) {
    case hsm::DigestAlgorithm::sha256: return sha256(as_bytes(text));
    case hsm::DigestAlgorithm::sha384: return sha384(as_bytes(text));
    case hsm::DigestAlgorithm::sha512: return sha512(as_bytes(text));
  }
  return {};
}

class RawSignatures : public ::testing::TestWithParam<RawCase> {};

// `openssl pkeyutl -verify` with the signer's certificate: exit 0 and "Signature Verified Successfully".
bool pkeyutl_verifies(const TokenSigner& signer, const RawCase& c, const Bytes& digest, const Bytes& signature) {
  const auto digest_file = write_bytes(signer.dir() / "digest.bin", digest);
  const auto signature_file = write_bytes(signer.dir() / "signature.bin", signature);
  auto result =
      run("openssl pkeyutl -verify -certin -inkey " + quoted(signer.credential().cert_pem) + " -in " +
          quoted(digest_file) + " -sigfile " + quoted(signature_file) + " -pkeyopt digest:" + c.openssl_digest +
          (hsm::is_rsa(c.key) && c.padding == hsm::RsaPadding::pss
               ? " -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:digest"
               : ""));
  return result.status == 0 && result.output.find("Signature Verified Successfully") != std::string::npos;
}

TEST_P(RawSignatures, OpenSslVerifiesTheSignatureOverTheGivenDigest) {
  const RawCase c = GetParam();
  TokenSigner signer(c.key);
  SystemRandom random;
  DocumentRequest request;
  request.format = Format::raw;
  request.digest_algorithm = c.digest;
  request.content = digest_of(c.digest, random.hex_token(16));
  request.padding = c.padding;

  auto signed_digest = signer.sign(request, test::now_seconds());
  ASSERT_TRUE(signed_digest.ok()) << signed_digest.error().message;
  EXPECT_EQ(signed_digest->algorithm, c.algorithm_name);
  if (hsm::is_rsa(c.key)) {
    EXPECT_EQ(signed_digest->output.size(), hsm::signature_size(c.key));
  } else {
    EXPECT_EQ(signed_digest->output.at(0), 0x30) << "ECDSA signatures are DER";
  }
  EXPECT_TRUE(pkeyutl_verifies(signer, c, request.content, signed_digest->output));
  // Another digest (one bit changed) and a changed signature are refused by the same command.
  EXPECT_FALSE(pkeyutl_verifies(signer, c, test::tampered(request.content, 3), signed_digest->output));
  EXPECT_FALSE(pkeyutl_verifies(signer, c, request.content,
                                test::tampered(signed_digest->output, signed_digest->output.size() - 2)));
}

INSTANTIATE_TEST_SUITE_P(
    Keys, RawSignatures,
    ::testing::Values(
        RawCase{hsm::KeyAlgorithm::ec_p256, hsm::DigestAlgorithm::sha256, "ecdsa-with-SHA256", "sha256"},
        RawCase{hsm::KeyAlgorithm::ec_p256, hsm::DigestAlgorithm::sha512, "ecdsa-with-SHA512", "sha512"},
        RawCase{hsm::KeyAlgorithm::rsa2048, hsm::DigestAlgorithm::sha256, "sha256WithRSAEncryption", "sha256"},
        RawCase{hsm::KeyAlgorithm::rsa2048, hsm::DigestAlgorithm::sha384, "sha384WithRSAEncryption", "sha384"},
        RawCase{hsm::KeyAlgorithm::rsa2048, hsm::DigestAlgorithm::sha256, "RSASSA-PSS-SHA256", "sha256",
                hsm::RsaPadding::pss},
        RawCase{hsm::KeyAlgorithm::rsa2048, hsm::DigestAlgorithm::sha512, "RSASSA-PSS-SHA512", "sha512",
                hsm::RsaPadding::pss}),
    [](const auto& info) {
      return std::string(hsm::is_rsa(info.param.key) ? "rsa2048_" : "p256_") + info.param.openssl_digest +
             (info.param.padding == hsm::RsaPadding::pss ? "_pss" : "");
    });

TEST(RawFormat, RefusesADigestOfTheWrongLength) {
  const CredentialView nobody{};
  for (auto [algorithm, length] :
       {std::pair{hsm::DigestAlgorithm::sha256, 31}, std::pair{hsm::DigestAlgorithm::sha256, 48},
        std::pair{hsm::DigestAlgorithm::sha384, 32}, std::pair{hsm::DigestAlgorithm::sha512, 0}}) {
    DocumentRequest request;
    request.format = Format::raw;
    request.digest_algorithm = algorithm;
    request.content = Bytes(static_cast<std::size_t>(length), 0x5a);
    auto valid = validate(request);
    ASSERT_FALSE(valid.ok()) << length;
    EXPECT_EQ(valid.error().code, ErrorCode::invalid_request);
    EXPECT_NE(valid.error().message.find("bytes"), std::string::npos) << valid.error().message;
    auto prepared = prepare(request, nobody, test::now_seconds());
    ASSERT_FALSE(prepared.ok());
    EXPECT_EQ(prepared.error().code, ErrorCode::invalid_request);
  }
  DocumentRequest right;
  right.format = Format::raw;
  right.digest_algorithm = hsm::DigestAlgorithm::sha384;
  right.content = Bytes(48, 0x5a);
  EXPECT_TRUE(validate(right).ok());
}

// ECDSA has no padding: an EC key asked for PSS once signed without it. The key is known at preparation, before
// any OTP is sent for the digest.
TEST(RawFormat, PssWithAnEcKeyIsRefusedAtPreparation) {
  DocumentRequest request;
  request.format = Format::raw;
  request.content = sha256("the digest the citizen would confirm");
  request.padding = hsm::RsaPadding::pss;
  for (auto key : {hsm::KeyAlgorithm::ec_p256, hsm::KeyAlgorithm::ec_p384}) {
    auto prepared = prepare(request, CredentialView{{}, {}, key}, test::now_seconds());
    ASSERT_FALSE(prepared.ok()) << hsm::to_string(key);
    EXPECT_EQ(prepared.error().code, ErrorCode::invalid_request);
    EXPECT_NE(prepared.error().message.find("pss"), std::string::npos) << prepared.error().message;
  }
  EXPECT_TRUE(prepare(request, CredentialView{{}, {}, hsm::KeyAlgorithm::rsa2048}, test::now_seconds()).ok());
  request.padding = hsm::RsaPadding::pkcs1v15;
  EXPECT_TRUE(prepare(request, CredentialView{{}, {}, hsm::KeyAlgorithm::ec_p256}, test::now_seconds()).ok());
}

TEST(RawFormat, NeverReturnsASignatureThatDoesNotVerify) {
  TokenSigner signer(hsm::KeyAlgorithm::ec_p256);
  DocumentRequest request;
  request.format = Format::raw;
  request.content = sha256("the digest the citizen confirmed");
  auto prepared = prepare(request, signer.view(), test::now_seconds());
  ASSERT_TRUE(prepared.ok());
  Prepared other = *prepared;
  other.dtbs_digest = sha256("another digest");
  const hsm::Signature wrong = signer.signature_for(other);

  auto assembled = assemble(request, *prepared, wrong, signer.view());
  ASSERT_FALSE(assembled.ok());
  EXPECT_EQ(assembled.error().code, ErrorCode::internal);
  EXPECT_TRUE(assemble(request, *prepared, signer.signature_for(*prepared), signer.view()).ok());
}

}  // namespace
}  // namespace firma::signer
