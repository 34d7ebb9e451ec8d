// Security invariant 1 (ARCHITECTURE.md): a citizen key signs only with a valid, unexpired SAD that has an unspent
// entry for exactly that citizen, key, application, digest algorithm, digest and padding; every refusal is in the
// audit trail. The SAD is authorised (password, OTP bound to its entries) apart from the signing that spends it.
#include "signer/sad.h"

#include <gtest/gtest.h>

#include <type_traits>

#include "core/clock.h"
#include "core/random.h"
#include "signer/citizen_key_signer.h"
#include "signer/signature_activation.h"
#include "signer/transactions.h"
#include "store/audit_log.h"
#include "store/database.h"
#include "support/citizen_world.h"
#include "support/softhsm_token.h"
#include "support/temp_dir.h"

namespace firma::signer {
namespace {

using namespace std::chrono_literals;

// Invariant 1 by construction: the signing service is handed the CitizenKeySigner, and cannot be handed the token.
static_assert(std::is_constructible_v<TransactionService, store::Database&, identity::CitizenService&,
                                      certs::CredentialService&, certs::CertificateAuthority&, CitizenKeySigner&,
                                      LongTermServices, const Clock&, Random&, SigningLimits>);
static_assert(!std::is_constructible_v<TransactionService, store::Database&, identity::CitizenService&,
                                       certs::CredentialService&, certs::CertificateAuthority&, hsm::Token&,
                                       LongTermServices, const Clock&, Random&, SigningLimits>);

SadEntry entry(std::string_view text, hsm::RsaPadding padding = hsm::RsaPadding::pkcs1v15,
               hsm::DigestAlgorithm algorithm = hsm::DigestAlgorithm::sha256) {
  return SadEntry{algorithm, sha256(text), padding};
}

std::vector<SadEntry> entries(std::initializer_list<const char*> texts) {
  std::vector<SadEntry> out;
  for (const char* t : texts) out.push_back(entry(t));
  return out;
}

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
    ASSERT_TRUE(hsm.token()
                    .generate_key_pair(alice_key, hsm::KeyAlgorithm::ec_p256, hsm::KeyPurpose::citizen_signing, "alice")
                    .ok());
    ASSERT_TRUE(hsm.token()
                    .generate_key_pair(bob_key, hsm::KeyAlgorithm::ec_p256, hsm::KeyPurpose::citizen_signing, "bob")
                    .ok());
  }

  SadBinding alices() const { return {alice().id, alice_key, app}; }
  SadBinding bobs() const { return {bob().id, bob_key, app}; }
  static SadRequest request(SadBinding binding, std::vector<SadEntry> wanted, std::size_t budget = 0) {
    const std::size_t all = wanted.size();
    return SadRequest{std::move(binding), std::move(wanted), budget == 0 ? all : budget, TransactionId("tx-1")};
  }

  // The whole reinforced authentication: password, OTP bound to `bound` by SMS (read from the outbox), then the
  // SAD for `asked` (the same request unless a test says otherwise).
  Result<Sad> authorise(const identity::Citizen& who, const std::string& mobile, const SadRequest& bound,
                        std::optional<SadRequest> asked = std::nullopt) {
    auto challenge = world->citizens().start_reinforced(who.nif, password, kSignaturePurpose, signing_context(bound),
                                                        "Firma: {otp}");
    if (!challenge) return std::move(challenge).error();
    SignatureActivation activation(*db_, world->citizens(), clock, random, 120s);
    return activation.authorise(challenge->challenge_id, Secret(world->last_otp(mobile)), asked.value_or(bound));
  }
  Result<Sad> authorise_alice(std::vector<SadEntry> wanted, std::size_t budget = 0) {
    return authorise(alice(), "+34600111222", request(alices(), std::move(wanted), budget));
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
  AppId app{"app-sede"};
};

TEST_F(SadTest, SignsEachAuthorisedEntryOnce) {
  const auto wanted = entries({"a", "b"});
  auto sad = authorise_alice(wanted);
  ASSERT_TRUE(sad) << sad.error().message;
  CitizenKeySigner signer(hsm.token(), *db_, clock);
  for (const SadEntry& e : wanted) {
    auto signature = signer.sign(sad->value, alices(), e);
    ASSERT_TRUE(signature) << signature.error().message;
    EXPECT_EQ(signature->raw.size(), 64u);
  }
  auto again = signer.sign(sad->value, alices(), wanted[0]);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::forbidden);
  EXPECT_NE(again.error().message.find("already used"), std::string::npos);
  EXPECT_EQ(refusals(), 1);
}

TEST_F(SadTest, ABatchIsSignedWhollyOrNotAtAll) {
  auto sad = authorise_alice(entries({"a", "b"}));
  ASSERT_TRUE(sad) << sad.error().message;
  CitizenKeySigner signer(hsm.token(), *db_, clock);
  // One entry the SAD does not name, or one named once but asked twice: nothing is signed or spent.
  auto mixed = signer.sign_all(sad->value, alices(), entries({"a", "z"}));
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().code, ErrorCode::forbidden);
  auto twice = signer.sign_all(sad->value, alices(), entries({"a", "a"}));
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("already used"), std::string::npos);
  EXPECT_EQ(refusals(), 2);
  auto whole = signer.sign_all(sad->value, alices(), entries({"b", "a"}));
  ASSERT_TRUE(whole) << whole.error().message;
  ASSERT_EQ(whole->size(), 2u);
  EXPECT_FALSE(signer.sign_all(sad->value, alices(), entries({"b"})));
}

