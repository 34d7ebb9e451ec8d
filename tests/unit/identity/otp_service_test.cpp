// OTP challenges: random digits stored hashed, single use, three tries, lifetime, binding, gateway failure, resend.
#include "identity/otp_service.h"

#include "identity_fixture.h"
#include "store/audit_log.h"
#include "store/citizens.h"
#include "store/otp_challenges.h"

namespace firma::identity::testing {
namespace {

using namespace std::chrono_literals;

const std::string kMobile = "+34600111222";
const std::string kText = "Cl@ve Firma: su c\u00F3digo de prueba es {otp}. No lo comparta.";

class OtpServiceTest : public IdentityTest {
 protected:
  void SetUp() override {
    IdentityTest::SetUp();
    if (HasFatalFailure()) return;
    store::CitizenRow row;
    row.id = citizen_;
    row.nif = "12345678Z";
    row.given_name = "Ana";
    row.surname1 = "Garc\u00EDa";
    row.email = "ana@example.es";
    row.mobile = kMobile;
    row.registration_level = RegistrationLevel::advanced;
    row.status = CitizenStatus::active;
    row.activation_code_hash = "x";
    row.created_at = row.updated_at = t0;
    ASSERT_TRUE(db_->transact([&](store::Tx& tx) { return store::CitizenRows::insert(tx, row); }).ok());
    service_ = std::make_unique<OtpService>(*db_, *gateway_, clock_, random_);
  }

  OtpRequest request(std::string purpose = "signature", std::string context = "tx-1:abc") {
    return OtpRequest{citizen_, "12345678Z", kMobile, std::move(purpose), std::move(context), kText, "payload"};
  }

  Result<ChallengeInfo> confirm(const OtpChallenge& c, const std::string& code, std::string purpose = "signature",
                                std::string context = "tx-1:abc") {
    return service_->confirm(c.id, Secret(code), purpose, context, "12345678Z");
  }

  static std::string wrong(const std::string& code) {
    std::string w = code;
    w[0] = w[0] == '9' ? '0' : static_cast<char>(w[0] + 1);
    return w;
  }

  CitizenId citizen_{"ctz-test"};
  std::unique_ptr<OtpService> service_;
};

TEST_P(OtpServiceTest, SendsDigitsNamingThePurposeAndKeepsOnlyAHash) {
  auto c = service_->issue(request());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->masked_mobile, "+34******222");
  EXPECT_EQ(c->expires_at, t0 + 300s);
  auto messages = sms_to(kMobile);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].text.find("de prueba es "), std::string::npos) << messages[0].text;
  const std::string code = last_code(kMobile);
  ASSERT_EQ(code.size(), 6u) << messages[0].text;

  auto row = db_->transact([&](store::Tx& tx) { return store::OtpChallengeRows::find(tx, c->id); });
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->state, "sent");
  EXPECT_EQ((*row)->code_hash.size(), 64u);
  EXPECT_EQ((*row)->code_hash.find(code), std::string::npos);
  EXPECT_EQ((*row)->sms_text.find(code), std::string::npos) << "the template, not the filled text, is kept";
}

TEST_P(OtpServiceTest, TheRightCodeWorksOnce) {
  auto c = service_->issue(request());
  ASSERT_TRUE(c.ok());
  const std::string code = last_code(kMobile);
  auto ok = confirm(*c, code);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->citizen_id, citizen_);
  EXPECT_EQ(ok->payload, "payload");
  auto again = confirm(*c, code);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::otp_expired) << "single use";
}

TEST_P(OtpServiceTest, ThreeWrongAnswersThenTheRightOneIsExhausted) {
  auto c = service_->issue(request());
  ASSERT_TRUE(c.ok());
  const std::string code = last_code(kMobile);
  for (int i = 0; i < 3; ++i) {
    auto r = confirm(*c, wrong(code));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::otp_invalid) << i;
    EXPECT_EQ(r.error().attempts_left, 2 - i) << "tries left after this one";
  }
  auto right = confirm(*c, code);
  ASSERT_FALSE(right.ok());
  EXPECT_EQ(right.error().code, ErrorCode::otp_exhausted);
}

