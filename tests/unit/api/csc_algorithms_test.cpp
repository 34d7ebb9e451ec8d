// The pure parts of the CSC front: OID tables, the signAlgo/hashAlgorithmOID/signAlgoParams rules, lenient Base64
// of hashes, and the mapping of Firma's errors to CSC's.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "algorithms.h"
#include "wire.h"

namespace firma::api::csc {
namespace {

using hsm::DigestAlgorithm;
using hsm::KeyAlgorithm;
using hsm::RsaPadding;

std::string der(std::string_view hex) {
  const Bytes bytes = *from_hex(hex);
  return std::string(bytes.begin(), bytes.end());
}

// RSASSA-PSS-params: SHA-256 / MGF1-SHA-256 / salt 32 (pyHanko's), and variations of it.
const std::string kPss256 =
    "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120";
const std::string kPss256Salt20 =
    "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020114";
const std::string kPss256Mgf384 =
    "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020120";

TEST(CscAlgorithms, KeyAlgoListsExactlyWhatSignHashAccepts) {
  EXPECT_EQ(key_algorithms(KeyAlgorithm::ec_p256),
            (std::vector<std::string>{"1.2.840.10045.2.1", "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3",
                                      "1.2.840.10045.4.3.4"}));
  EXPECT_EQ(key_algorithms(KeyAlgorithm::rsa2048).back(), "1.2.840.113549.1.1.10");
  EXPECT_EQ(key_curve(KeyAlgorithm::ec_p384), "1.3.132.0.34");
  EXPECT_TRUE(key_curve(KeyAlgorithm::rsa3072).empty());
  EXPECT_EQ(key_length(KeyAlgorithm::rsa3072), 3072u);
  for (auto key : {KeyAlgorithm::ec_p256, KeyAlgorithm::rsa2048})
    for (const auto& algo : key_algorithms(key)) {
      const bool bare = algo == oid::ec_public_key || algo == oid::rsa_encryption;
      const bool pss = algo == oid::rsassa_pss;
      auto choice = choose_signature(key, algo, bare ? std::optional<std::string_view>(oid::sha256) : std::nullopt,
                                     pss ? std::optional<std::string_view>(der(kPss256)) : std::nullopt);
      EXPECT_TRUE(choice.ok()) << algo;
    }
}

TEST(CscAlgorithms, ChoosesDigestAndPadding) {
  auto v15 = choose_signature(KeyAlgorithm::rsa2048, oid::sha384_with_rsa, std::nullopt, std::nullopt);
  ASSERT_TRUE(v15.ok());
  EXPECT_EQ(v15->digest, DigestAlgorithm::sha384);
  EXPECT_EQ(v15->padding, RsaPadding::pkcs1v15);
  auto bare = choose_signature(KeyAlgorithm::rsa2048, oid::rsa_encryption, oid::sha512, std::nullopt);
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->digest, DigestAlgorithm::sha512);
  auto pss = choose_signature(KeyAlgorithm::rsa2048, oid::rsassa_pss, oid::sha256, der(kPss256));
  ASSERT_TRUE(pss.ok()) << pss.error().message;
  EXPECT_EQ(pss->digest, DigestAlgorithm::sha256);
  EXPECT_EQ(pss->padding, RsaPadding::pss);
  auto ec = choose_signature(KeyAlgorithm::ec_p256, oid::ecdsa_with_sha384, oid::sha384, std::nullopt);
  ASSERT_TRUE(ec.ok());
  EXPECT_EQ(ec->digest, DigestAlgorithm::sha384);
}

TEST(CscAlgorithms, RefusesWhatItCannotSignAsAsked) {
  struct Case {
    KeyAlgorithm key;
    std::string_view algo;
    std::optional<std::string_view> hash;
    std::optional<std::string> params;
    const char* why;
  };
  const std::vector<Case> cases = {
      {KeyAlgorithm::ec_p256, oid::sha256_with_rsa, std::nullopt, std::nullopt, "an RSA algorithm for an EC key"},
      {KeyAlgorithm::rsa2048, oid::ecdsa_with_sha256, std::nullopt, std::nullopt, "an EC algorithm for an RSA key"},
      {KeyAlgorithm::rsa2048, "1.2.840.113549.1.1.5", std::nullopt, std::nullopt, "SHA-1 with RSA"},
      {KeyAlgorithm::rsa2048, oid::sha256_with_rsa, oid::sha384, std::nullopt, "contradicting hash"},
      {KeyAlgorithm::ec_p256, oid::ecdsa_with_sha512, oid::sha256, std::nullopt, "contradicting hash (EC)"},
      {KeyAlgorithm::rsa2048, oid::rsa_encryption, std::nullopt, std::nullopt, "the bare key OID without a hash"},
      {KeyAlgorithm::ec_p256, oid::ec_public_key, "1.3.14.3.2.26", std::nullopt, "SHA-1 named"},
      {KeyAlgorithm::rsa2048, oid::rsassa_pss, std::nullopt, std::nullopt, "PSS without parameters"},
      {KeyAlgorithm::rsa2048, oid::rsassa_pss, std::nullopt, der("3000"), "PSS with the SHA-1 defaults"},
      {KeyAlgorithm::rsa2048, oid::rsassa_pss, std::nullopt, der(kPss256Salt20), "PSS with a 20-byte salt"},
      {KeyAlgorithm::rsa2048, oid::rsassa_pss, std::nullopt, der(kPss256Mgf384), "MGF1 over another hash"},
      {KeyAlgorithm::rsa2048, oid::rsassa_pss, oid::sha384, der(kPss256), "PSS hash contradicting hashAlgorithmOID"},
      {KeyAlgorithm::rsa2048, oid::rsassa_pss, std::nullopt, std::string("\x30\x34garbage", 9), "not DER"},
  };
  for (const Case& c : cases) {
    const auto params = c.params ? std::optional<std::string_view>(*c.params) : std::nullopt;
    auto choice = choose_signature(c.key, c.algo, c.hash, params);
    ASSERT_FALSE(choice.ok()) << c.why;
    EXPECT_EQ(choice.error().code, ErrorCode::invalid_request) << c.why;
  }
}

TEST(CscAlgorithms, DigestLengthsAndOids) {
  EXPECT_EQ(digest_of_length(32), DigestAlgorithm::sha256);
  EXPECT_EQ(digest_of_length(48), DigestAlgorithm::sha384);
  EXPECT_EQ(digest_of_length(64), DigestAlgorithm::sha512);
  EXPECT_FALSE(digest_of_length(20));
  EXPECT_FALSE(digest_of_length(0));
  for (auto d : {DigestAlgorithm::sha256, DigestAlgorithm::sha384, DigestAlgorithm::sha512})
    EXPECT_EQ(digest_of_oid(oid_of(d)), d);
}

TEST(CscAlgorithms, HashesDecodeFromEitherAlphabetWithOrWithoutPadding) {
  const Bytes bytes = {0xfb, 0xff, 0xfe, 0x01};
  for (const std::string text : {"+//+AQ==", "-__-AQ", "-__-AQ==", "%2B%2F%2F%2BAQ%3D%3D", "+//+AQ"})
    EXPECT_EQ(decode_hash(text), bytes) << text;
  for (const std::string text : {"+//+A", "not base64!", "+//+AQ=x"}) EXPECT_FALSE(decode_hash(text)) << text;
}

TEST(CscWire, FirmaErrorsInCscWords) {
  auto body = [](const Response& r) { return nlohmann::json::parse(r.body); };
  const auto v1_pin = from_error(make_error(ErrorCode::invalid_credentials, "x"), Version::v1, Step::authorize);
  EXPECT_EQ(v1_pin.status, 400);
  EXPECT_EQ(body(v1_pin)["error"], "invalid_pin");
  EXPECT_EQ(body(from_error(make_error(ErrorCode::invalid_credentials, "x"), Version::v2))["error"],
            "invalid_authentication_data");
  EXPECT_EQ(body(from_error(make_error(ErrorCode::otp_invalid, "x"), Version::v1))["error"], "invalid_otp");
  EXPECT_EQ(body(from_error(make_error(ErrorCode::account_locked, "x"), Version::v2))["error_description"],
            "Credential locked");
  EXPECT_EQ(body(from_error(make_error(ErrorCode::invalid_credentials, "x"), Version::v1, Step::login))["error"],
            "authentication_error");
  const auto bearer = from_error(make_error(ErrorCode::unauthorized, "x"), Version::v2);
  EXPECT_EQ(bearer.status, 401);
  EXPECT_EQ(body(bearer)["error"], "invalid_token");
  EXPECT_EQ(from_error(make_error(ErrorCode::rate_limited, "x"), Version::v2).status, 429);
  EXPECT_EQ(body(from_error(make_error(ErrorCode::forbidden, "signature refused: entry not authorised by the SAD"),
                            Version::v1))["error_description"],
            "Hash is not authorized by the SAD");
  const auto internal = from_error(make_error(ErrorCode::internal, "secret detail"), Version::v1);
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(body(internal)["error_description"], "internal error");
  EXPECT_EQ(internal.content_type, "application/json");
}

}  // namespace
}  // namespace firma::api::csc
