// Wrapped key custody with a real SoftHSM2 token and SQLite: issuance keeps nothing on the token, the blob in the
// database is no clear key, token keys stay usable when the mode changes, and a KEK rotation rewraps every key
// before the old KEK goes, all audited.
#include <gtest/gtest.h>

#include "hsm/token.h"
#include "pki_fixture.h"
#include "store/audit_log.h"
#include "store/certificates.h"
#include "store/wrapped_keys.h"

namespace firma::certs {
namespace {

using testing::advanced_citizen;
using testing::PkiFixture;

std::size_t token_keys(PkiFixture& f) {
  auto inventory = f.hsm.token().inventory();
  EXPECT_TRUE(inventory.ok());
  return inventory.ok() ? inventory->size() : 0;
}

std::optional<store::WrappedKeyRecord> wrapped_record(PkiFixture& f, const KeyId& key) {
  auto found = f.db->transact([&](store::Tx& tx) { return store::WrappedKeyRecords::find(tx, key); });
  EXPECT_TRUE(found.ok());
  return found.ok() ? *found : std::nullopt;
}

std::vector<std::string> audited(PkiFixture& f, std::string_view prefix) {
  auto events = f.db->transact([](store::Tx& tx) { return store::AuditLog::list(tx, 0, 100000); });
  EXPECT_TRUE(events.ok());
  std::vector<std::string> out;
  for (const auto& e : *events)
    if (e.event.action.starts_with(prefix)) out.push_back(e.event.action + " " + e.event.subject);
  return out;
}

// A signature with the key through the token, verified against the certificate's public key by OpenSSL.
void signs(PkiFixture& f, const Credential& credential) {
  const Bytes digest = sha256(as_bytes("documento de " + credential.serial.str()));
  auto record = wrapped_record(f, credential.key_id);
  ASSERT_TRUE(record.has_value());
  const hsm::WrappedKey key{record->key_id, record->kek_id, credential.algorithm, record->public_key, record->wrapped};
  auto signature = f.hsm.token().sign_wrapped_digest(key, hsm::DigestAlgorithm::sha256, digest);
  ASSERT_TRUE(signature.ok()) << signature.error().message;
  const auto cert = f.write_pem("signer.pem", credential.certificate);
  ASSERT_EQ(
      f.openssl("x509 -in " + cert.string() + " -pubkey -noout -out " + (f.dir.path() / "pub.pem").string()).status, 0);
  const auto data = f.write_der("digest.bin", digest);
  const auto sig = f.write_der("sig.der", signature->der);
  auto verified = f.openssl("pkeyutl -verify -pubin -inkey " + (f.dir.path() / "pub.pem").string() + " -in " +
                            data.string() + " -sigfile " + sig.string());
  EXPECT_NE(verified.output.find("Signature Verified Successfully"), std::string::npos) << verified.output;
}

TEST(CitizenKeyCustody, IssuanceLeavesTheTokenAsItWasAndStoresNoClearKey) {
  PkiFixture f;
  f.custody_mode = CustodyMode::wrapped;
  f.open();
  const std::size_t before = token_keys(f);
  std::vector<Credential> issued;
  for (const char* nif : {"12345678Z", "X1234567L", "Y1234567X"}) {
    auto credential = f.credentials->issue(advanced_citizen(nif), std::nullopt, "operator:test");
    ASSERT_TRUE(credential.ok()) << credential.error().message;
    issued.push_back(*credential);
  }
  EXPECT_EQ(token_keys(f), before);
  for (const Credential& c : issued) {
    EXPECT_FALSE(f.hsm.token().has_key(c.key_id));
    auto record = wrapped_record(f, c.key_id);
    ASSERT_TRUE(record.has_value());
    // What the database holds is the public key and an RFC 5649 blob: OpenSSL reads no private key from it.
    const auto blob = f.write_der("blob.der", record->wrapped);
    auto parsed = f.openssl("pkey -inform DER -in " + blob.string() + " -noout");
    EXPECT_NE(parsed.status, 0) << parsed.output;
    EXPECT_EQ(record->wrapped.size() % 8, 0u);  // RFC 5649: whole 64-bit blocks
    signs(f, c);
    auto algorithm = f.custody->algorithm(c.key_id);
    ASSERT_TRUE(algorithm.ok());
    EXPECT_EQ(*algorithm, hsm::KeyAlgorithm::ec_p256);
  }
  // The credential stands as issued: no renewal for a key the token does not hold.
  auto again = f.credentials->ensure_certificate(advanced_citizen("12345678Z"), "citizen:12345678Z");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->serial, issued[0].serial);
  // Revocation destroys the key: its blob goes.
  ASSERT_TRUE(f.credentials->revoke(issued[0].serial, RevocationReason::key_compromise, "operator:test").ok());
  EXPECT_FALSE(wrapped_record(f, issued[0].key_id).has_value());
}

TEST(CitizenKeyCustody, TokenKeysStayUsableAndTheNextKeyFollowsTheMode) {
  PkiFixture f;
  f.open();  // token custody
  auto on_token = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(on_token.ok());
  ASSERT_TRUE(f.hsm.token().has_key(on_token->key_id));

  f.custody_mode = CustodyMode::wrapped;
  f.open();
  auto kept = f.credentials->ensure_certificate(advanced_citizen(), "citizen:12345678Z");
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  EXPECT_EQ(kept->serial, on_token->serial);
  auto signature =
      f.hsm.token().sign_digest(on_token->key_id, hsm::DigestAlgorithm::sha256, sha256(as_bytes(std::string("x"))));
  EXPECT_TRUE(signature.ok());

  auto renewed = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(renewed.ok()) << renewed.error().message;
  EXPECT_TRUE(wrapped_record(f, renewed->key_id).has_value());
  EXPECT_FALSE(f.hsm.token().has_key(on_token->key_id));  // superseded: the token key is destroyed
  signs(f, *renewed);
}

TEST(CitizenKeyCustody, ATokenWithoutItsKekRefusesToStart) {
  PkiFixture f;
  f.custody_mode = CustodyMode::wrapped;
  f.open();
  auto keks = f.custody->keks();
  ASSERT_TRUE(keks.ok());
  ASSERT_EQ(keks->size(), 1u);
  ASSERT_TRUE(f.hsm.token().destroy_wrapping_key(keks->front().kek_id).ok());
  KeyCustody custody(f.hsm.token(), *f.db, f.clock, f.random, CustodyMode::wrapped);
  Status started = custody.prepare();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("is not on token"), std::string::npos) << started.error().message;
}