// The CSC way: one authorisation, spent by several signing calls, each taking entries still unspent. Equal
// entries are a multiset: each authorises one signature.
TEST_F(SadTest, LaterCallsSignTheEntriesStillUnspent) {
  auto sad = authorise_alice(entries({"a", "b", "a", "c"}));
  ASSERT_TRUE(sad) << sad.error().message;
  CitizenKeySigner signer(hsm.token(), *db_, clock);
  ASSERT_TRUE(signer.sign_all(sad->value, alices(), entries({"a"})));
  auto rest = signer.sign_all(sad->value, alices(), entries({"c", "a", "b"}));
  ASSERT_TRUE(rest) << rest.error().message;
  EXPECT_EQ(rest->size(), 3u);
  auto third = signer.sign_all(sad->value, alices(), entries({"a"}));
  ASSERT_FALSE(third);
  EXPECT_NE(third.error().message.find("already used"), std::string::npos);
}

TEST_F(SadTest, AnEntryMatchesOnlyWithItsAlgorithmAndPadding) {
  auto sad = authorise_alice({entry("a", hsm::RsaPadding::pkcs1v15, hsm::DigestAlgorithm::sha256)});
  ASSERT_TRUE(sad) << sad.error().message;
  CitizenKeySigner signer(hsm.token(), *db_, clock);
  // The same digest bytes under another padding or algorithm name are other entries.
  auto pss = signer.sign(sad->value, alices(), entry("a", hsm::RsaPadding::pss));
  ASSERT_FALSE(pss);
  EXPECT_NE(pss.error().message.find("not authorised"), std::string::npos);
  SadEntry other_algorithm = entry("a");
  other_algorithm.digest_algorithm = hsm::DigestAlgorithm::sha384;
  EXPECT_FALSE(signer.sign(sad->value, alices(), other_algorithm));
  EXPECT_EQ(refusals(), 2);
  EXPECT_TRUE(signer.sign(sad->value, alices(), entry("a")));
}

TEST_F(SadTest, TheBudgetBoundsTheSignaturesWhateverTheEntries) {
  auto sad = authorise_alice(entries({"a", "b", "c"}), 2);
  ASSERT_TRUE(sad) << sad.error().message;
  CitizenKeySigner signer(hsm.token(), *db_, clock);
  auto all = signer.sign_all(sad->value, alices(), entries({"a", "b", "c"}));
  ASSERT_FALSE(all);
  EXPECT_NE(all.error().message.find("budget"), std::string::npos);
  ASSERT_TRUE(signer.sign_all(sad->value, alices(), entries({"c", "a"})));
  EXPECT_FALSE(signer.sign(sad->value, alices(), entry("b")));
  EXPECT_EQ(refusals(), 2);
}

// A reissued SAD: some of the old one's unspent entries, each with its own padding, within the budget left; the old
// SAD ends at once, and both the reissue and its refusals are in the audit trail.
TEST_F(SadTest, AReissuedSadKeepsOnlyUnspentEntriesAndEndsTheOldOne) {
  auto sad = authorise_alice({entry("a"), entry("b", hsm::RsaPadding::pss), entry("c")}, 2);
  ASSERT_TRUE(sad) << sad.error().message;
  CitizenKeySigner signer(hsm.token(), *db_, clock);
  ASSERT_TRUE(signer.sign(sad->value, alices(), entry("a")));
  SignatureActivation activation(*db_, world->citizens(), clock, random, 120s);
  auto spent = activation.reissue(sad->value, alices(), entries({"a"}));
  ASSERT_FALSE(spent);
  EXPECT_NE(spent.error().message.find("already used"), std::string::npos);
  EXPECT_FALSE(activation.reissue(sad->value, bobs(), entries({"b"})));
  EXPECT_EQ(activation.reissue(sad->value, alices(), {}).error().code, ErrorCode::invalid_request);

  clock.advance(100s);
  auto fresh = activation.reissue(sad->value, alices(), entries({"b", "c"}));
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_EQ(fresh->expires_at, clock.now() + 120s);
  EXPECT_FALSE(signer.sign(sad->value, alices(), entry("c")));
  EXPECT_FALSE(activation.reissue(sad->value, alices(), entries({"c"})));
  // b kept its padding; one signature is left of the budget of two.
  EXPECT_FALSE(signer.sign(fresh->value, alices(), entry("b")));
  ASSERT_TRUE(signer.sign(fresh->value, alices(), entry("b", hsm::RsaPadding::pss)));
  auto over = signer.sign(fresh->value, alices(), entry("c"));
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().message.find("budget"), std::string::npos);

  auto events = db_->transact([](store::Tx& tx) { return store::AuditLog::list(tx, 0, 10000); });
  ASSERT_TRUE(events);
  int reissued = 0, refused = 0;
  for (const auto& e : *events)
    if (e.event.action == "sad.reissue") ++(e.event.outcome == "success" ? reissued : refused);
  EXPECT_EQ(reissued, 1);
  EXPECT_EQ(refused, 3);  // spent, Bob's binding, ended
}

