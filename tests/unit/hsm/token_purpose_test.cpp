// Key purposes on a real SoftHSM2 token: recorded at generation, read back through PKCS#11, checked by each
// signing path, and given to keys made before purposes were recorded.
#include <botan/auto_rng.h>
#include <botan/x509self.h>
#include <gtest/gtest.h>

#include <string>

#include "core/encoding.h"
#include "hsm/botan_key.h"
#include "hsm/token.h"
#include "hsm_test_util.h"
#include "support/softhsm_token.h"

namespace firma::hsm {
namespace {

using testing::SoftHsmToken;

const Bytes kDigest = sha256("purpose");

// One object's attribute read behind the layer's back.
Bytes raw_attribute(testing::RawModule& raw, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  if (raw.f().C_GetAttributeValue(s, object, &a, 1) != CKR_OK) return {};
  Bytes value(a.ulValueLen);
  a.pValue = value.data();
  if (raw.f().C_GetAttributeValue(s, object, &a, 1) != CKR_OK) return {};
  return value;
}

std::string text(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

// The private key of `id`, found on a session of our own.
CK_OBJECT_HANDLE private_key(testing::RawModule& raw, CK_SESSION_HANDLE s, const KeyId& id) {
  auto found = raw.find(s, id.str(), CKO_PRIVATE_KEY);
  return found.size() == 1 ? found.front() : CK_INVALID_HANDLE;
}

// An EC P-256 key pair as Firma made them before purposes were recorded (or as another tool makes one): the
// label is only a name, and the objects are modifiable.
void make_key_without_purpose(testing::RawModule& raw, CK_SESSION_HANDLE s, const KeyId& id, const std::string& label) {
  static const CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  std::string id_bytes = id.str(), name = label;
  CK_ATTRIBUTE public_half[] = {{CKA_TOKEN, &yes, 1},
                                {CKA_VERIFY, &yes, 1},
                                {CKA_EC_PARAMS, const_cast<CK_BYTE*>(p256), sizeof p256},
                                {CKA_ID, id_bytes.data(), id_bytes.size()},
                                {CKA_LABEL, name.data(), name.size()}};
  CK_ATTRIBUTE private_half[] = {{CKA_TOKEN, &yes, 1},
                                 {CKA_PRIVATE, &yes, 1},
                                 {CKA_SENSITIVE, &yes, 1},
                                 {CKA_EXTRACTABLE, &no, 1},
                                 {CKA_SIGN, &yes, 1},
                                 {CKA_ID, id_bytes.data(), id_bytes.size()},
                                 {CKA_LABEL, name.data(), name.size()}};
  CK_MECHANISM mechanism{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  ASSERT_EQ(raw.f().C_GenerateKeyPair(s, &mechanism, public_half, 5, private_half, 7, &pub, &priv), CKR_OK);
}

TEST(HsmKeyPurpose, ThePurposeIsWrittenOnTheTokenAndCannotBeRewritten) {
  SoftHsmToken hsm;
  const KeyId id("responder");
  ASSERT_TRUE(hsm.token().generate_key_pair(id, KeyAlgorithm::ec_p256, KeyPurpose::ocsp_signing, "Firma OCSP").ok());

  testing::RawModule raw(hsm.module_path());
  CK_SESSION_HANDLE s = raw.open_session(hsm.label());
  const CK_OBJECT_HANDLE key = private_key(raw, s, id);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  EXPECT_EQ(text(raw_attribute(raw, s, key, CKA_LABEL)), "[ocsp_signing] Firma OCSP");
  EXPECT_EQ(raw_attribute(raw, s, key, CKA_MODIFIABLE), Bytes{CK_FALSE});
  for (CK_OBJECT_HANDLE half : raw.find(s, id.str(), CKO_PUBLIC_KEY)) {
    EXPECT_EQ(text(raw_attribute(raw, s, half, CKA_LABEL)), "[ocsp_signing] Firma OCSP");
  }
  // Anyone holding a session (another library in the process, an operator's tool) cannot relabel it.
  std::string relabel = "[citizen_signing] Firma OCSP";
  CK_ATTRIBUTE a{CKA_LABEL, relabel.data(), relabel.size()};
  EXPECT_NE(raw.f().C_SetAttributeValue(s, key, &a, 1), CKR_OK);
  EXPECT_EQ(text(raw_attribute(raw, s, key, CKA_LABEL)), "[ocsp_signing] Firma OCSP");
  raw.f().C_CloseSession(s);

  EXPECT_EQ(hsm.token().purpose(id).value(), KeyPurpose::ocsp_signing);
  auto inventory = hsm.token().inventory();
  ASSERT_TRUE(inventory.ok());
  ASSERT_EQ(inventory->size(), 1u);
  EXPECT_EQ(inventory->front().purpose, KeyPurpose::ocsp_signing);
  EXPECT_EQ(inventory->front().label, "Firma OCSP");
  // A restart reads it back from the token in its scan.
  EXPECT_EQ(hsm.reopen().purpose(id).value(), KeyPurpose::ocsp_signing);
}

TEST(HsmKeyPurpose, ACitizenKeySignsOnlyThroughTheCitizenPath) {
  SoftHsmToken hsm;
  const KeyId citizen("citizen");
  auto spki = hsm.token().generate_key_pair(citizen, KeyAlgorithm::ec_p256, KeyPurpose::citizen_signing, "c");
  ASSERT_TRUE(spki.ok());

  auto signed_by_citizen = hsm.token().sign_digest(citizen, DigestAlgorithm::sha256, kDigest);
  ASSERT_TRUE(signed_by_citizen.ok()) << signed_by_citizen.error().message;
  EXPECT_TRUE(testing::openssl_verifies(*spki, DigestAlgorithm::sha256, kDigest, signed_by_citizen->der));

  for (KeyPurpose service : {KeyPurpose::certificate_authority, KeyPurpose::ocsp_signing, KeyPurpose::timestamping,
                             KeyPurpose::audit, KeyPurpose::citizen_signing}) {
    auto refused = hsm.token().sign_service_digest(service, citizen, DigestAlgorithm::sha256, kDigest);
    ASSERT_FALSE(refused.ok()) << to_string(service);
    EXPECT_EQ(refused.error().code, ErrorCode::internal) << to_string(service);
  }
  // Nor can the CA's Botan adapter (certificates, CRLs) take it up.
  auto as_ca = botan_private_key(hsm.token(), citizen, KeyPurpose::certificate_authority);
  ASSERT_FALSE(as_ca.ok());
  EXPECT_EQ(as_ca.error().code, ErrorCode::internal);
  EXPECT_FALSE(botan_private_key(hsm.token(), citizen, KeyPurpose::citizen_signing).ok());
}

TEST(HsmKeyPurpose, AServiceKeyNeverSignsThroughTheCitizenPath) {
  SoftHsmToken hsm;
  for (KeyPurpose service :
       {KeyPurpose::certificate_authority, KeyPurpose::ocsp_signing, KeyPurpose::timestamping, KeyPurpose::audit}) {
    const KeyId id("service-" + std::string(to_string(service)));
    auto spki = hsm.token().generate_key_pair(id, KeyAlgorithm::ec_p256, service, "s");
    ASSERT_TRUE(spki.ok());

    auto refused = hsm.token().sign_digest(id, DigestAlgorithm::sha256, kDigest);
    ASSERT_FALSE(refused.ok()) << to_string(service);
    EXPECT_EQ(refused.error().code, ErrorCode::internal);

    auto own = hsm.token().sign_service_digest(service, id, DigestAlgorithm::sha256, kDigest);
    ASSERT_TRUE(own.ok()) << own.error().message;
    EXPECT_TRUE(testing::openssl_verifies(*spki, DigestAlgorithm::sha256, kDigest, own->der));
    const KeyPurpose other =
        service == KeyPurpose::certificate_authority ? KeyPurpose::ocsp_signing : KeyPurpose::certificate_authority;
    EXPECT_EQ(hsm.token().sign_service_digest(other, id, DigestAlgorithm::sha256, kDigest).error().code,
              ErrorCode::internal);
  }
  // Still nothing recorded for the citizen path: the refusals wrote nothing.
  EXPECT_EQ(hsm.token().purpose(KeyId("service-audit")).value(), KeyPurpose::audit);
}

TEST(HsmKeyPurpose, TheBotanAdapterSignsWithItsOwnPurposeOnly) {
  SoftHsmToken hsm;
  const KeyId responder("responder");
  ASSERT_TRUE(hsm.token().generate_key_pair(responder, KeyAlgorithm::ec_p256, KeyPurpose::ocsp_signing, "r").ok());
  auto as_ca = botan_private_key(hsm.token(), responder, KeyPurpose::certificate_authority);
  ASSERT_FALSE(as_ca.ok());
  EXPECT_EQ(as_ca.error().code, ErrorCode::internal);

  auto as_responder = botan_private_key(hsm.token(), responder, KeyPurpose::ocsp_signing);
  ASSERT_TRUE(as_responder.ok()) << as_responder.error().message;
  Botan::AutoSeeded_RNG rng;
  Botan::X509_Cert_Options options("responder/ES/Firma/Testing", 3600);
  auto cert = Botan::X509::create_self_signed_cert(options, **as_responder, "SHA-256", rng);
  EXPECT_TRUE(testing::openssl_self_signed_ok(cert.BER_encode()));
}

TEST(HsmKeyPurpose, AKeyMadeBeforePurposesGetsOneOnceAndKeepsIt) {
  SoftHsmToken hsm;
  testing::RawModule raw(hsm.module_path());
  CK_SESSION_HANDLE s = raw.open_session(hsm.label());
  const KeyId ca("old-ca"), citizen("old-citizen");
  make_key_without_purpose(raw, s, ca, "Firma issuing CA");
  make_key_without_purpose(raw, s, citizen, "Firma citizen key");

  EXPECT_EQ(hsm.token().purpose(ca).value(), std::nullopt);
  // A service path never takes a key with no purpose: the service assigns its own keys first.
  EXPECT_EQ(hsm.token()
                .sign_service_digest(KeyPurpose::certificate_authority, ca, DigestAlgorithm::sha256, kDigest)
                .error()
                .code,
            ErrorCode::internal);
  EXPECT_FALSE(botan_private_key(hsm.token(), ca, KeyPurpose::certificate_authority).ok());

  ASSERT_TRUE(hsm.token().assign_purpose(ca, KeyPurpose::certificate_authority).ok());
  ASSERT_TRUE(hsm.token().assign_purpose(ca, KeyPurpose::certificate_authority).ok());  // again: nothing to do
  EXPECT_EQ(text(raw_attribute(raw, s, private_key(raw, s, ca), CKA_LABEL)),
            "[certificate_authority] Firma issuing CA");
  EXPECT_TRUE(
      hsm.token().sign_service_digest(KeyPurpose::certificate_authority, ca, DigestAlgorithm::sha256, kDigest).ok());
  EXPECT_EQ(hsm.token().sign_digest(ca, DigestAlgorithm::sha256, kDigest).error().code, ErrorCode::internal);
  EXPECT_EQ(hsm.token().assign_purpose(ca, KeyPurpose::ocsp_signing).error().code, ErrorCode::internal);

  // The citizen path takes a key with no purpose as a citizen's, and records it so on first use.
  auto first_use = hsm.token().sign_digest(citizen, DigestAlgorithm::sha256, kDigest);
  ASSERT_TRUE(first_use.ok()) << first_use.error().message;
  EXPECT_EQ(text(raw_attribute(raw, s, private_key(raw, s, citizen), CKA_LABEL)),
            "[citizen_signing] Firma citizen key");
  EXPECT_EQ(hsm.token().assign_purpose(citizen, KeyPurpose::certificate_authority).error().code, ErrorCode::internal);
  raw.f().C_CloseSession(s);

  // What was recorded is on the token: a restart reads it back.
  Token& restarted = hsm.reopen();
  EXPECT_EQ(restarted.purpose(ca).value(), KeyPurpose::certificate_authority);
  EXPECT_EQ(restarted.purpose(citizen).value(), KeyPurpose::citizen_signing);
}

TEST(HsmKeyPurpose, APurposeRecordedByAnotherNodeIsSeenWithoutARestart) {
  SoftHsmToken hsm;
  testing::RawModule raw(hsm.module_path());
  CK_SESSION_HANDLE s = raw.open_session(hsm.label());
  const KeyId ca("old-ca");
  make_key_without_purpose(raw, s, ca, "Firma root CA");
  raw.f().C_CloseSession(s);
  EXPECT_EQ(hsm.token().purpose(ca).value(), std::nullopt);  // indexed here with none

  // A second Token on the same token stands for another firmad node sharing the HSM.
  auto other = Token::open(hsm.module_ptr(), hsm.label(), hsm.user_pin(), 1);
  ASSERT_TRUE(other.ok()) << other.error().message;
  ASSERT_TRUE((*other)->assign_purpose(ca, KeyPurpose::certificate_authority).ok());

  EXPECT_TRUE(
      hsm.token().sign_service_digest(KeyPurpose::certificate_authority, ca, DigestAlgorithm::sha256, kDigest).ok());
  // And the citizen path, which would have claimed it, now refuses it.
  EXPECT_EQ(hsm.token().sign_digest(ca, DigestAlgorithm::sha256, kDigest).error().code, ErrorCode::internal);
}

}  // namespace
}  // namespace firma::hsm
