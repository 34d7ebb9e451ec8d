// Security invariant 1 (ARCHITECTURE.md): a citizen key signs only with a valid, unexpired, unspent SAD bound to
// that citizen, that key and that digest; every refusal is in the audit trail.
#include <gtest/gtest.h>

#include <type_traits>

#include "core/clock.h"
#include "core/random.h"
#include "signer/citizen_key_signer.h"
#include "signer/sad.h"
#include "signer/signature_activation.h"
#include "store/audit_log.h"
#include "store/database.h"
#include "support/citizen_world.h"
#include "support/softhsm_token.h"
#include "support/temp_dir.h"

namespace firma::signer {
namespace {

using namespace std::chrono_literals;

// A SAD cannot be made but by SignatureActivation: no default, no copy, no public constructor from its fields.
static_assert(!std::is_default_constructible_v<Sad>);
static_assert(!std::is_copy_constructible_v<Sad>);
static_assert(!std::is_constructible_v<Sad, std::string, TransactionId, CitizenId, KeyId, std::vector<Bytes>, Instant>);

Bytes digest_of(std::string_view text) { return sha256(text); }

class SadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open("sqlite:" + (dir.path() / "firma.db").string(), 4);
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(db_->migrate().ok());
    world = std::make_unique<testing::CitizenWorld>(*db_, clock, random);
    alice_ = world->make_active_citizen("12345678Z", "+34600111222", password);
    bob_ = world->make_active_citizen("X1234567L", "+34600333444", password);
    ASSERT_TRUE(hsm.token().generate_key_pair(alice_key, hsm::KeyAlgorithm::ec_p256, hsm::KeyPurpose::citizen_signing, "alice").ok());
    ASSERT_TRUE(hsm.token().generate_key_pair(bob_key, hsm::KeyAlgorithm::ec_p256, hsm::KeyPurpose::citizen_signing, "bob").ok());
  }

  // The whole reinforced authentication for `digests`: password, OTP by SMS (read from the outbox), SAD.
  Result<Sad> activate(const identity::Citizen& who, const KeyId& key, const std::string& mobile,
                       std::vector<Bytes> digests, std::optional<std::vector<Bytes>> confirmed = std::nullopt) {
    const TransactionId tx("tx-" + random.hex_token(8));
    auto challenge = world->citizens().start_reinforced(who.nif, password, kSignaturePurpose,
                                                        signing_context(tx, key, digests), "Firma: {otp}");
    if (!challenge) return std::move(challenge).error();
    SignatureActivation activation(*db_, world->citizens(), clock, random, 120s);
    return activation.activate(tx, challenge->challenge_id, Secret(world->last_otp(mobile)), who.id, key,
                               confirmed.value_or(digests));
  }

  const identity::Citizen& alice() const { return *alice_; }
  const identity::Citizen& bob() const { return *bob_; }

  std::int64_t refusals() {
    auto events = db_->transact([](store::Tx& tx) { return store::AuditLog::list(tx, 0, 10000); });
    EXPECT_TRUE(events);
    std::int64_t n = 0;
    for (const auto& e : *events)
      if (e.event.action == "signature.hsm_sign" && e.event.outcome == "refused") ++n;
    return n;
  }

  testing::TempDir dir;
  testing::SoftHsmToken hsm;
  ManualClock clock{*parse_rfc3339("2026-11-22T10:00:00Z")};
  SystemRandom random;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<testing::CitizenWorld> world;
  Secret password{"Clave-Segura-2026"};
  std::optional<identity::Citizen> alice_, bob_;
  KeyId alice_key{"cit-alice"}, bob_key{"cit-bob"};
};

TEST_F(SadTest, SignsEachAuthorisedDigestOnce) {
  std::vector<Bytes> digests = {digest_of("a"), digest_of("b")};
  auto sad = activate(alice(), alice_key, "+34600111222", digests);
  ASSERT_TRUE(sad) << sad.error().message;
  CitizenKeySigner signer(hsm.token(), *db_, clock);
  for (const Bytes& d : digests) {
    auto signature = signer.sign(*sad, alice().id, alice_key, hsm::DigestAlgorithm::sha256, d);
    ASSERT_TRUE(signature) << signature.error().message;
    EXPECT_EQ(signature->raw.size(), 64u);
  }
  auto again = signer.sign(*sad, alice().id, alice_key, hsm::DigestAlgorithm::sha256, digests[0]);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::forbidden);
  EXPECT_NE(again.error().message.find("already used"), std::string::npos);
  EXPECT_EQ(refusals(), 1);
}

