// Recovery without a restart: faults injected by the fake-of-faults module (tests/support/faulty_pkcs11),
// a library that lost its state, and a refused PIN, which is never tried again.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "hsm/token.h"
#include "hsm_test_util.h"
#include "support/softhsm_token.h"
#include "support/temp_dir.h"

namespace firma::hsm {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::RawModule;
using testing::SoftHsmToken;
using testing::TempDir;

// Long enough for the session pool's old backoff (2, 4, 8 ... s) to have grown past the bound below.
constexpr auto kOutage = 6500ms;
// How soon after the token works again signing and readiness must be back.
constexpr auto kRecoveryBound = 5s;

// Points the fault module at a control file; must exist before the module is loaded.
struct FaultControl {
  TempDir dir;
  std::filesystem::path file = dir.path() / "fault";
  FaultControl() {
    ::setenv("FIRMA_FAULT_CONTROL", file.c_str(), 1);
    ::setenv("FIRMA_FAULT_REAL_MODULE", FIRMA_SOFTHSM_MODULE, 1);
  }
  void set(const std::string& word) const {
    const auto next = dir.path() / "fault.next";
    std::ofstream(next) << word << "\n";
    std::filesystem::rename(next, file);  // the module never reads half a word
  }
};

struct Signer {
  SoftHsmToken& hsm;
  KeyId id{"fault"};
  Bytes spki;
  Bytes digest = sha256(as_bytes("fault"));

  explicit Signer(SoftHsmToken& h) : hsm(h) {
    auto generated = hsm.token().generate_key_pair(id, KeyAlgorithm::ec_p256, KeyPurpose::citizen_signing, "fault");
    if (!generated) throw std::runtime_error(generated.error().message);
    spki = *generated;
  }
  bool signs() {
    auto sig = hsm.token().sign_digest(id, DigestAlgorithm::sha256, digest);
    return sig.ok() && testing::openssl_verifies(spki, DigestAlgorithm::sha256, digest, sig->der);
  }
  bool ready() { return hsm.token().ping().ok(); }
  // Polls until both signing and readiness work; how long it took, or nullopt after `bound`.
  std::optional<Clock::duration> time_to_recover(Clock::duration bound) {
    const auto start = Clock::now();
    while (Clock::now() - start < bound) {
      if (ready() && signs()) return Clock::now() - start;
      std::this_thread::sleep_for(100ms);
    }
    return std::nullopt;
  }
};

class HsmFault : public ::testing::TestWithParam<const char*> {};

TEST_P(HsmFault, SigningAndReadinessComeBackOnceTheFaultEnds) {
  FaultControl control;
  SoftHsmToken hsm(3, "firma-test", FIRMA_FAULTY_PKCS11_MODULE);
  Signer signer(hsm);
  ASSERT_TRUE(signer.signs());

  control.set(GetParam());
  auto refused = hsm.token().sign_digest(signer.id, DigestAlgorithm::sha256, signer.digest);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable) << refused.error().message;
  // Requests keep coming during the outage, as readiness probes and citizens do.
  for (const auto start = Clock::now(); Clock::now() - start < kOutage; std::this_thread::sleep_for(100ms)) {
    EXPECT_FALSE(signer.ready());
    EXPECT_FALSE(signer.signs());
  }

  control.set("none");
  auto took = signer.time_to_recover(kRecoveryBound);
  ASSERT_TRUE(took) << "the token still fails "
                    << std::chrono::duration_cast<std::chrono::seconds>(kRecoveryBound).count()
                    << " s after the fault ended";
  std::cout << GetParam() << ": recovered " << std::chrono::duration_cast<std::chrono::milliseconds>(*took).count()
            << " ms after the fault ended\n";
  EXPECT_TRUE(signer.signs());
  EXPECT_TRUE(hsm.token().has_key(signer.id));
}

INSTANTIATE_TEST_SUITE_P(EachFault, HsmFault,
                         ::testing::Values("device_error", "session_invalid", "token_removed", "general_error"));

// The library lost its state behind our back (as a reset device or a crashed daemon leaves it): every
// call answers CKR_CRYPTOKI_NOT_INITIALIZED until the module is initialised again.
TEST(HsmModuleRecovery, ALibraryThatLostItsStateIsInitialisedAgain) {
  SoftHsmToken hsm(3);
  Signer signer(hsm);
  ASSERT_TRUE(signer.signs());
  RawModule raw(hsm.module_path());
  ASSERT_EQ(raw.f().C_Finalize(nullptr), CKR_OK);

  auto took = signer.time_to_recover(kRecoveryBound);
  ASSERT_TRUE(took) << hsm.token().ping().error().message;
  EXPECT_TRUE(signer.signs());
}

// A refused PIN is never tried again (a real HSM counts failed logins and locks the PIN): the token stays
// failed and says why, even after the backoff that once made it try again, and even if the PIN becomes
// right again meanwhile.
TEST(HsmModuleRecovery, ARefusedPinIsNeverTriedAgain) {
  SoftHsmToken hsm(3);
  Signer signer(hsm);
  ASSERT_TRUE(signer.signs());
  RawModule raw(hsm.module_path());
  const std::string old_pin(hsm.user_pin().reveal());
  const std::string new_pin = "changed-" + old_pin;
  auto set_pin = [&](const std::string& from, const std::string& to) {
    CK_SESSION_HANDLE own = raw.open_session(hsm.label());
    auto* f = reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(from.data()));
    auto* t = reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(to.data()));
    CK_RV login = raw.f().C_Login(own, CKU_USER, f, from.size());
    ASSERT_TRUE(login == CKR_OK || login == CKR_USER_ALREADY_LOGGED_IN);
    ASSERT_EQ(raw.f().C_SetPIN(own, f, from.size(), t, to.size()), CKR_OK);
    ASSERT_EQ(raw.f().C_Logout(own), CKR_OK);  // logs the whole process out: the pool must log in again
    raw.f().C_CloseSession(own);
  };

  set_pin(old_pin, new_pin);
  Status refused = hsm.token().ping();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::unauthorized) << refused.error().message;
  EXPECT_NE(refused.error().message.find("PIN"), std::string::npos) << refused.error().message;
  EXPECT_EQ(refused.error().message.find(old_pin), std::string::npos) << "never the PIN itself";

  set_pin(new_pin, old_pin);  // the PIN the token holds is right again, but it was refused once
  std::this_thread::sleep_for(2500ms);
  for (int i = 0; i < 5; ++i) {
    Status again = hsm.token().ping();
    ASSERT_FALSE(again.ok()) << "a refused PIN was tried again";
    EXPECT_EQ(again.error().code, ErrorCode::unauthorized);
    EXPECT_NE(again.error().message.find("not tried again"), std::string::npos) << again.error().message;
  }
  EXPECT_FALSE(signer.signs());
}

}  // namespace
}  // namespace firma::hsm
