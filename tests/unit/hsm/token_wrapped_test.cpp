// Wrapped custody on a real SoftHSM2 token: KEKs, citizen keys wrapped (RFC 5649) and signing after an unwrap,
// each signature verified by OpenSSL; the token keeps nothing per citizen.
#include <gtest/gtest.h>

#include "core/random.h"
#include "hsm/token.h"
#include "hsm_test_util.h"
#include "support/softhsm_token.h"

namespace firma::hsm {
namespace {

using testing::SoftHsmToken;

// Every object the process can see on the token, token and session objects alike (a logged-in session).
std::size_t object_count(testing::RawModule& raw, CK_SESSION_HANDLE session) {
  raw.f().C_FindObjectsInit(session, nullptr, 0);
  std::vector<CK_OBJECT_HANDLE> out(4096);
  CK_ULONG n = 0;
  raw.f().C_FindObjects(session, out.data(), out.size(), &n);
  raw.f().C_FindObjectsFinal(session);
  return n;
}

Bytes digest_of(std::string_view text) {
  return sha256(as_bytes(text));
}

class HsmWrappedKeys : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(hsm.token().create_wrapping_key(kek).ok()); }
  SoftHsmToken hsm;
  const KeyId kek{"kek-1"};
};

TEST_F(HsmWrappedKeys, SoftHsm2OffersRfc5649UnderItsPkcs11_240Number) {
  const WrappingSupport support = hsm.token().wrapping_support();
  EXPECT_EQ(support.mechanism, 0x210AUL);  // CKM_AES_KEY_WRAP_PAD as 2.40 names RFC 5649
  EXPECT_NE(support.mechanism_name.find("2.40"), std::string::npos) << support.mechanism_name;
  EXPECT_TRUE(support.lacks.empty()) << support.lacks;
}

TEST_F(HsmWrappedKeys, TheKekIsSensitiveNeverExtractableAndOnlyWrapsAndUnwraps) {
  testing::RawModule raw(hsm.module_path());
  CK_SESSION_HANDLE s = raw.open_session(hsm.label());
  auto found = raw.find(s, kek.str(), CKO_SECRET_KEY);
  ASSERT_EQ(found.size(), 1u);
  CK_BBOOL values[8] = {};
  CK_ATTRIBUTE read[] = {{CKA_SENSITIVE, &values[0], 1}, {CKA_EXTRACTABLE, &values[1], 1}, {CKA_WRAP, &values[2], 1},
                         {CKA_UNWRAP, &values[3], 1},    {CKA_ENCRYPT, &values[4], 1},     {CKA_DECRYPT, &values[5], 1},
                         {CKA_PRIVATE, &values[6], 1},   {CKA_TOKEN, &values[7], 1}};
  ASSERT_EQ(raw.f().C_GetAttributeValue(s, found[0], read, 8), CKR_OK);
  EXPECT_EQ(values[0], CK_TRUE);
  EXPECT_EQ(values[1], CK_FALSE);
  EXPECT_EQ(values[2], CK_TRUE);
  EXPECT_EQ(values[3], CK_TRUE);
  EXPECT_EQ(values[4], CK_FALSE);
  EXPECT_EQ(values[5], CK_FALSE);
  EXPECT_EQ(values[6], CK_TRUE);
  EXPECT_EQ(values[7], CK_TRUE);
  CK_BYTE value[64];
  CK_ATTRIBUTE secret{CKA_VALUE, value, sizeof value};
  EXPECT_EQ(raw.f().C_GetAttributeValue(s, found[0], &secret, 1), CKR_ATTRIBUTE_SENSITIVE);
  raw.f().C_CloseSession(s);

  auto again = hsm.token().create_wrapping_key(kek);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
  EXPECT_TRUE(*hsm.token().has_wrapping_key(kek));
  EXPECT_FALSE(*hsm.token().has_wrapping_key(KeyId("kek-2")));
}