TEST_P(OtpServiceTest, WrongCodesAreCappedPerCitizenAcrossChallenges) {
  // Ten wrong codes an hour by default, whatever the challenge: a new challenge brings no fresh guesses.
  ASSERT_EQ(service_->policy().max_wrong_per_citizen_per_hour, 10);
  for (int challenge = 0; challenge < 3; ++challenge) {
    auto c = service_->issue(request());
    ASSERT_TRUE(c.ok());
    const std::string code = last_code(kMobile);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(confirm(*c, wrong(code)).error().code, ErrorCode::otp_invalid);
    EXPECT_EQ(confirm(*c, code).error().code, ErrorCode::otp_exhausted) << "an exhausted code is no guess";
  }
  auto c = service_->issue(request());
  ASSERT_TRUE(c.ok());
  const std::string code = last_code(kMobile);
  EXPECT_EQ(confirm(*c, wrong(code)).error().code, ErrorCode::otp_invalid) << "the tenth wrong code";
  auto limited = confirm(*c, wrong(code));
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code, ErrorCode::rate_limited);
  ASSERT_TRUE(limited.error().retry_after.has_value());
  EXPECT_NEAR(static_cast<double>(limited.error().retry_after->count()), 360, 1) << "a guess back every 3600/10 s";
  auto right = confirm(*c, code);
  ASSERT_FALSE(right.ok()) << "refused even with the right code";
  EXPECT_EQ(right.error().code, ErrorCode::rate_limited);

  auto events = db_->transact([&](store::Tx& tx) { return store::AuditLog::list(tx, 0, 200); });
  ASSERT_TRUE(events.ok());
  int refused = 0;
  for (const auto& e : *events) refused += e.event.action == "otp.answer" && e.event.outcome == "too_many_wrong_codes";
  EXPECT_EQ(refused, 2) << "each refusal is audited";

  auto row = db_->transact([&](store::Tx& tx) { return store::OtpChallengeRows::find(tx, c->id); });
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->attempts, 1) << "the refusals spent none of the code's tries";

  clock_.advance(361s);
  auto fresh = service_->issue(request());
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(confirm(*fresh, last_code(kMobile)).ok()) << "a guess came back";
}

TEST_P(OtpServiceTest, ExpiresAfterItsLifetime) {
  auto c = service_->issue(request());
  ASSERT_TRUE(c.ok());
  const std::string code = last_code(kMobile);
  clock_.advance(300s);
  auto late = confirm(*c, code);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::otp_expired);

  auto d = service_->issue(request());
  ASSERT_TRUE(d.ok());
  clock_.advance(299s);
  EXPECT_TRUE(confirm(*d, last_code(kMobile)).ok()) << "one second before the end it still works";
}

TEST_P(OtpServiceTest, ConfirmsOnlyThePurposeAndContextItWasBoundTo) {
  auto c = service_->issue(request("signature", "tx-1:abc"));
  ASSERT_TRUE(c.ok());
  const std::string code = last_code(kMobile);
  auto other_context = confirm(*c, code, "signature", "tx-1:abd");
  ASSERT_FALSE(other_context.ok());
  EXPECT_EQ(other_context.error().code, ErrorCode::otp_invalid);
  auto other_purpose = confirm(*c, code, "activation", "tx-1:abc");
  ASSERT_FALSE(other_purpose.ok());
  EXPECT_EQ(other_purpose.error().code, ErrorCode::otp_invalid);
  EXPECT_TRUE(confirm(*c, code).ok()) << "two tries were spent, one remains";
}

TEST_P(OtpServiceTest, AGatewayFailureIsUnavailableAndLeavesTheChallengeDead) {
  gateway_->down = true;
  auto failed = service_->issue(request());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::unavailable);
  EXPECT_TRUE(sms_to(kMobile).empty());

  auto ids = db_->transact([&](store::Tx& tx) { return tx.query("SELECT id, state FROM otp_challenges"); });
  ASSERT_TRUE(ids.ok());
  ASSERT_EQ(ids->size(), 1u);
  EXPECT_EQ(ids->front().text(1), "failed");
  auto dead =
      service_->confirm(ChallengeId(ids->front().text(0)), Secret("123456"), "signature", "tx-1:abc", "12345678Z");
  ASSERT_FALSE(dead.ok());
  EXPECT_EQ(dead.error().code, ErrorCode::otp_expired);

  gateway_->down = false;
  auto later = service_->issue(request());
  ASSERT_TRUE(later.ok()) << "a new request works once the gateway is back";
  EXPECT_TRUE(confirm(*later, last_code(kMobile)).ok());
}