TEST(CitizenKeyCustody, RotationRewrapsEveryKeyThenDestroysTheOldKek) {
  PkiFixture f;
  f.custody_mode = CustodyMode::wrapped;
  f.open();
  std::vector<Credential> issued;
  for (const char* nif : {"12345678Z", "X1234567L", "Y1234567X"}) {
    auto credential = f.credentials->issue(advanced_citizen(nif), std::nullopt, "operator:test");
    ASSERT_TRUE(credential.ok()) << credential.error().message;
    issued.push_back(*credential);
  }
  const KeyId old_kek = f.custody->keks()->front().kek_id;
  auto next = f.custody->rotate("operator:test");
  ASSERT_TRUE(next.ok()) << next.error().message;

  // New keys go under the new KEK at once; old ones still sign under the retiring one.
  auto fresh = f.credentials->issue(advanced_citizen("Z1234567R"), std::nullopt, "operator:test");
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(wrapped_record(f, fresh->key_id)->kek_id, *next);
  signs(f, issued[0]);

  auto first = f.custody->rewrap(2, "system");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, 2u);
  EXPECT_TRUE(*f.hsm.token().has_wrapping_key(old_kek));  // one key still needs it
  auto rest = f.custody->rewrap(100, "system");
  ASSERT_TRUE(rest.ok()) << rest.error().message;
  EXPECT_EQ(*rest, 1u);
  EXPECT_FALSE(*f.hsm.token().has_wrapping_key(old_kek));
  auto keks = f.custody->keks();
  ASSERT_TRUE(keks.ok());
  ASSERT_EQ(keks->size(), 2u);
  for (const KekInfo& k : *keks) {
    EXPECT_EQ(k.state, k.kek_id == old_kek ? "destroyed" : "current");
    EXPECT_EQ(k.keys, k.kek_id == old_kek ? 0 : 4);
  }
  for (const Credential& c : issued) {
    EXPECT_EQ(wrapped_record(f, c.key_id)->kek_id, *next);
    signs(f, c);
  }
  EXPECT_EQ(*f.custody->rewrap(100, "system"), 0u);

  const auto events = audited(f, "kek.");
  EXPECT_EQ(std::count_if(events.begin(), events.end(), [](const auto& e) { return e.starts_with("kek.create"); }), 1);
  EXPECT_EQ(std::count_if(events.begin(), events.end(), [](const auto& e) { return e.starts_with("kek.rotate"); }), 1);
  EXPECT_EQ(std::count_if(events.begin(), events.end(), [](const auto& e) { return e.starts_with("kek.rewrap"); }), 3);
  EXPECT_EQ(std::count(events.begin(), events.end(), "kek.destroy kek:" + old_kek.str()), 1);
}

TEST(CitizenKeyCustody, AKeyMadeUnderAKekDestroyedMeanwhileIsNotRecorded) {
  PkiFixture f;
  f.custody_mode = CustodyMode::wrapped;
  f.open();
  auto key = f.custody->generate(hsm::KeyAlgorithm::ec_p256);
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(f.custody->rotate("operator:test").ok());
  ASSERT_EQ(*f.custody->rewrap(100, "system"), 0u);  // no key recorded under the old KEK: it goes at once
  Status recorded = f.db->transact([&](store::Tx& tx) -> Status {
    if (Status s = store::HsmKeyRecords::insert(tx, {key->id, "12345678Z", "citizen", "ec-p256", f.clock.now(), {}});
        !s)
      return s;
    return f.custody->record(tx, *key, f.clock.now());
  });
  ASSERT_FALSE(recorded.ok());
  EXPECT_EQ(recorded.error().code, ErrorCode::conflict);
}

TEST(CitizenKeyCustody, RotationIsRefusedInTokenMode) {
  PkiFixture f;
  f.open();
  auto refused = f.custody->rotate("operator:test");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_request);
}

}  // namespace
}  // namespace firma::certs
