// The Botan adapter: certificates and CRLs signed on the token, checked by OpenSSL, stored as certificate objects.
#include "hsm/botan_key.h"

#include <botan/auto_rng.h>
#include <botan/pkcs10.h>
#include <botan/x509_ca.h>
#include <botan/x509self.h>
#include <gtest/gtest.h>

#include "hsm/token.h"
#include "hsm_test_util.h"
#include "support/softhsm_token.h"

namespace firma::hsm {
namespace {

using testing::SoftHsmToken;

struct CertCase {
  KeyAlgorithm key;
  const char* hash;
  const char* padding;  // "" for Botan's default
};

Botan::X509_Certificate self_signed(Botan::Private_Key& key, const CertCase& c, Botan::RandomNumberGenerator& rng) {
  Botan::X509_Cert_Options opts("Firma Test CA/ES/Firma/Testing", 3600);
  opts.CA_key();
  if (*c.padding != '\0') opts.set_padding_scheme(c.padding);
  return Botan::X509::create_self_signed_cert(opts, key, c.hash, rng);
}

class HsmBotanKey : public ::testing::TestWithParam<CertCase> {};

TEST_P(HsmBotanKey, IssuesACertificateAndACrlThatOpenSslAccepts) {
  const CertCase c = GetParam();
  SoftHsmToken hsm;
  const KeyId id("ca-key");
  ASSERT_TRUE(hsm.token().generate_key_pair(id, c.key, KeyPurpose::certificate_authority, "ca").ok());
  auto key = botan_private_key(hsm.token(), id, KeyPurpose::certificate_authority);
  ASSERT_TRUE(key.ok()) << key.error().message;

  Botan::AutoSeeded_RNG rng;
  Botan::X509_Certificate cert = self_signed(**key, c, rng);
  const Bytes der = cert.BER_encode();
  EXPECT_TRUE(testing::openssl_self_signed_ok(der));

  // Store, read back, and check with the openssl command as an operator would.
  ASSERT_TRUE(hsm.token().store_certificate(id, der, "ca-cert").ok());
  auto stored = hsm.token().certificate(id);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(*stored, der);
  const auto pem_path = hsm.dir().path() / "ca.pem";
  testing::write_file(pem_path, cert.PEM_encode());
  int status = -1;
  const std::string out = testing::run_command(
      "openssl verify -x509_strict -CAfile " + pem_path.string() + " " + pem_path.string() + " 2>&1", &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find(": OK"), std::string::npos) << out;

  // X509_CA over the same key: a CRL signed on the token.
  Botan::X509_CA ca(cert, **key, c.hash, rng);
  Botan::X509_CRL crl = ca.new_crl(rng);
  EXPECT_TRUE(testing::openssl_crl_signed_by(crl.BER_encode(), der));

  // And a leaf certificate from a PKCS#10 request of another token key.
  const KeyId leaf_id("leaf");
  ASSERT_TRUE(
      hsm.token().generate_key_pair(leaf_id, KeyAlgorithm::ec_p256, KeyPurpose::certificate_authority, "leaf").ok());
  auto leaf_key = botan_private_key(hsm.token(), leaf_id, KeyPurpose::certificate_authority);
  ASSERT_TRUE(leaf_key.ok());
  Botan::X509_Cert_Options leaf_opts("12345678Z/ES/Firma/Citizens");
  Botan::PKCS10_Request request = Botan::X509::create_cert_req(leaf_opts, **leaf_key, "SHA-256", rng);
  Botan::X509_Certificate leaf =
      // A minute back: openssl must not see a notBefore a second ahead of its clock ("not yet valid").
      ca.sign_request(request, rng, Botan::X509_Time(std::chrono::system_clock::now() - std::chrono::minutes(1)),
                      Botan::X509_Time(std::chrono::system_clock::now() + std::chrono::hours(24)));
  const auto leaf_path = hsm.dir().path() / "leaf.pem";
  testing::write_file(leaf_path, leaf.PEM_encode());
  const std::string leaf_out = testing::run_command(
      "openssl verify -x509_strict -CAfile " + pem_path.string() + " " + leaf_path.string() + " 2>&1", &status);
  EXPECT_EQ(status, 0) << leaf_out;
  ASSERT_TRUE(hsm.token().store_certificate(leaf_id, leaf.BER_encode(), "leaf-cert").ok());

  auto inventory = hsm.token().inventory();
  ASSERT_TRUE(inventory.ok());
  ASSERT_EQ(inventory->size(), 2u);
  EXPECT_TRUE((*inventory)[0].has_certificate);
  EXPECT_TRUE((*inventory)[1].has_certificate);
}

INSTANTIATE_TEST_SUITE_P(Keys, HsmBotanKey,
                         ::testing::Values(CertCase{KeyAlgorithm::rsa2048, "SHA-256", ""},
                                           CertCase{KeyAlgorithm::rsa3072, "SHA-384", ""},
                                           CertCase{KeyAlgorithm::rsa2048, "SHA-256", "EMSA4(SHA-256)"},
                                           CertCase{KeyAlgorithm::ec_p256, "SHA-256", ""},
                                           CertCase{KeyAlgorithm::ec_p384, "SHA-384", ""}),
                         [](const auto& info) {
                           std::string name = std::string(to_string(info.param.key)) + "_" + info.param.hash +
                                              (*info.param.padding ? "_pss" : "");
                           std::erase(name, '-');
                           return name;
                         });

TEST(HsmCertificates, ACertificateForAnotherKeyIsRefused) {
  SoftHsmToken hsm;
  ASSERT_TRUE(
      hsm.token().generate_key_pair(KeyId("a"), KeyAlgorithm::ec_p256, KeyPurpose::certificate_authority, "a").ok());
  ASSERT_TRUE(
      hsm.token().generate_key_pair(KeyId("b"), KeyAlgorithm::ec_p256, KeyPurpose::certificate_authority, "b").ok());
  auto key_a = botan_private_key(hsm.token(), KeyId("a"), KeyPurpose::certificate_authority);
  ASSERT_TRUE(key_a.ok());
  Botan::AutoSeeded_RNG rng;
  Bytes cert_a = self_signed(**key_a, {KeyAlgorithm::ec_p256, "SHA-256", ""}, rng).BER_encode();

  Status st = hsm.token().store_certificate(KeyId("b"), cert_a, "wrong");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::invalid_request);
  EXPECT_EQ(hsm.token().certificate(KeyId("b")).error().code, ErrorCode::not_found);

