// Key pairs on a real SoftHSM2 token: generation per algorithm, flags read back, export, destruction.
#include <gtest/gtest.h>

#include <algorithm>

#include "hsm/token.h"
#include "hsm_test_util.h"
#include "support/softhsm_token.h"

namespace firma::hsm {
namespace {

using testing::SoftHsmToken;

std::string expected_openssl_description(KeyAlgorithm a) {
  switch (a) {
    case KeyAlgorithm::rsa2048: return "RSA-2048";
    case KeyAlgorithm::rsa3072: return "RSA-3072";
    case KeyAlgorithm::ec_p256: return "EC-256";
    case KeyAlgorithm::ec_p384: return "EC-384";
  }
  return {};
}

// The block pkcs11-tool prints for the object labelled `label` of the given kind ("Private Key Object"):
// its header line and the indented lines under it.
std::string pkcs11_tool_block(const std::string& listing, const std::string& kind, const std::string& label) {
  std::size_t pos = 0;
  while ((pos = listing.find(kind, pos)) != std::string::npos) {
    std::size_t end = pos;
    while ((end = listing.find('\n', end)) != std::string::npos && end + 1 < listing.size() &&
           listing[end + 1] == ' ') {
      ++end;
    }
    std::string block = listing.substr(pos, end == std::string::npos ? std::string::npos : end - pos + 1);
    if (block.find("label:      " + label + "\n") != std::string::npos) return block;
    pos += kind.size();
  }
  return {};
}

// The comma-separated items of a line ("Access:     sensitive, never extractable" -> {"sensitive", ...}).
std::vector<std::string> line_items(const std::string& block, const std::string& key);

// The rest of the line after `key` ("Usage:     sign" -> "sign").
std::string line_value(const std::string& block, const std::string& key) {
  std::size_t pos = block.find(key);
  if (pos == std::string::npos) return {};
  pos = block.find_first_not_of(' ', pos + key.size());
  return block.substr(pos, block.find('\n', pos) - pos);
}

std::vector<std::string> line_items(const std::string& block, const std::string& key) {
  std::vector<std::string> items;
  const std::string line = line_value(block, key);
  std::size_t start = 0;
  while (start <= line.size()) {
    std::size_t comma = line.find(", ", start);
    items.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 2;
  }
  return items;
}

std::string list_objects(SoftHsmToken& hsm) {
  int status = -1;
  std::string out =
      testing::run_command("pkcs11-tool --module " + hsm.module_path() + " --token-label " + hsm.label() +
                               " --login --pin " + std::string(hsm.user_pin().reveal()) + " --list-objects 2>&1",
                           &status);
  EXPECT_EQ(status, 0) << out;
  return out;
}

class HsmKeyGeneration : public ::testing::TestWithParam<KeyAlgorithm> {};

TEST_P(HsmKeyGeneration, GeneratesASensitiveNonExtractableSigningKey) {
  SoftHsmToken hsm;
  const KeyAlgorithm algorithm = GetParam();
  const KeyId id("citizen-key-" + std::string(to_string(algorithm)));
  const std::string label = "label-" + std::string(to_string(algorithm));

  auto spki = hsm.token().generate_key_pair(id, algorithm, KeyPurpose::citizen_signing, label);
  ASSERT_TRUE(spki.ok()) << spki.error().message;
  EXPECT_EQ(testing::openssl_key_description(*spki), expected_openssl_description(algorithm));

  EXPECT_TRUE(hsm.token().has_key(id));
  auto stored_algorithm = hsm.token().algorithm(id);
  ASSERT_TRUE(stored_algorithm.ok());
  EXPECT_EQ(*stored_algorithm, algorithm);
  auto exported = hsm.token().public_key(id);
  ASSERT_TRUE(exported.ok()) << exported.error().message;
  EXPECT_EQ(*exported, *spki);

  // Read back through PKCS#11 by the layer...
  auto inventory = hsm.token().inventory();
  ASSERT_TRUE(inventory.ok()) << inventory.error().message;
  ASSERT_EQ(inventory->size(), 1u);
  const KeyInfo& info = inventory->front();
  EXPECT_EQ(info.id, id);
  EXPECT_EQ(info.label, label);
  EXPECT_EQ(info.algorithm, algorithm);
  EXPECT_TRUE(info.sensitive);
  EXPECT_FALSE(info.extractable);
  EXPECT_FALSE(info.has_certificate);

  // ...and by an outside tool, as an operator would check it.
  const std::string listing = list_objects(hsm);
  // The purpose is on the token, in the label every tool shows.
  const std::string private_key = pkcs11_tool_block(listing, "Private Key Object", "[citizen_signing] " + label);
  ASSERT_FALSE(private_key.empty()) << listing;
  const std::vector<std::string> access = line_items(private_key, "Access:");
  auto has = [&](const char* item) { return std::find(access.begin(), access.end(), item) != access.end(); };
  EXPECT_TRUE(has("sensitive")) << private_key;
  EXPECT_TRUE(has("always sensitive")) << private_key;
  EXPECT_TRUE(has("never extractable")) << private_key;
  EXPECT_FALSE(has("extractable")) << private_key;
  EXPECT_TRUE(has("local")) << private_key;  // generated on the token, never imported
  EXPECT_EQ(line_value(private_key, "Usage:"), "sign") << private_key;
  EXPECT_FALSE(pkcs11_tool_block(listing, "Public Key Object", "[citizen_signing] " + label).empty()) << listing;
}

INSTANTIATE_TEST_SUITE_P(Algorithms, HsmKeyGeneration,
                         ::testing::Values(KeyAlgorithm::rsa2048, KeyAlgorithm::rsa3072, KeyAlgorithm::ec_p256,
                                           KeyAlgorithm::ec_p384),
                         [](const auto& info) {
                           std::string name(to_string(info.param));
                           std::erase(name, '-');
                           return name;
                         });

TEST(HsmKeys, AnIdInUseIsAConflict) {
  SoftHsmToken hsm;
  const KeyId id("k1");
  ASSERT_TRUE(hsm.token().generate_key_pair(id, KeyAlgorithm::ec_p256, KeyPurpose::citizen_signing, "one").ok());
  auto again = hsm.token().generate_key_pair(id, KeyAlgorithm::ec_p256, KeyPurpose::citizen_signing, "two");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
  EXPECT_EQ(hsm.token().inventory()->size(), 1u);
}

TEST(HsmKeys, BadIdsAndLabelsAreRefused) {
  SoftHsmToken hsm;
  auto empty = hsm.token().generate_key_pair(KeyId(""), KeyAlgorithm::ec_p256, KeyPurpose::citizen_signing, "x");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::invalid_request);
  auto long_id = hsm.token().generate_key_pair(KeyId(std::string(129, 'a')), KeyAlgorithm::ec_p256,
                                               KeyPurpose::citizen_signing, "x");
  ASSERT_FALSE(long_id.ok());
  EXPECT_EQ(long_id.error().code, ErrorCode::invalid_request);
}

TEST(HsmKeys, UnknownKeysAreNotFound) {
  SoftHsmToken hsm;
  const KeyId missing("missing");
  EXPECT_FALSE(hsm.token().has_key(missing));
  auto pk = hsm.token().public_key(missing);
  ASSERT_FALSE(pk.ok());
  EXPECT_EQ(pk.error().code, ErrorCode::not_found);
  EXPECT_NE(pk.error().message.find("missing"), std::string::npos);
  EXPECT_EQ(hsm.token().algorithm(missing).error().code, ErrorCode::not_found);
  EXPECT_EQ(hsm.token().destroy_key(missing).error().code, ErrorCode::not_found);
  EXPECT_EQ(hsm.token().certificate(missing).error().code, ErrorCode::not_found);
}

TEST(HsmKeys, DestroyKeyRemovesEveryObjectOfTheKey) {
  SoftHsmToken hsm;
  const KeyId doomed("doomed"), kept("kept");
  ASSERT_TRUE(
      hsm.token().generate_key_pair(doomed, KeyAlgorithm::ec_p256, KeyPurpose::citizen_signing, "doomed-label").ok());
  ASSERT_TRUE(
      hsm.token().generate_key_pair(kept, KeyAlgorithm::ec_p256, KeyPurpose::citizen_signing, "kept-label").ok());

  ASSERT_TRUE(hsm.token().destroy_key(doomed).ok());
  EXPECT_FALSE(hsm.token().has_key(doomed));
  EXPECT_EQ(hsm.token().public_key(doomed).error().code, ErrorCode::not_found);
  auto inventory = hsm.token().inventory();
  ASSERT_TRUE(inventory.ok());
  ASSERT_EQ(inventory->size(), 1u);
  EXPECT_EQ(inventory->front().id, kept);

  // Nothing with the id is left on the token, whatever its class.
  testing::RawModule raw(hsm.module_path());
  CK_SESSION_HANDLE s = raw.open_session(hsm.label());
  EXPECT_TRUE(raw.find(s, doomed.str(), CK_UNAVAILABLE_INFORMATION).empty());
  EXPECT_EQ(raw.find(s, kept.str(), CK_UNAVAILABLE_INFORMATION).size(), 2u);
  raw.f().C_CloseSession(s);
  const std::string listing = list_objects(hsm);
  EXPECT_EQ(listing.find("doomed-label"), std::string::npos) << listing;
  EXPECT_NE(listing.find("kept-label"), std::string::npos) << listing;

  EXPECT_EQ(hsm.token().destroy_key(doomed).error().code, ErrorCode::not_found);
}

TEST(HsmKeys, AReopenedTokenFindsItsKeysByTheScanAtOpen) {
  SoftHsmToken hsm;
  ASSERT_TRUE(hsm.token().generate_key_pair(KeyId("a"), KeyAlgorithm::ec_p256, KeyPurpose::citizen_signing, "a").ok());
  ASSERT_TRUE(hsm.token().generate_key_pair(KeyId("b"), KeyAlgorithm::rsa2048, KeyPurpose::citizen_signing, "b").ok());
  auto spki_a = hsm.token().public_key(KeyId("a"));
  ASSERT_TRUE(spki_a.ok());

  Token& reopened = hsm.reopen(2);
  EXPECT_TRUE(reopened.has_key(KeyId("a")));
  EXPECT_EQ(reopened.algorithm(KeyId("b")).value(), KeyAlgorithm::rsa2048);
  EXPECT_EQ(reopened.public_key(KeyId("a")).value(), *spki_a);
  Bytes digest = sha256(as_bytes("after restart"));
  auto sig = reopened.sign_digest(KeyId("a"), DigestAlgorithm::sha256, digest);
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  EXPECT_TRUE(testing::openssl_verifies(*spki_a, DigestAlgorithm::sha256, digest, sig->der));
}

}  // namespace
}  // namespace firma::hsm
