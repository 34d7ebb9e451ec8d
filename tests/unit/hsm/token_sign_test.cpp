// Digest signatures from a real SoftHSM2 token, each one verified by OpenSSL.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/metrics.h"
#include "core/random.h"
#include "hsm/token.h"
#include "hsm_test_util.h"
#include "support/softhsm_token.h"

namespace firma::hsm {
namespace {

using testing::SoftHsmToken;

Bytes digest_of(DigestAlgorithm d, std::string_view text) {
  switch (d) {
    case DigestAlgorithm::sha256: return sha256(as_bytes(text));
    case DigestAlgorithm::sha384: return sha384(as_bytes(text));
    case DigestAlgorithm::sha512: return sha512(as_bytes(text));
  }
  return {};
}

struct SignCase {
  KeyAlgorithm key;
  DigestAlgorithm digest;
  RsaPadding padding;
};

std::string case_name(const ::testing::TestParamInfo<SignCase>& info) {
  std::string name = std::string(to_string(info.param.key)) + "_" + std::string(to_string(info.param.digest));
  if (is_rsa(info.param.key)) name += info.param.padding == RsaPadding::pss ? "_pss" : "_pkcs1";
  std::erase(name, '-');
  return name;
}

class HsmSignatures : public ::testing::TestWithParam<SignCase> {};

TEST_P(HsmSignatures, OpenSslVerifiesTheSignature) {
  const SignCase c = GetParam();
  SoftHsmToken hsm;
  const KeyId id("signer");
  auto spki = hsm.token().generate_key_pair(id, c.key, KeyPurpose::citizen_signing, "signer");
  ASSERT_TRUE(spki.ok()) << spki.error().message;

  SystemRandom random;
  const std::string message = random.hex_token(32);
  const Bytes digest = digest_of(c.digest, message);
  auto sig = hsm.token().sign_digest(id, c.digest, digest, c.padding);
  ASSERT_TRUE(sig.ok()) << sig.error().message;

  EXPECT_TRUE(testing::openssl_verifies(*spki, c.digest, digest, sig->der, c.padding));
  EXPECT_EQ(sig->raw.size(), signature_size(c.key));
  if (is_ec(c.key)) {
    EXPECT_EQ(sig->der, testing::openssl_ecdsa_der(sig->raw));
  } else {
    EXPECT_EQ(sig->der, sig->raw);
  }
  // A signature over another digest does not verify: the check above is not vacuous.
  const Bytes other = digest_of(c.digest, message + ".");
  EXPECT_FALSE(testing::openssl_verifies(*spki, c.digest, other, sig->der, c.padding));
  if (is_rsa(c.key)) {
    // Nor under the other padding.
    const RsaPadding wrong = c.padding == RsaPadding::pss ? RsaPadding::pkcs1v15 : RsaPadding::pss;
    EXPECT_FALSE(testing::openssl_verifies(*spki, c.digest, digest, sig->der, wrong));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Schemes, HsmSignatures,
    ::testing::Values(SignCase{KeyAlgorithm::rsa2048, DigestAlgorithm::sha256, RsaPadding::pkcs1v15},
                      SignCase{KeyAlgorithm::rsa2048, DigestAlgorithm::sha384, RsaPadding::pkcs1v15},
                      SignCase{KeyAlgorithm::rsa2048, DigestAlgorithm::sha512, RsaPadding::pkcs1v15},
                      SignCase{KeyAlgorithm::rsa2048, DigestAlgorithm::sha256, RsaPadding::pss},
                      SignCase{KeyAlgorithm::rsa2048, DigestAlgorithm::sha512, RsaPadding::pss},
                      SignCase{KeyAlgorithm::rsa3072, DigestAlgorithm::sha384, RsaPadding::pkcs1v15},
                      SignCase{KeyAlgorithm::rsa3072, DigestAlgorithm::sha384, RsaPadding::pss},
                      SignCase{KeyAlgorithm::ec_p256, DigestAlgorithm::sha256, RsaPadding::pkcs1v15},
                      SignCase{KeyAlgorithm::ec_p256, DigestAlgorithm::sha384, RsaPadding::pkcs1v15},
                      SignCase{KeyAlgorithm::ec_p384, DigestAlgorithm::sha384, RsaPadding::pkcs1v15},
                      SignCase{KeyAlgorithm::ec_p384, DigestAlgorithm::sha512, RsaPadding::pkcs1v15}),
    case_name);

TEST(HsmSign, ADigestOfTheWrongLengthIsRefused) {
  SoftHsmToken hsm;
  const KeyId id("k");
  ASSERT_TRUE(hsm.token().generate_key_pair(id, KeyAlgorithm::ec_p256, KeyPurpose::citizen_signing, "k").ok());
  for (std::size_t length : {0u, 20u, 31u, 33u, 48u, 64u}) {
    Bytes digest(length, 0x5a);
    auto sig = hsm.token().sign_digest(id, DigestAlgorithm::sha256, digest);
    ASSERT_FALSE(sig.ok()) << length;
    EXPECT_EQ(sig.error().code, ErrorCode::invalid_request);
    EXPECT_NE(sig.error().message.find("32 bytes"), std::string::npos) << sig.error().message;
  }
  EXPECT_FALSE(hsm.token().sign_digest(id, DigestAlgorithm::sha384, Bytes(32, 1)).ok());
}

TEST(HsmSign, AnUnknownKeyIsNotFound) {
  SoftHsmToken hsm;
  auto sig = hsm.token().sign_digest(KeyId("nobody"), DigestAlgorithm::sha256, sha256(as_bytes("x")));
  ASSERT_FALSE(sig.ok());
  EXPECT_EQ(sig.error().code, ErrorCode::not_found);
}

TEST(HsmSign, CountsOperationsAndErrorsInTheMetrics) {
  SoftHsmToken hsm;
  auto& operations = metrics::counter("firma_hsm_operations_total", "", {{"op", "sign"}});
  auto& errors = metrics::counter("firma_hsm_errors_total", "", {{"op", "sign"}});
  const auto ops_before = operations.value(), errors_before = errors.value();
  ASSERT_TRUE(hsm.token().generate_key_pair(KeyId("m"), KeyAlgorithm::ec_p256, KeyPurpose::citizen_signing, "m").ok());
  ASSERT_TRUE(hsm.token().sign_digest(KeyId("m"), DigestAlgorithm::sha256, sha256(as_bytes("a"))).ok());
  ASSERT_FALSE(hsm.token().sign_digest(KeyId("m"), DigestAlgorithm::sha256, Bytes(3, 0)).ok());
  EXPECT_EQ(operations.value() - ops_before, 2u);
  EXPECT_EQ(errors.value() - errors_before, 1u);
  const std::string text = metrics::render_prometheus();
  EXPECT_NE(text.find("firma_hsm_operation_seconds_count{op=\"sign\"} 2"), std::string::npos) << text;
}

TEST(HsmSign, ManyThreadsSignConcurrentlyThroughASmallPool) {
  SoftHsmToken hsm(2);  // fewer sessions than threads: callers wait their turn
  const KeyId ec("ec"), rsa("rsa");
  auto ec_spki = hsm.token().generate_key_pair(ec, KeyAlgorithm::ec_p256, KeyPurpose::citizen_signing, "ec");
  auto rsa_spki = hsm.token().generate_key_pair(rsa, KeyAlgorithm::rsa2048, KeyPurpose::citizen_signing, "rsa");
  ASSERT_TRUE(ec_spki.ok() && rsa_spki.ok());

  constexpr int kThreads = 6, kEach = 20;
  std::atomic<int> verified{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const bool use_ec = (t + i) % 2 == 0;
        const Bytes digest = sha256(as_bytes("thread " + std::to_string(t) + " message " + std::to_string(i)));
        const RsaPadding padding = i % 3 == 0 ? RsaPadding::pss : RsaPadding::pkcs1v15;
        auto sig = hsm.token().sign_digest(use_ec ? ec : rsa, DigestAlgorithm::sha256, digest, padding);
        if (sig.ok() && testing::openssl_verifies(use_ec ? *ec_spki : *rsa_spki, DigestAlgorithm::sha256, digest,
                                                  sig->der, padding)) {
          ++verified;
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(verified.load(), kThreads * kEach);
}

}  // namespace
}  // namespace firma::hsm
