// CitizenService on both backends: registration rules, rehash on login, atomic lockout under concurrency, the
// reinforced level, deregistration hooks and re-registration.
#include <time.h>

#include <atomic>
#include <thread>
#include <type_traits>

#include "identity/citizens.h"
#include "identity/otp_service.h"
#include "identity/password_hasher.h"
#include "identity_fixture.h"
#include "store/citizens.h"

namespace firma::identity::testing {
namespace {

using namespace std::chrono_literals;

const Argon2Parameters kSmall{1024, 1, 1};
const std::string kMobile = "+34600111222";
const Secret kPassword("Girasol.2024");

class CitizenServiceTest : public IdentityTest {
 protected:
  void SetUp() override {
    IdentityTest::SetUp();
    if (HasFatalFailure()) return;
    hasher_ = std::make_unique<PasswordHasher>(kSmall, random_);
    otp_ = std::make_unique<OtpService>(*db_, *gateway_, clock_, random_);
    service_ = std::make_unique<CitizenService>(*db_, *otp_, *hasher_, clock_, random_);
  }

  static policies::Nif nif(std::string_view text = "12345678Z") { return policies::Nif::parse(text).value(); }

  CitizenRegistration registration(std::string nif_text = "12345678Z") {
    return CitizenRegistration{std::move(nif_text), "Ana",   "Garc\u00EDa", "L\u00F3pez",
                               "ana@example.es",    kMobile, "advanced"};
  }

  // Registers and activates 12345678Z with kPassword; the activation code.
  std::string activate(std::string nif_text = "12345678Z") {
    auto registered = service_->register_citizen(registration(nif_text), "operator:test");
    EXPECT_TRUE(registered.ok()) << registered.error().message;
    if (!registered.ok()) return {};
    auto started = service_->start_activation(nif(nif_text), "ana@example.es", registered->activation_code);
    EXPECT_TRUE(started.ok()) << started.error().message;
    if (!started.ok()) return {};
    auto done = service_->complete_activation(started->challenge_id, Secret(last_code(kMobile)), kPassword);
    EXPECT_TRUE(done.ok()) << done.error().message;
    return std::string(registered->activation_code.reveal());
  }

  std::string stored_hash() {
    auto row = db_->transact([&](store::Tx& tx) { return store::CitizenRows::find_by_nif(tx, "12345678Z"); });
    return row.ok() && row->has_value() ? (*row)->password_hash.value_or("") : "";
  }

  std::unique_ptr<PasswordHasher> hasher_;
  std::unique_ptr<OtpService> otp_;
  std::unique_ptr<CitizenService> service_;
};

TEST_P(CitizenServiceTest, RegistrationNormalisesValidatesAndShowsTheCodeOnce) {
  CitizenRegistration r = registration("  12345678z ");
  r.email = " Ana.Garcia@EXAMPLE.es ";
  r.mobile = "+34 600 111 222";
  r.surname2 = "";
  auto registered = service_->register_citizen(r, "operator:test");
  ASSERT_TRUE(registered.ok()) << registered.error().message;
  const Citizen& c = registered->citizen;
  EXPECT_EQ(c.nif.str(), "12345678Z");
  EXPECT_EQ(c.email, "Ana.Garcia@example.es");
  EXPECT_EQ(c.mobile, kMobile);
  EXPECT_EQ(c.surname2, "");
  EXPECT_EQ(c.status, CitizenStatus::pending_activation);
  EXPECT_EQ(c.registration_level, RegistrationLevel::advanced);
  EXPECT_FALSE(c.password_expires_at.has_value());
  const std::string code(registered->activation_code.reveal());
  ASSERT_EQ(code.size(), 19u) << code;
  EXPECT_EQ(code[4], '-');

  auto row = db_->transact([&](store::Tx& tx) { return store::CitizenRows::find_by_nif(tx, "12345678Z"); });
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->activation_code_hash.size(), 64u);
  EXPECT_EQ((*row)->activation_code_hash.find(code.substr(0, 4)), std::string::npos);

  auto twice = service_->register_citizen(registration(), "operator:test");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::conflict);

  for (auto [field, value] :
       {std::pair{"nif", "12345678A"}, std::pair{"email", "ana@"}, std::pair{"mobile", "600111222"},
        std::pair{"registration_level", "medium"}, std::pair{"given_name", "R2D2"}}) {
    CitizenRegistration bad = registration("X1234567L");
    if (std::string(field) == "nif") bad.nif = value;
    if (std::string(field) == "email") bad.email = value;
    if (std::string(field) == "mobile") bad.mobile = value;
    if (std::string(field) == "registration_level") bad.registration_level = value;
    if (std::string(field) == "given_name") bad.given_name = value;
    auto refused = service_->register_citizen(bad, "operator:test");
    ASSERT_FALSE(refused.ok()) << field;
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_request) << field;
    EXPECT_EQ(refused.error().message.rfind(field, 0), 0u) << refused.error().message;
  }
}