TEST_F(HsmWrappedKeys, WrappedKeysSignAndOpenSslVerifiesAfterARestart) {
  for (KeyAlgorithm algorithm : {KeyAlgorithm::ec_p256, KeyAlgorithm::rsa2048, KeyAlgorithm::ec_p384}) {
    const KeyId id("cit-" + std::string(to_string(algorithm)));
    auto key = hsm.token().generate_wrapped_key_pair(id, kek, algorithm);
    ASSERT_TRUE(key.ok()) << key.error().message;
    EXPECT_EQ(key->kek, kek);
    EXPECT_EQ(testing::openssl_key_description(key->public_key).substr(0, 2), is_rsa(algorithm) ? "RS" : "EC");
    EXPECT_FALSE(hsm.token().has_key(id));  // nothing of it stays on the token

    const Bytes digest = digest_of("document for " + id.str());
    auto signature = hsm.token().sign_wrapped_digest(*key, DigestAlgorithm::sha256, digest);
    ASSERT_TRUE(signature.ok()) << signature.error().message;
    EXPECT_TRUE(testing::openssl_verifies(key->public_key, DigestAlgorithm::sha256, digest, signature->der));
    if (is_rsa(algorithm)) {
      auto pss = hsm.token().sign_wrapped_digest(*key, DigestAlgorithm::sha256, digest, RsaPadding::pss);
      ASSERT_TRUE(pss.ok()) << pss.error().message;
      EXPECT_TRUE(
          testing::openssl_verifies(key->public_key, DigestAlgorithm::sha256, digest, pss->der, RsaPadding::pss));
    }

    Token& reopened = hsm.reopen();
    auto after = reopened.sign_wrapped_digest(*key, DigestAlgorithm::sha256, digest);
    ASSERT_TRUE(after.ok()) << after.error().message;
    EXPECT_TRUE(testing::openssl_verifies(key->public_key, DigestAlgorithm::sha256, digest, after->der));
  }
}

TEST_F(HsmWrappedKeys, NewCitizensLeaveTheTokensObjectCountUnchanged) {
  testing::RawModule raw(hsm.module_path());
  CK_SESSION_HANDLE s = raw.open_session(hsm.label());
  const std::size_t before = object_count(raw, s);
  for (int i = 0; i < 20; ++i) {
    auto key = hsm.token().generate_wrapped_key_pair(KeyId("cit-" + std::to_string(i)), kek, KeyAlgorithm::ec_p256);
    ASSERT_TRUE(key.ok()) << key.error().message;
    ASSERT_TRUE(hsm.token().sign_wrapped_digest(*key, DigestAlgorithm::sha256, digest_of("x")).ok());
  }
  EXPECT_EQ(object_count(raw, s), before);
  raw.f().C_CloseSession(s);
}

