// Algorithm spellings and sizes, DigestInfo and the ECDSA DER encoding, without a token.
#include "hsm/algorithms.h"

#include <gtest/gtest.h>

#include "core/random.h"
#include "hsm_test_util.h"
#include "signing.h"

namespace firma::hsm {
namespace {

TEST(HsmAlgorithms, KeyAlgorithmSpellingsRoundTrip) {
  for (KeyAlgorithm a : {KeyAlgorithm::rsa2048, KeyAlgorithm::rsa3072, KeyAlgorithm::ec_p256, KeyAlgorithm::ec_p384}) {
    auto parsed = parse_key_algorithm(to_string(a));
    ASSERT_TRUE(parsed.has_value()) << to_string(a);
    EXPECT_EQ(*parsed, a);
  }
  EXPECT_EQ(to_string(KeyAlgorithm::ec_p256), "ec-p256");
  EXPECT_EQ(to_string(KeyAlgorithm::rsa3072), "rsa-3072");
  for (const char* bad : {"", "rsa", "RSA-2048", "ec-p521", "rsa-2048 "}) EXPECT_FALSE(parse_key_algorithm(bad)) << bad;
}

TEST(HsmAlgorithms, DigestSpellingsAndSizes) {
  EXPECT_EQ(digest_size(DigestAlgorithm::sha256), 32u);
  EXPECT_EQ(digest_size(DigestAlgorithm::sha384), 48u);
  EXPECT_EQ(digest_size(DigestAlgorithm::sha512), 64u);
  for (DigestAlgorithm d : {DigestAlgorithm::sha256, DigestAlgorithm::sha384, DigestAlgorithm::sha512}) {
    EXPECT_EQ(parse_digest_algorithm(to_string(d)), d);
  }
  EXPECT_FALSE(parse_digest_algorithm("sha-1"));
}

TEST(HsmAlgorithms, DigestInfoWrapsTheDigestInAnOctetString) {
  Bytes digest = sha384(as_bytes("firma"));
  Bytes info = signing::digest_info(DigestAlgorithm::sha384, digest);
  ASSERT_EQ(info.size(), 19u + 48u);
  EXPECT_EQ(info[0], 0x30);             // SEQUENCE
  EXPECT_EQ(info[1], info.size() - 2);  // covering the rest
  EXPECT_EQ(info[17], 0x04);            // OCTET STRING
  EXPECT_EQ(info[18], 48);              // of the digest's length
  EXPECT_TRUE(std::equal(digest.begin(), digest.end(), info.begin() + 19));
}

// Our DER of r || s must be byte for byte what OpenSSL produces, including integers with the top bit set
// (a 0x00 is prepended) and with leading zero bytes (stripped).
TEST(HsmAlgorithms, EcdsaDerMatchesOpenSsl) {
  SystemRandom random;
  std::vector<Bytes> cases;
  for (int i = 0; i < 50; ++i) cases.push_back(random.bytes(i % 2 ? 64 : 96));
  Bytes high(64, 0xff);
  cases.push_back(high);
  Bytes leading_zeros = random.bytes(64);
  leading_zeros[0] = 0;
  leading_zeros[1] = 0;
  leading_zeros[32] = 0;
  leading_zeros[33] = 0x01;
  cases.push_back(leading_zeros);
  for (const Bytes& raw : cases) {
    EXPECT_EQ(signing::ecdsa_raw_to_der(raw), testing::openssl_ecdsa_der(raw)) << to_hex(raw);
  }
  EXPECT_TRUE(signing::ecdsa_raw_to_der(Bytes(63, 1)).empty());
  EXPECT_TRUE(signing::ecdsa_raw_to_der(Bytes{}).empty());
}

}  // namespace
}  // namespace firma::hsm