TEST_P(CitizenServiceTest, TheRecordOtherModulesReadByNif) {
  activate();
  auto c = service_->find_by_nif(nif());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->given_name, "Ana");
  EXPECT_EQ(c->surname1, "Garc\u00EDa");
  EXPECT_EQ(c->surname2, "L\u00F3pez");
  EXPECT_EQ(c->status, CitizenStatus::active);
  EXPECT_EQ(c->registration_level, RegistrationLevel::advanced);
  EXPECT_EQ(c->password_expires_at, t0 + std::chrono::days(365));
  auto by_id = service_->find_by_id(c->id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->nif, c->nif);
  auto unknown = service_->find_by_nif(nif("X1234567L"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
}

TEST_P(CitizenServiceTest, ALoginWithChangedParametersRehashesThePassword) {
  activate();
  EXPECT_EQ(stored_hash().rfind("$argon2id$v=19$m=1024,t=1,p=1$", 0), 0u) << stored_hash();
  PasswordHasher stronger(Argon2Parameters{2048, 2, 1}, random_);
  CitizenService upgraded(*db_, *otp_, stronger, clock_, random_);
  auto login = upgraded.authenticate_password(nif(), kPassword);
  ASSERT_TRUE(login.ok()) << login.error().message;
  EXPECT_EQ(stored_hash().rfind("$argon2id$v=19$m=2048,t=2,p=1$", 0), 0u) << stored_hash();
  EXPECT_TRUE(upgraded.authenticate_password(nif(), kPassword).ok());
  EXPECT_TRUE(service_->authenticate_password(nif(), kPassword).ok()) << "the old settings read the new hash too";
}

TEST_P(CitizenServiceTest, ConcurrentWrongPasswordsLockAtExactlyFive) {
  activate();
  std::atomic<int> wrong{0}, locked{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 10; ++i)
    threads.emplace_back([&] {
      auto r = service_->authenticate_password(nif(), Secret("Equivocada.1"));
      if (r.ok())
        ++other;
      else if (r.error().code == ErrorCode::invalid_credentials)
        ++wrong;
      else if (r.error().code == ErrorCode::account_locked)
        ++locked;
      else
        ++other;
    });
  for (auto& t : threads) t.join();
  // Four failures are counted, the fifth locks and says so, and so does every check that finds the account locked.
  EXPECT_EQ(wrong.load(), 4);
  EXPECT_EQ(locked.load(), 6);
  EXPECT_EQ(other.load(), 0);
  auto c = service_->find_by_nif(nif());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->status, CitizenStatus::locked);
  EXPECT_EQ(c->failed_attempts, 5);
  auto right = service_->authenticate_password(nif(), kPassword);
  ASSERT_FALSE(right.ok());
  EXPECT_EQ(right.error().code, ErrorCode::account_locked);
}