TEST_F(HsmWrappedKeys, ABlobFromAnotherKekIsRefused) {
  const KeyId other("kek-2");
  ASSERT_TRUE(hsm.token().create_wrapping_key(other).ok());
  auto key = hsm.token().generate_wrapped_key_pair(KeyId("cit-a"), kek, KeyAlgorithm::ec_p256);
  ASSERT_TRUE(key.ok());
  WrappedKey misfiled = *key;
  misfiled.kek = other;
  auto refused = hsm.token().sign_wrapped_digest(misfiled, DigestAlgorithm::sha256, digest_of("x"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::forbidden);
  // The token keeps working.
  EXPECT_TRUE(hsm.token().sign_wrapped_digest(*key, DigestAlgorithm::sha256, digest_of("x")).ok());
}

TEST_F(HsmWrappedKeys, TamperedBlobsAreRefused) {
  auto key = hsm.token().generate_wrapped_key_pair(KeyId("cit-a"), kek, KeyAlgorithm::ec_p256);
  ASSERT_TRUE(key.ok());
  for (std::size_t at : {std::size_t{0}, key->wrapped.size() / 2, key->wrapped.size() - 1}) {
    WrappedKey tampered = *key;
    tampered.wrapped[at] ^= 0x01;
    auto refused = hsm.token().sign_wrapped_digest(tampered, DigestAlgorithm::sha256, digest_of("x"));
    ASSERT_FALSE(refused.ok()) << "byte " << at;
    EXPECT_EQ(refused.error().code, ErrorCode::forbidden);
  }
  WrappedKey truncated = *key;
  truncated.wrapped.resize(truncated.wrapped.size() - 8);
  auto refused = hsm.token().sign_wrapped_digest(truncated, DigestAlgorithm::sha256, digest_of("x"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::forbidden);
}

TEST_F(HsmWrappedKeys, RewrapMovesAKeyToANewKekAndTheOldKekCanGo) {
  const KeyId next("kek-2");
  ASSERT_TRUE(hsm.token().create_wrapping_key(next).ok());
  auto key = hsm.token().generate_wrapped_key_pair(KeyId("cit-a"), kek, KeyAlgorithm::ec_p256);
  ASSERT_TRUE(key.ok());
  auto moved = hsm.token().rewrap(*key, next);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(moved->kek, next);
  EXPECT_NE(moved->wrapped, key->wrapped);
  ASSERT_TRUE(hsm.token().destroy_wrapping_key(kek).ok());
  const Bytes digest = digest_of("after rotation");
  auto signature = hsm.token().sign_wrapped_digest(*moved, DigestAlgorithm::sha256, digest);
  ASSERT_TRUE(signature.ok()) << signature.error().message;
  EXPECT_TRUE(testing::openssl_verifies(key->public_key, DigestAlgorithm::sha256, digest, signature->der));
  auto orphan = hsm.token().sign_wrapped_digest(*key, DigestAlgorithm::sha256, digest);
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code, ErrorCode::not_found);
}

TEST_F(HsmWrappedKeys, TheCacheKeepsAtMostItsSizeAndItsCopiesCannotBeWrapped) {
  testing::RawModule raw(hsm.module_path());
  CK_SESSION_HANDLE s = raw.open_session(hsm.label());
  const std::size_t before = object_count(raw, s);
  hsm.token().keep_unwrapped(2);
  std::vector<WrappedKey> keys;
  for (int i = 0; i < 4; ++i) {
    auto key = hsm.token().generate_wrapped_key_pair(KeyId("cit-" + std::to_string(i)), kek, KeyAlgorithm::ec_p256);
    ASSERT_TRUE(key.ok());
    keys.push_back(*key);
  }
  for (int round = 0; round < 3; ++round) {
    for (const WrappedKey& key : keys) {
      const Bytes digest = digest_of(key.id.str() + std::to_string(round));
      auto signature = hsm.token().sign_wrapped_digest(key, DigestAlgorithm::sha256, digest);
      ASSERT_TRUE(signature.ok()) << signature.error().message;
      EXPECT_TRUE(testing::openssl_verifies(key.public_key, DigestAlgorithm::sha256, digest, signature->der));
    }
  }
  EXPECT_LE(object_count(raw, s), before + 2);
  // The copy kept for cit-3 (used last) is a signing key only: the token refuses to wrap it, even under the KEK.
  auto copies = raw.find(s, "cit-3", CKO_PRIVATE_KEY);
  ASSERT_EQ(copies.size(), 1u);
  auto kek_handle = raw.find(s, kek.str(), CKO_SECRET_KEY);
  ASSERT_EQ(kek_handle.size(), 1u);
  CK_MECHANISM kwp{0x210AUL, nullptr, 0};
  CK_ULONG length = 0;
  EXPECT_EQ(raw.f().C_WrapKey(s, &kwp, kek_handle[0], copies[0], nullptr, &length), CKR_KEY_UNEXTRACTABLE);
  // A kept copy is no key of the token: not found by id, not in the inventory, never signing on the token path (a
  // revoked wrapped key, whose blob is gone, cannot sign through its copy); destroying the key takes the copy.
  EXPECT_FALSE(hsm.token().has_key(KeyId("cit-3")));
  auto token_path = hsm.token().sign_digest(KeyId("cit-3"), DigestAlgorithm::sha256, digest_of("z"));
  ASSERT_FALSE(token_path.ok());
  EXPECT_EQ(token_path.error().code, ErrorCode::not_found);
  EXPECT_EQ(hsm.token().inventory()->size(), 0u);
  EXPECT_EQ(hsm.token().destroy_key(KeyId("cit-3")).error().code, ErrorCode::not_found);
  ASSERT_TRUE(hsm.token().sign_wrapped_digest(keys[0], DigestAlgorithm::sha256, digest_of("y")).ok());
  EXPECT_TRUE(raw.find(s, "cit-3", CKO_PRIVATE_KEY).empty());
  hsm.token().keep_unwrapped(0);
  ASSERT_TRUE(hsm.token().sign_wrapped_digest(keys[0], DigestAlgorithm::sha256, digest_of("y")).ok());
  EXPECT_EQ(object_count(raw, s), before);
  raw.f().C_CloseSession(s);
}

}  // namespace
}  // namespace firma::hsm