TEST_F(SadTest, ABatchIsSignedWhollyOrNotAtAll) {
  auto sad = activate(alice(), alice_key, "+34600111222", {digest_of("a"), digest_of("b")});
  ASSERT_TRUE(sad) << sad.error().message;
  CitizenKeySigner signer(hsm.token(), *db_, clock);
  auto batch = [](std::initializer_list<const char*> texts) {
    std::vector<DigestToSign> out;
    for (const char* t : texts) out.push_back({hsm::DigestAlgorithm::sha256, digest_of(t), hsm::RsaPadding::pkcs1v15});
    return out;
  };
  // One digest the SAD does not name, or one named once but asked twice: nothing is signed or spent.
  auto mixed = signer.sign_all(*sad, alice().id, alice_key, batch({"a", "z"}));
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().code, ErrorCode::forbidden);
  auto twice = signer.sign_all(*sad, alice().id, alice_key, batch({"a", "a"}));
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("already used"), std::string::npos);
  EXPECT_EQ(refusals(), 2);
  auto whole = signer.sign_all(*sad, alice().id, alice_key, batch({"b", "a"}));
  ASSERT_TRUE(whole) << whole.error().message;
  ASSERT_EQ(whole->size(), 2u);
  EXPECT_FALSE(signer.sign_all(*sad, alice().id, alice_key, batch({"b"})));
}

TEST_F(SadTest, RefusesADigestItDoesNotAuthorise) {
  auto sad = activate(alice(), alice_key, "+34600111222", {digest_of("a")});
  ASSERT_TRUE(sad) << sad.error().message;
  CitizenKeySigner signer(hsm.token(), *db_, clock);
  auto other = signer.sign(*sad, alice().id, alice_key, hsm::DigestAlgorithm::sha256, digest_of("z"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::forbidden);
  EXPECT_EQ(refusals(), 1);
}

TEST_F(SadTest, RefusesAnotherCitizensSadAndAnotherKey) {
  auto bobs = activate(bob(), bob_key, "+34600333444", {digest_of("a")});
  ASSERT_TRUE(bobs) << bobs.error().message;
  CitizenKeySigner signer(hsm.token(), *db_, clock);
  auto on_alice = signer.sign(*bobs, alice().id, alice_key, hsm::DigestAlgorithm::sha256, digest_of("a"));
  ASSERT_FALSE(on_alice);
  EXPECT_EQ(on_alice.error().code, ErrorCode::forbidden);
  auto on_alices_key = signer.sign(*bobs, bob().id, alice_key, hsm::DigestAlgorithm::sha256, digest_of("a"));
  ASSERT_FALSE(on_alices_key);
  EXPECT_EQ(refusals(), 2);
  // The refusals spent nothing: Bob's SAD still signs for Bob.
  EXPECT_TRUE(signer.sign(*bobs, bob().id, bob_key, hsm::DigestAlgorithm::sha256, digest_of("a")));
}

TEST_F(SadTest, RefusesAnExpiredSad) {
  auto sad = activate(alice(), alice_key, "+34600111222", {digest_of("a")});
  ASSERT_TRUE(sad) << sad.error().message;
  clock.advance(121s);
  CitizenKeySigner signer(hsm.token(), *db_, clock);
  auto late = signer.sign(*sad, alice().id, alice_key, hsm::DigestAlgorithm::sha256, digest_of("a"));
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().message.find("expired"), std::string::npos);
  EXPECT_EQ(refusals(), 1);
}

TEST_F(SadTest, AnOtpConfirmsOnlyTheDigestsItWasBoundTo) {
  auto sad = activate(alice(), alice_key, "+34600111222", {digest_of("a")}, std::vector<Bytes>{digest_of("evil")});
  ASSERT_FALSE(sad);
  EXPECT_EQ(sad.error().code, ErrorCode::otp_invalid) << sad.error().message;
}

TEST_F(SadTest, AWrongOtpMintsNothing) {
  const TransactionId tx("tx-1");
  std::vector<Bytes> digests = {digest_of("a")};
  auto challenge = world->citizens().start_reinforced(alice().nif, password, kSignaturePurpose,
                                                      signing_context(tx, alice_key, digests), "Firma: {otp}");
  ASSERT_TRUE(challenge);
  SignatureActivation activation(*db_, world->citizens(), clock, random, 120s);
  std::string wrong = world->last_otp("+34600111222");
  wrong[0] = wrong[0] == '9' ? '0' : static_cast<char>(wrong[0] + 1);
  auto sad = activation.activate(tx, challenge->challenge_id, Secret(wrong), alice().id, alice_key, digests);
  ASSERT_FALSE(sad);
  EXPECT_EQ(sad.error().code, ErrorCode::otp_invalid);
}

}  // namespace
}  // namespace firma::signer