// Until the password is proven right, an answer tells nothing about the account: every refusal has the same code
// and words, and takes one Argon2id verification, whether the NIF is unknown, not activated or deregistered. A
// locked account says so to any password, the right one included: the lock is no oracle for guesses.
TEST_P(CitizenServiceTest, UntilThePasswordIsProvenEveryRefusalLooksAndTakesTheSame) {
  const Argon2Parameters slow{16384, 2, 1};  // long enough to stand out of the database's time
  PasswordHasher hasher(slow, random_);
  CitizenService service(*db_, *otp_, hasher, clock_, random_);
  auto registered = service.register_citizen(registration(), "operator:test");
  ASSERT_TRUE(registered.ok());
  auto started = service.start_activation(nif(), "ana@example.es", registered->activation_code);
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(service.complete_activation(started->challenge_id, Secret(last_code(kMobile)), kPassword).ok());
  ASSERT_TRUE(service.register_citizen(registration("X1234567L"), "operator:test").ok());  // never activated
  for (int i = 0; i < 5; ++i) (void)service.authenticate_password(nif(), Secret("Equivocada.1"));
  ASSERT_EQ(service.find_by_nif(nif())->status, CitizenStatus::locked);

  // The work a refusal costs, as this thread's CPU time (the password check runs on the caller's thread): unlike
  // the time on the wall, other processes on a busy machine do not blur it.
  const auto thread_cpu = [] {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
  };
  const auto refusal = [&](const policies::Nif& who, const Secret& password) {
    std::chrono::nanoseconds fastest = std::chrono::hours(1);
    Error error{ErrorCode::internal, ""};
    for (int i = 0; i < 3; ++i) {
      const auto start = thread_cpu();
      auto r = service.authenticate_password(who, password);
      fastest = std::min(fastest, thread_cpu() - start);
      EXPECT_FALSE(r.ok());
      if (!r.ok()) error = r.error();
    }
    return std::make_pair(error, fastest);
  };
  const auto [unknown, unknown_time] = refusal(nif("87654321X"), kPassword);
  const auto [pending, pending_time] = refusal(nif("X1234567L"), kPassword);
  const auto [locked, locked_time] = refusal(nif(), Secret("Equivocada.2"));
  for (const Error& e : {unknown, pending}) {
    EXPECT_EQ(e.code, ErrorCode::invalid_credentials);
    EXPECT_EQ(e.message, unknown.message);
    EXPECT_FALSE(e.attempts_left.has_value());
  }
  // Each refusal verified a password: at least half as long as the unknown NIF's dummy verification.
  EXPECT_GT(pending_time * 2, unknown_time) << "a NIF not yet activated";
  EXPECT_GT(locked_time * 2, unknown_time) << "a locked account";
  EXPECT_GT(unknown_time, std::chrono::milliseconds(5)) << "the dummy verification ran";

  const auto [right, right_time] = refusal(nif(), kPassword);
  EXPECT_EQ(locked.code, ErrorCode::account_locked);
  EXPECT_EQ(right.code, locked.code) << "the right password is not told apart on a locked account";
  EXPECT_EQ(right.message, locked.message);
  EXPECT_GT(right_time * 2, locked_time);
  EXPECT_EQ(service.find_by_nif(nif())->failed_attempts, 5) << "failures on a locked account count no further";
}

TEST_P(CitizenServiceTest, ASuccessResetsTheCount) {
  activate();
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(service_->authenticate_password(nif(), Secret("Equivocada.1")).ok());
  EXPECT_EQ(service_->find_by_nif(nif())->failed_attempts, 4);
  ASSERT_TRUE(service_->authenticate_password(nif(), kPassword).ok());
  EXPECT_EQ(service_->find_by_nif(nif())->failed_attempts, 0);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(service_->authenticate_password(nif(), Secret("Equivocada.1")).ok());
  EXPECT_TRUE(service_->authenticate_password(nif(), kPassword).ok()) << "consecutive failures only";
}

TEST_P(CitizenServiceTest, TheReinforcedLevelBindsTheCodeToPurposeAndContext) {
  activate();
  const std::string text = "Cl@ve Firma: firmar 2 documentos de Sede (ref ab12): su c\u00F3digo es {otp}.";
  auto started = service_->start_reinforced(nif(), kPassword, "signature", "tx-9:digests", text);
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_EQ(started->masked_mobile, "+34******222");
  EXPECT_EQ(started->citizen.nif.str(), "12345678Z");
  EXPECT_NE(sms_to(kMobile).back().text.find("firmar 2 documentos"), std::string::npos);
  const std::string code = last_code(kMobile);

  auto other = service_->complete_reinforced(started->challenge_id, Secret(code), "signature", "tx-9:other");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::otp_invalid);
  auto done = service_->complete_reinforced(started->challenge_id, Secret(code), "signature", "tx-9:digests");
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->nif.str(), "12345678Z");
  auto replay = service_->complete_reinforced(started->challenge_id, Secret(code), "signature", "tx-9:digests");
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error().code, ErrorCode::otp_expired);

  EXPECT_FALSE(service_->start_reinforced(nif(), kPassword, "password_change", "x", text).ok())
      << "an account-flow purpose is not the reinforced level's";
  auto wrong = service_->start_reinforced(nif(), Secret("Equivocada.1"), "signature", "x", text);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::invalid_credentials);
  EXPECT_EQ(wrong.error().attempts_left, 4) << "five in all, one spent";
  auto again = service_->start_reinforced(nif(), Secret("Equivocada.2"), "signature", "x", text);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().attempts_left, 3);
  auto unknown = service_->start_reinforced(nif("87654321X"), kPassword, "signature", "x", text);
  ASSERT_FALSE(unknown.ok());
  EXPECT_FALSE(unknown.error().attempts_left.has_value()) << "nothing is counted for a NIF with no account";
}

// The caller sequences the reinforced level (no callback up into it): the password first, then whatever the OTP
// is to confirm is prepared, then the OTP goes, only for a citizen whose password was just verified.
static_assert(!std::is_constructible_v<VerifiedCitizen, Citizen>, "only the password check makes one");
static_assert(!std::is_copy_constructible_v<VerifiedCitizen>);

