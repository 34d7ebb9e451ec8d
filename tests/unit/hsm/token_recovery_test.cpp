// Recovery: sessions closed or logged out under the pool's feet, keys changed behind the index.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/metrics.h"
#include "hsm/token.h"
#include "hsm_test_util.h"
#include "support/softhsm_token.h"

namespace firma::hsm {
namespace {

using testing::RawModule;
using testing::SoftHsmToken;

metrics::Counter& recoveries() {
  return metrics::counter("firma_hsm_session_recoveries_total", "HSM sessions dropped and reopened after a failure.");
}

struct Fixture {
  SoftHsmToken hsm{3};
  RawModule raw{hsm.module_path()};
  KeyId id{"recover"};
  Bytes spki;
  Bytes digest = sha256(as_bytes("recovery"));

  Fixture() {
    auto generated = hsm.token().generate_key_pair(id, KeyAlgorithm::ec_p256, KeyPurpose::citizen_signing, "recover");
    if (!generated) throw std::runtime_error(generated.error().message);
    spki = *generated;
  }
  bool signs() {
    auto sig = hsm.token().sign_digest(id, DigestAlgorithm::sha256, digest);
    return sig.ok() && testing::openssl_verifies(spki, DigestAlgorithm::sha256, digest, sig->der);
  }
  // Fill the pool with several idle sessions, so that a close-all hits more than one.
  void warm_pool() {
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) threads.emplace_back([this] { signs(); });
    for (auto& t : threads) t.join();
  }
};

TEST(HsmRecovery, SigningSurvivesAllSessionsBeingClosedUnderThePool) {
  Fixture f;
  f.warm_pool();
  ASSERT_TRUE(f.signs());
  const auto before = recoveries().value();

  // Every session of the process goes, and with the last one the login (PKCS#11 v2.40 5.6).
  ASSERT_EQ(f.raw.f().C_CloseAllSessions(f.raw.slot(f.hsm.label())), CKR_OK);

  EXPECT_TRUE(f.signs());
  EXPECT_EQ(recoveries().value() - before, 1u);  // one reopen, not one per stale pooled session
  EXPECT_TRUE(f.signs());
  EXPECT_EQ(recoveries().value() - before, 1u);
}

TEST(HsmRecovery, PingRecoversAfterAllSessionsWereClosed) {
  Fixture f;
  ASSERT_EQ(f.raw.f().C_CloseAllSessions(f.raw.slot(f.hsm.label())), CKR_OK);
  EXPECT_TRUE(f.hsm.token().ping().ok());
  EXPECT_TRUE(f.signs());
}

TEST(HsmRecovery, ALogoutUnderThePoolIsFollowedByANewLogin) {
  Fixture f;
  f.warm_pool();
  CK_SESSION_HANDLE own = f.raw.open_session(f.hsm.label());
  ASSERT_EQ(f.raw.f().C_Logout(own), CKR_OK);  // logs the whole process out
  f.raw.f().C_CloseSession(own);

  // The key must not be taken for gone just because private objects became invisible.
  EXPECT_TRUE(f.signs());
  EXPECT_TRUE(f.hsm.token().has_key(f.id));
  EXPECT_TRUE(f.hsm.token().ping().ok());
}

TEST(HsmRecovery, PingNoticesALogoutAndLogsInAgain) {
  Fixture f;
  CK_SESSION_HANDLE own = f.raw.open_session(f.hsm.label());
  ASSERT_EQ(f.raw.f().C_Logout(own), CKR_OK);
  EXPECT_TRUE(f.hsm.token().ping().ok());
  CK_SESSION_INFO info{};
  ASSERT_EQ(f.raw.f().C_GetSessionInfo(own, &info), CKR_OK);
  EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RW_USER_FUNCTIONS));  // the process is logged in again
  f.raw.f().C_CloseSession(own);
}

TEST(HsmRecovery, AKeyDestroyedBehindTheIndexIsNotFound) {
  Fixture f;
  CK_SESSION_HANDLE own = f.raw.open_session(f.hsm.label());
  for (CK_OBJECT_HANDLE h : f.raw.find(own, f.id.str(), CK_UNAVAILABLE_INFORMATION)) {
    ASSERT_EQ(f.raw.f().C_DestroyObject(own, h), CKR_OK);
  }
  f.raw.f().C_CloseSession(own);

  auto sig = f.hsm.token().sign_digest(f.id, DigestAlgorithm::sha256, f.digest);
  ASSERT_FALSE(sig.ok());
  EXPECT_EQ(sig.error().code, ErrorCode::not_found) << sig.error().message;
  EXPECT_FALSE(f.hsm.token().has_key(f.id));
}

TEST(HsmRecovery, AKeyCreatedByAnotherNodeIsFoundWithoutAReopen) {
  Fixture f;
  // A second Token on the same token stands for another firmad node sharing the HSM.
  auto other = Token::open(f.hsm.module_ptr(), f.hsm.label(), f.hsm.user_pin(), 1);
  ASSERT_TRUE(other.ok()) << other.error().message;
  const KeyId late("created-elsewhere");
  auto spki = (*other)->generate_key_pair(late, KeyAlgorithm::ec_p256, KeyPurpose::citizen_signing, "late");
  ASSERT_TRUE(spki.ok());

  const Bytes digest = sha256(as_bytes("late"));
  auto sig = f.hsm.token().sign_digest(late, DigestAlgorithm::sha256, digest);
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  EXPECT_TRUE(testing::openssl_verifies(*spki, DigestAlgorithm::sha256, digest, sig->der));
}

// Several threads find their pooled sessions dead at the same moment: each recovers, none fails.
// (The sessions are closed between rounds, not during a C_Sign: SoftHSM2 2.6.1 itself crashes when a
// session is closed while another thread signs on it.)
TEST(HsmRecovery, ConcurrentSignersAllRecoverFromTheSameSessionLoss) {
  Fixture f;
  const CK_SLOT_ID slot = f.raw.slot(f.hsm.label());
  for (int round = 0; round < 5; ++round) {
    f.warm_pool();
    ASSERT_EQ(f.raw.f().C_CloseAllSessions(slot), CKR_OK);
    std::atomic<int> ok{0}, failed{0};
    std::vector<std::thread> signers;
    for (int t = 0; t < 6; ++t) {
      signers.emplace_back([&] {
        for (int i = 0; i < 5; ++i) (f.signs() ? ok : failed)++;
      });
    }
    for (auto& t : signers) t.join();
    EXPECT_EQ(failed.load(), 0) << "round " << round;
    EXPECT_EQ(ok.load(), 30);
  }
}

}  // namespace
}  // namespace firma::hsm