TEST_P(OtpServiceTest, ResendWaitsForTheCooldownAndReplacesTheCode) {
  auto c = service_->issue(request());
  ASSERT_TRUE(c.ok());
  const std::string first = last_code(kMobile);
  auto early = service_->resend(c->id);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, ErrorCode::rate_limited);

  clock_.advance(30s);
  auto resent = service_->resend(c->id);
  ASSERT_TRUE(resent.ok()) << resent.error().message;
  EXPECT_EQ(resent->expires_at, t0 + 30s + 300s);
  ASSERT_EQ(sms_to(kMobile).size(), 2u);
  const std::string second = last_code(kMobile);
  if (second != first) {
    auto old = confirm(*c, first);
    ASSERT_FALSE(old.ok());
    EXPECT_EQ(old.error().code, ErrorCode::otp_invalid) << "the old code stops working";
  }
  EXPECT_TRUE(confirm(*c, second).ok());
  clock_.advance(60s);
  auto used = service_->resend(c->id);
  ASSERT_FALSE(used.ok());
  EXPECT_EQ(used.error().code, ErrorCode::otp_expired);
}

TEST_P(OtpServiceTest, ExpiredChallengesArePurgedAfterADay) {
  auto old = service_->issue(request());
  ASSERT_TRUE(old.ok());
  clock_.advance(24h + 301s);
  auto fresh = service_->issue(request());
  ASSERT_TRUE(fresh.ok());
  auto purged = service_->purge_expired(24h);
  ASSERT_TRUE(purged.ok()) << purged.error().message;
  EXPECT_EQ(*purged, 1);
  auto gone = service_->confirm(old->id, Secret("123456"), "signature", "tx-1:abc", "12345678Z");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::not_found);
  EXPECT_TRUE(confirm(*fresh, last_code(kMobile)).ok());
}

TEST_P(OtpServiceTest, ResendsAreBounded) {
  auto c = service_->issue(request());
  ASSERT_TRUE(c.ok());
  for (int i = 1; i < OtpService::max_sends; ++i) {
    clock_.advance(30s);
    ASSERT_TRUE(service_->resend(c->id).ok()) << i;
  }
  clock_.advance(30s);
  auto refused = service_->resend(c->id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::rate_limited);
}

TEST_P(OtpServiceTest, CodeLengthFollowsThePolicyAndEveryStepIsAuditedWithoutTheCode) {
  auto policy = OtpService::policy_from_config(OtpSettings{8, 120, 3, 30});
  ASSERT_TRUE(policy.ok());
  OtpService eight(*db_, *gateway_, clock_, random_, *policy);
  auto c = eight.issue(request());
  ASSERT_TRUE(c.ok());
  const std::string code = last_code(kMobile);
  EXPECT_EQ(code.size(), 8u);
  EXPECT_EQ(c->expires_at, t0 + 120s);
  EXPECT_FALSE(eight.confirm(c->id, Secret(wrong(code)), "signature", "tx-1:abc", "12345678Z").ok());
  EXPECT_TRUE(eight.confirm(c->id, Secret(code), "signature", "tx-1:abc", "12345678Z").ok());
  EXPECT_FALSE(OtpService::policy_from_config(OtpSettings{9, 300, 3, 30}).ok());

  auto events = db_->transact([&](store::Tx& tx) { return store::AuditLog::list(tx, 0, 100); });
  ASSERT_TRUE(events.ok());
  std::vector<std::string> seen;
  for (const auto& e : *events) {
    seen.push_back(e.event.action + ":" + e.event.outcome);
    EXPECT_EQ(e.event.detail.find(code), std::string::npos);
    EXPECT_EQ(e.event.subject, "12345678Z");
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"otp.issue:success", "otp.sms:sent", "otp.answer:wrong", "otp.answer:ok"}));
}

TEST(SmsTemplate, AValuePutIntoTheTextCannotBecomeAPlaceForTheCode) {
  // An application named "{otp}" once made the SMS show the code twice.
  const std::string text = "su c\u00F3digo es {otp} para firmar 1 documento de " +
                           sms_template_literal("Sede {otp}\r\nOtra {{l\u00EDnea}}") + " (ref. AB12).";
  EXPECT_EQ(fill_sms_text(text, "123456"),
            "su c\u00F3digo es 123456 para firmar 1 documento de Sede {otp}  Otra {{l\u00EDnea}} (ref. AB12).");
  EXPECT_TRUE(sms_template_has_code(text));
  EXPECT_FALSE(sms_template_has_code("de " + sms_template_literal("{otp}")));
  EXPECT_EQ(fill_sms_text("{otp}{otp}", "12"), "1212");
  EXPECT_EQ(fill_sms_text("{{otp}} {otp} }", "7"), "{otp} 7 }") << "a lone brace stays as it is";
}

INSTANTIATE_TEST_SUITE_P(Identity, OtpServiceTest,
                         ::testing::Values(store::Backend::sqlite, store::Backend::postgresql), backend_name);

}  // namespace
}  // namespace firma::identity::testing