TEST_P(CitizenServiceTest, TheReinforcedLevelIsPasswordThenAnOtpSentForTheVerifiedCitizen) {
  activate();
  const std::size_t sms_before = sms_to(kMobile).size();
  auto verified = service_->verify_reinforced_password(nif(), kPassword);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->citizen().nif.str(), "12345678Z");
  EXPECT_EQ(sms_to(kMobile).size(), sms_before) << "no OTP before the caller asks for one";
  auto sent = service_->send_reinforced_otp(*verified, "signature", "prepared-after-the-password",
                                            "Firma: su c\u00F3digo es {otp}.");
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ(sent->citizen.id, verified->citizen().id);
  auto done = service_->complete_reinforced(sent->challenge_id, Secret(last_code(kMobile)), "signature",
                                            "prepared-after-the-password");
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_FALSE(service_->send_reinforced_otp(*verified, "password_reset", "x", "Firma: {otp}").ok())
      << "an account-flow purpose is not the reinforced level's";

  auto wrong = service_->verify_reinforced_password(nif(), Secret("Equivocada.1"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::invalid_credentials);
  EXPECT_EQ(wrong.error().attempts_left, 4) << "counts toward the lockout like any password check";
  clock_.advance(std::chrono::days(365));
  auto expired = service_->verify_reinforced_password(nif(), kPassword);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, ErrorCode::password_expired);
}

TEST_P(CitizenServiceTest, AnExpiredPasswordCannotReachTheReinforcedLevelButCanBeChanged) {
  activate();
  clock_.advance(std::chrono::days(365));
  auto normal = service_->authenticate_password(nif(), kPassword);
  ASSERT_TRUE(normal.ok());
  EXPECT_TRUE(normal->password_expired);
  auto reinforced = service_->start_reinforced(nif(), kPassword, "signature", "ctx", "c\u00F3digo {otp}");
  ASSERT_FALSE(reinforced.ok());
  EXPECT_EQ(reinforced.error().code, ErrorCode::password_expired);

  auto change = service_->start_password_change(nif(), kPassword, Secret("Margarita.2025"));
  ASSERT_TRUE(change.ok()) << change.error().message;
  auto changed = service_->complete_password_change(change->challenge_id, Secret(last_code(kMobile)));
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_EQ(changed->password_expires_at, clock_.now() + std::chrono::days(365));
  EXPECT_TRUE(
      service_->start_reinforced(nif(), Secret("Margarita.2025"), "signature", "ctx", "c\u00F3digo {otp}").ok());
}

TEST_P(CitizenServiceTest, DeregistrationRunsItsHooksAndAFailingStepUndoesIt) {
  activate();
  std::vector<std::string> calls;
  bool fail_step = true;
  service_->on_deregistering([&](store::Tx& tx, const Citizen& c) -> Status {
    auto row = store::CitizenRows::find_by_id(tx, c.id);
    calls.push_back("step:" +
                    (row.ok() && row->has_value() ? std::string(to_string((*row)->status)) : std::string("?")));
    if (fail_step) return make_error(ErrorCode::unavailable, "PKI down");
    return {};
  });
  service_->on_deregistered([&](const Citizen& c) { calls.push_back("after:" + std::string(to_string(c.status))); });

  auto started = service_->start_deregistration(nif(), kPassword);
  ASSERT_TRUE(started.ok()) << started.error().message;
  const std::string code = last_code(kMobile);
  auto refused = service_->complete_deregistration(started->challenge_id, Secret(code));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
  EXPECT_EQ(service_->find_by_nif(nif())->status, CitizenStatus::active) << "rolled back";

  fail_step = false;
  auto done = service_->complete_deregistration(started->challenge_id, Secret(code));
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->status, CitizenStatus::deregistered);
  EXPECT_EQ(calls, (std::vector<std::string>{"step:deregistered", "step:deregistered", "after:deregistered"}));

  auto login = service_->authenticate_password(nif(), kPassword);
  ASSERT_FALSE(login.ok());
  EXPECT_EQ(login.error().code, ErrorCode::invalid_credentials);
  auto code_again = service_->regenerate_activation_code(nif(), "operator:test");
  ASSERT_FALSE(code_again.ok());
  EXPECT_EQ(code_again.error().code, ErrorCode::not_found);

  auto again = service_->register_citizen(registration(), "operator:test");
  ASSERT_TRUE(again.ok()) << "a deregistered NIF may register anew: " << again.error().message;
  EXPECT_NE(again->citizen.id, done->id);
  EXPECT_EQ(service_->find_by_nif(nif())->id, again->citizen.id) << "the live account wins";
}

INSTANTIATE_TEST_SUITE_P(Identity, CitizenServiceTest,
                         ::testing::Values(store::Backend::sqlite, store::Backend::postgresql), backend_name);

}  // namespace
}  // namespace firma::identity::testing