TEST_F(SadTest, ARequestOutsideItsBoundsMintsNothing) {
  auto none = authorise_alice({});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::invalid_request);
  auto over = authorise(alice(), "+34600111222", request(alices(), entries({"a"}), 2));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::invalid_request);
}

TEST_F(SadTest, RefusesAnotherCitizenKeyOrApplication) {
  auto bobs_sad = authorise(bob(), "+34600333444", request(bobs(), entries({"a"})));
  ASSERT_TRUE(bobs_sad) << bobs_sad.error().message;
  CitizenKeySigner signer(hsm.token(), *db_, clock);
  EXPECT_FALSE(signer.sign(bobs_sad->value, alices(), entry("a")));
  EXPECT_FALSE(signer.sign(bobs_sad->value, {bob().id, alice_key, app}, entry("a")));
  auto elsewhere = signer.sign(bobs_sad->value, {bob().id, bob_key, AppId("app-other")}, entry("a"));
  ASSERT_FALSE(elsewhere);
  EXPECT_EQ(elsewhere.error().code, ErrorCode::forbidden);
  EXPECT_NE(elsewhere.error().message.find("another application"), std::string::npos);
  EXPECT_EQ(refusals(), 3);
  // The refusals spent nothing: Bob's SAD still signs for Bob.
  EXPECT_TRUE(signer.sign(bobs_sad->value, bobs(), entry("a")));
}

TEST_F(SadTest, RefusesAnExpiredSad) {
  auto sad = authorise_alice(entries({"a"}));
  ASSERT_TRUE(sad) << sad.error().message;
  clock.advance(121s);
  CitizenKeySigner signer(hsm.token(), *db_, clock);
  auto late = signer.sign(sad->value, alices(), entry("a"));
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().message.find("expired"), std::string::npos);
  EXPECT_EQ(refusals(), 1);
}

// The value is the capability: long, random, kept only as its SHA-256; its id is no substitute.
TEST_F(SadTest, TheValueIsStoredOnlyHashed) {
  auto sad = authorise_alice(entries({"a"}));
  ASSERT_TRUE(sad) << sad.error().message;
  EXPECT_GE(sad->value.reveal().size(), 32u) << "at least 128 random bits, hex";
  auto stored = db_->transact([&](store::Tx& tx) -> Result<std::vector<store::Row>> {
    return tx.query("SELECT value_sha256 FROM sads WHERE id = $1", {sad->id});
  });
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(stored->front().text(0), to_hex(sha256(sad->value.reveal())));
  CitizenKeySigner signer(hsm.token(), *db_, clock);
  EXPECT_FALSE(signer.sign(Secret(sad->id), alices(), entry("a")));
  EXPECT_FALSE(signer.sign(Secret(stored->front().text(0)), alices(), entry("a")));
  EXPECT_FALSE(signer.sign(Secret(random.hex_token(32)), alices(), entry("a")));
  EXPECT_EQ(refusals(), 3);
  EXPECT_TRUE(signer.sign(sad->value, alices(), entry("a")));
}

TEST_F(SadTest, AnOtpConfirmsOnlyTheEntriesItWasBoundTo) {
  const SadRequest bound = request(alices(), entries({"a"}));
  SadRequest other_digest = bound;
  other_digest.entries = entries({"evil"});
  SadRequest other_padding = bound;
  other_padding.entries[0].padding = hsm::RsaPadding::pss;
  SadRequest other_app = bound;
  other_app.binding.application = AppId("app-other");
  for (const SadRequest* asked : {&other_digest, &other_padding, &other_app}) {
    auto sad = authorise(alice(), "+34600111222", bound, *asked);
    ASSERT_FALSE(sad);
    EXPECT_EQ(sad.error().code, ErrorCode::otp_invalid) << sad.error().message;
  }
}

TEST_F(SadTest, AWrongOtpMintsNothing) {
  const SadRequest bound = request(alices(), entries({"a"}));
  auto challenge = world->citizens().start_reinforced(alice().nif, password, kSignaturePurpose, signing_context(bound),
                                                      "Firma: {otp}");
  ASSERT_TRUE(challenge);
  SignatureActivation activation(*db_, world->citizens(), clock, random, 120s);
  std::string wrong = world->last_otp("+34600111222");
  wrong[0] = wrong[0] == '9' ? '0' : static_cast<char>(wrong[0] + 1);
  auto sad = activation.authorise(challenge->challenge_id, Secret(wrong), bound);
  ASSERT_FALSE(sad);
  EXPECT_EQ(sad.error().code, ErrorCode::otp_invalid);
}

}  // namespace
}  // namespace firma::signer