  EXPECT_EQ(hsm.token().store_certificate(KeyId("a"), Bytes{0x30, 0x03, 0x02, 0x01, 0x01}, "junk").error().code,
            ErrorCode::invalid_request);
  EXPECT_EQ(hsm.token().store_certificate(KeyId("zzz"), cert_a, "none").error().code, ErrorCode::not_found);
}

TEST(HsmCertificates, StoringAgainReplacesTheCertificateAndDestroyRemovesIt) {
  SoftHsmToken hsm;
  const KeyId id("renewed");
  ASSERT_TRUE(
      hsm.token().generate_key_pair(id, KeyAlgorithm::ec_p256, KeyPurpose::certificate_authority, "renewed").ok());
  auto key = botan_private_key(hsm.token(), id, KeyPurpose::certificate_authority);
  ASSERT_TRUE(key.ok());
  Botan::AutoSeeded_RNG rng;
  Bytes first = self_signed(**key, {KeyAlgorithm::ec_p256, "SHA-256", ""}, rng).BER_encode();
  Bytes second = self_signed(**key, {KeyAlgorithm::ec_p256, "SHA-256", ""}, rng).BER_encode();
  ASSERT_NE(first, second);
  ASSERT_TRUE(hsm.token().store_certificate(id, first, "c").ok());
  ASSERT_TRUE(hsm.token().store_certificate(id, second, "c").ok());
  EXPECT_EQ(hsm.token().certificate(id).value(), second);

  testing::RawModule raw(hsm.module_path());
  CK_SESSION_HANDLE s = raw.open_session(hsm.label());
  EXPECT_EQ(raw.find(s, id.str(), CKO_CERTIFICATE).size(), 1u);
  ASSERT_TRUE(hsm.token().destroy_key(id).ok());
  EXPECT_TRUE(raw.find(s, id.str(), CK_UNAVAILABLE_INFORMATION).empty());
  raw.f().C_CloseSession(s);

  // A restarted token still finds a stored certificate through its scan.
  ASSERT_TRUE(hsm.token()
                  .generate_key_pair(KeyId("kept"), KeyAlgorithm::ec_p256, KeyPurpose::certificate_authority, "kept")
                  .ok());
  auto kept_key = botan_private_key(hsm.token(), KeyId("kept"), KeyPurpose::certificate_authority);
  ASSERT_TRUE(kept_key.ok());
  Bytes kept_cert = self_signed(**kept_key, {KeyAlgorithm::ec_p256, "SHA-256", ""}, rng).BER_encode();
  ASSERT_TRUE(hsm.token().store_certificate(KeyId("kept"), kept_cert, "kept").ok());
  kept_key->reset();
  EXPECT_EQ(hsm.reopen().certificate(KeyId("kept")).value(), kept_cert);
}

TEST(HsmBotanKey, ARefusedSignatureSurfacesTheTokenError) {
  SoftHsmToken hsm;
  const KeyId id("short-lived");
  ASSERT_TRUE(hsm.token().generate_key_pair(id, KeyAlgorithm::ec_p256, KeyPurpose::certificate_authority, "x").ok());
  auto key = botan_private_key(hsm.token(), id, KeyPurpose::certificate_authority);
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(hsm.token().destroy_key(id).ok());
  Botan::AutoSeeded_RNG rng;
  try {
    self_signed(**key, {KeyAlgorithm::ec_p256, "SHA-256", ""}, rng);
    FAIL() << "signing with a destroyed key succeeded";
  } catch (const TokenSigningError& e) {
    EXPECT_EQ(e.error().code, ErrorCode::not_found);
  }
}

TEST(HsmBotanKey, ThePrivateKeyIsNeverExported) {
  SoftHsmToken hsm;
  ASSERT_TRUE(
      hsm.token().generate_key_pair(KeyId("k"), KeyAlgorithm::rsa2048, KeyPurpose::certificate_authority, "k").ok());
  auto key = botan_private_key(hsm.token(), KeyId("k"), KeyPurpose::certificate_authority);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ((*key)->algo_name(), "RSA");
  EXPECT_THROW((*key)->private_key_bits(), Botan::Not_Implemented);
  EXPECT_EQ(botan_private_key(hsm.token(), KeyId("none"), KeyPurpose::certificate_authority).error().code,
            ErrorCode::not_found);
}

}  // namespace
}  // namespace firma::hsm
