// Every citizen flow over HTTP against an in-process server, on SQLite and on PostgreSQL: happy paths, wrong data,
// OTP tries and expiry, lockout and reset, regenerated codes, change, deregistration, rate limits, roles, gateway
// failure, and no secret in the logs.
#include <gtest/gtest.h>

#include "citizens_http.h"
#include "store/audit_log.h"

namespace firma::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kNif = "12345678Z";
const std::string kMobile = "+34600111222";
const std::string kPassword = "Girasol.2024";

std::string backend_name(const ::testing::TestParamInfo<store::Backend>& info) {
  return std::string(store::to_string(info.param));
}

std::string wrong(const std::string& otp) {
  std::string w = otp;
  if (!w.empty()) w[0] = w[0] == '9' ? '0' : static_cast<char>(w[0] + 1);
  return w;
}

class CitizensFlows : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    try {
      server_ = std::make_unique<CitizensServer>(GetParam());
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
  }
  CitizensServer& s() { return *server_; }

  Reply start_activation(const std::string& code, const std::string& email = "ana@example.es",
                         const std::string& nif = kNif) {
    return s().post("/v1/citizens/activation", {{"nif", nif}, {"email", email}, {"activation_code", code}});
  }
  Reply complete_activation(const Reply& started, const std::string& otp, const std::string& password = kPassword) {
    return s().post("/v1/citizens/activation/complete",
                    {{"challenge_id", started.body.value("challenge_id", "")}, {"otp", otp}, {"password", password}});
  }
  Reply start_change(const std::string& password, const std::string& new_password = "Margarita.2025") {
    return s().post("/v1/citizens/password/change",
                    {{"nif", kNif}, {"password", password}, {"new_password", new_password}});
  }

  std::unique_ptr<CitizensServer> server_;
};

TEST_P(CitizensFlows, RegistrationThenActivation) {
  auto registered = s().post("/v1/admin/citizens",
                             {{"nif", " 12345678z "},
                              {"given_name", "Ana"},
                              {"surname1", "Garc\u00EDa"},
                              {"email", "ana@example.es"},
                              {"mobile", "+34 600 111 222"},
                              {"registration_level", "advanced"}},
                             s().registrar_token);
  ASSERT_EQ(registered.status, 201) << registered.body.dump();
  EXPECT_EQ(registered.body["nif"], kNif);
  EXPECT_EQ(registered.body["status"], "pending_activation");
  const std::string code = registered.body.value("activation_code", "");
  ASSERT_FALSE(code.empty());

  json record = s().citizen(kNif);
  EXPECT_EQ(record["id"], registered.body["id"]);
  EXPECT_EQ(record["mobile"], kMobile);
  EXPECT_EQ(record["surname2"], nullptr);
  EXPECT_EQ(record["status"], "pending_activation");
  EXPECT_EQ(record["failed_attempts"], 0);
  EXPECT_EQ(record["password_expires_at"], nullptr);
  EXPECT_FALSE(record.contains("activation_code"));
  EXPECT_EQ(record.dump().find(code), std::string::npos) << "the record never shows a secret";

  auto started = start_activation(code);
  ASSERT_EQ(started.status, 202) << started.body.dump();
  EXPECT_EQ(started.body["otp_sent_to"], "+34******222");
  auto texts = s().sms_to(kMobile);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_NE(texts[0].find("activaci\u00F3n"), std::string::npos) << texts[0];

  auto done = complete_activation(started, s().last_otp(kMobile));
  ASSERT_EQ(done.status, 200) << done.body.dump();
  EXPECT_EQ(done.body["status"], "active");
  EXPECT_EQ(done.body["password_expires_at"], to_rfc3339(kStart + std::chrono::days(365)));
  EXPECT_EQ(s().citizen(kNif)["status"], "active");

  auto twice = s().post("/v1/admin/citizens",
                        {{"nif", kNif},
                         {"given_name", "Otra"},
                         {"surname1", "Persona"},
                         {"email", "o@example.es"},
                         {"mobile", "+34600999888"},
                         {"registration_level", "basic"}},
                        s().admin_token);
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.body["code"], "conflict");
}

TEST_P(CitizensFlows, WrongCodeEmailOrNifSendsNoSmsAndSaysTheSame) {
  const std::string code = s().register_citizen(kNif, kMobile);
  std::string wrong_code = code;
  wrong_code[0] = wrong_code[0] == 'A' ? 'B' : 'A';
  std::vector<Reply> replies = {start_activation(wrong_code), start_activation(code, "otra@example.es"),
                                start_activation(code, "ana@example.es", "X1234567L")};
  for (const auto& r : replies) {
    EXPECT_EQ(r.status, 401) << r.body.dump();
    EXPECT_EQ(r.body["code"], "invalid_credentials");
    EXPECT_EQ(r.body["detail"], replies[0].body["detail"]) << "the same words whatever was wrong";
    EXPECT_EQ(r.content_type, "application/problem+json");
  }
  EXPECT_TRUE(s().sms_to(kMobile).empty());
  std::string lower = code;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(start_activation(lower, " ANA@example.ES").status, 202) << "case and spaces are forgiven";
}

TEST_P(CitizensFlows, ThreeWrongCodesThenTheRightOneIsRefused) {
  const std::string code = s().register_citizen(kNif, kMobile);
  auto started = start_activation(code);
  ASSERT_EQ(started.status, 202);
  const std::string otp = s().last_otp(kMobile);
  for (int i = 0; i < 3; ++i) {
    auto r = complete_activation(started, wrong(otp));
    EXPECT_EQ(r.status, 401) << i;
    EXPECT_EQ(r.body["code"], "otp_invalid");
  }
  auto right = complete_activation(started, otp);
  EXPECT_EQ(right.status, 403);
  EXPECT_EQ(right.body["code"], "otp_exhausted");
  EXPECT_EQ(s().citizen(kNif)["status"], "pending_activation");

  auto again = start_activation(code);
  ASSERT_EQ(again.status, 202) << "a new challenge starts afresh";
  EXPECT_EQ(complete_activation(again, s().last_otp(kMobile)).status, 200);
}

TEST_P(CitizensFlows, AnExpiredCodeIsRefused) {
  const std::string code = s().register_citizen(kNif, kMobile);
  auto started = start_activation(code);
  ASSERT_EQ(started.status, 202);
  s().clock.advance(300s);
  auto late = complete_activation(started, s().last_otp(kMobile));
  EXPECT_EQ(late.status, 410);
  EXPECT_EQ(late.body["code"], "otp_expired");
}

TEST_P(CitizensFlows, AWeakPasswordIsRefusedWithoutSpendingTheCode) {
  const std::string code = s().register_citizen(kNif, kMobile);
  auto started = start_activation(code);
  ASSERT_EQ(started.status, 202);
  const std::string otp = s().last_otp(kMobile);
  for (const std::string weak : {"corta1!", "solominusculas", "Garcia.2024x", "x12345678Z!"}) {
    auto r = complete_activation(started, otp, weak);
    EXPECT_EQ(r.status, 422) << weak << " " << r.body.dump();
    EXPECT_EQ(r.body["code"], "password_policy") << weak;
  }
  EXPECT_EQ(complete_activation(started, otp).status, 200) << "the code was not spent by policy refusals";
}

TEST_P(CitizensFlows, FiveFailuresLockEvenTheRightPasswordUntilAReset) {
  const std::string code = s().activate(kNif, kMobile, kPassword);
  for (int i = 1; i <= 4; ++i) {
    auto r = start_change("Equivocada." + std::to_string(i));
    EXPECT_EQ(r.status, 401) << i;
    EXPECT_EQ(r.body["code"], "invalid_credentials");
  }
  auto fifth = start_change("Equivocada.5");
  EXPECT_EQ(fifth.status, 423);
  EXPECT_EQ(fifth.body["code"], "account_locked");
  auto right = start_change(kPassword);
  EXPECT_EQ(right.status, 423) << "locked also for the right password";
  json record = s().citizen(kNif);
  EXPECT_EQ(record["status"], "locked");
  EXPECT_EQ(record["failed_attempts"], 5);

  auto reset = s().post("/v1/citizens/password/reset", {{"nif", kNif}, {"activation_code", code}});
  ASSERT_EQ(reset.status, 202) << reset.body.dump();
  EXPECT_NE(s().sms_to(kMobile).back().find("restablecer"), std::string::npos);
  auto done = s().post(
      "/v1/citizens/password/reset/complete",
      {{"challenge_id", reset.body["challenge_id"]}, {"otp", s().last_otp(kMobile)}, {"password", "Nenufar.2025"}});
  ASSERT_EQ(done.status, 200) << done.body.dump();
  EXPECT_EQ(done.body["status"], "active");
  record = s().citizen(kNif);
  EXPECT_EQ(record["status"], "active");
  EXPECT_EQ(record["failed_attempts"], 0);
  EXPECT_EQ(start_change(kPassword).status, 401) << "the old password is gone";
  EXPECT_EQ(start_change("Nenufar.2025").status, 202);
}

TEST_P(CitizensFlows, ARegeneratedActivationCodeReplacesTheOldOne) {
  const std::string old_code = s().register_citizen(kNif, kMobile);
  auto pending = start_activation(old_code);
  ASSERT_EQ(pending.status, 202);
  const std::string pending_otp = s().last_otp(kMobile);

  auto regenerated = s().post("/v1/admin/citizens/" + kNif + "/activation-code", json::object(), s().registrar_token);
  ASSERT_EQ(regenerated.status, 200) << regenerated.body.dump();
  const std::string new_code = regenerated.body.value("activation_code", "");
  ASSERT_FALSE(new_code.empty());
  EXPECT_NE(new_code, old_code);

  EXPECT_EQ(start_activation(old_code).status, 401);
  auto stale = complete_activation(pending, pending_otp);
  EXPECT_EQ(stale.status, 401) << "a challenge started with the old code confirms nothing now";
  EXPECT_EQ(stale.body["code"], "otp_invalid");
  auto fresh = start_activation(new_code);
  ASSERT_EQ(fresh.status, 202);
  EXPECT_EQ(complete_activation(fresh, s().last_otp(kMobile)).status, 200);

  EXPECT_EQ(s().post("/v1/admin/citizens/X1234567L/activation-code", json::object(), s().admin_token).status, 404);
}

TEST_P(CitizensFlows, PasswordChangeIsConfirmedByTheCode) {
  s().activate(kNif, kMobile, kPassword);
  EXPECT_EQ(start_change(kPassword, "corta").status, 422);
  EXPECT_EQ(start_change(kPassword, kPassword).status, 422) << "the new password must differ";
  auto started = start_change(kPassword);
  ASSERT_EQ(started.status, 202) << started.body.dump();
  EXPECT_NE(s().sms_to(kMobile).back().find("cambio de contrase\u00F1a"), std::string::npos);
  s().clock.advance(60s);
  auto done = s().post("/v1/citizens/password/change/complete",
                       {{"challenge_id", started.body["challenge_id"]}, {"otp", s().last_otp(kMobile)}});
  ASSERT_EQ(done.status, 200) << done.body.dump();
  EXPECT_EQ(done.body["password_expires_at"], to_rfc3339(kStart + 60s + std::chrono::days(365)));
  EXPECT_EQ(start_change(kPassword).status, 401);
  EXPECT_EQ(start_change("Margarita.2025", "Amapola.2026").status, 202);
}

TEST_P(CitizensFlows, AfterDeregistrationNothingWorksForTheNif) {
  const std::string code = s().activate(kNif, kMobile, kPassword);
  auto started = s().post("/v1/citizens/deregistration", {{"nif", kNif}, {"password", kPassword}});
  ASSERT_EQ(started.status, 202) << started.body.dump();
  EXPECT_NE(s().sms_to(kMobile).back().find("baja"), std::string::npos);
  auto done = s().post("/v1/citizens/deregistration/complete",
                       {{"challenge_id", started.body["challenge_id"]}, {"otp", s().last_otp(kMobile)}});
  ASSERT_EQ(done.status, 200) << done.body.dump();
  EXPECT_EQ(done.body["status"], "deregistered");
  EXPECT_EQ(s().citizen(kNif)["status"], "deregistered");

  EXPECT_EQ(start_change(kPassword).status, 401);
  EXPECT_EQ(s().post("/v1/citizens/deregistration", {{"nif", kNif}, {"password", kPassword}}).status, 401);
  EXPECT_EQ(s().post("/v1/citizens/password/reset", {{"nif", kNif}, {"activation_code", code}}).status, 401);
  EXPECT_EQ(start_activation(code).status, 401);
  EXPECT_EQ(s().post("/v1/admin/citizens/" + kNif + "/activation-code", json::object(), s().admin_token).status, 404);
}

TEST_P(CitizensFlows, AGatewayFailureIsUnavailableAndALaterRequestWorks) {
  const std::string code = s().register_citizen(kNif, kMobile);
  s().gateway().down = true;
  auto failed = start_activation(code);
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(failed.body["code"], "unavailable");
  s().gateway().down = false;
  auto later = start_activation(code);
  ASSERT_EQ(later.status, 202);
  EXPECT_EQ(complete_activation(later, s().last_otp(kMobile)).status, 200);
}

TEST_P(CitizensFlows, ResendHonoursTheCooldown) {
  const std::string code = s().register_citizen(kNif, kMobile);
  auto started = start_activation(code);
  ASSERT_EQ(started.status, 202);
  auto early = s().post("/v1/citizens/otp/resend", {{"challenge_id", started.body["challenge_id"]}});
  EXPECT_EQ(early.status, 429);
  EXPECT_EQ(early.body["code"], "rate_limited");
  s().clock.advance(30s);
  auto resent = s().post("/v1/citizens/otp/resend", {{"challenge_id", started.body["challenge_id"]}});
  ASSERT_EQ(resent.status, 202) << resent.body.dump();
  EXPECT_EQ(resent.body["challenge_id"], started.body["challenge_id"]);
  EXPECT_EQ(s().sms_to(kMobile).size(), 2u);
  EXPECT_EQ(complete_activation(started, s().last_otp(kMobile)).status, 200);
}

TEST_P(CitizensFlows, RolesGuardTheOperatorEndpoints) {
  const json body = {
      {"nif", kNif},       {"given_name", "Ana"},          {"surname1", "Garc\u00EDa"}, {"email", "a@example.es"},
      {"mobile", kMobile}, {"registration_level", "basic"}};
  EXPECT_EQ(s().post("/v1/admin/citizens", body).status, 401);
  EXPECT_EQ(s().post("/v1/admin/citizens", body, s().auditor_token).status, 403);
  EXPECT_EQ(s().get("/v1/admin/citizens/" + kNif, s().auditor_token).status, 403);
  EXPECT_EQ(s().get("/v1/admin/sms/outbox", s().registrar_token).status, 403);
  EXPECT_EQ(s().get("/v1/admin/sms/outbox", s().admin_token).status, 403)
      << "an administrator alone must not read the codes (reset, then sign as the citizen)";
  EXPECT_EQ(s().get("/v1/admin/sms/outbox", s().outbox_token).status, 200) << "the outbox has a role of its own";
  EXPECT_EQ(s().get("/v1/admin/citizens/" + kNif, s().admin_token).status, 404);
  EXPECT_EQ(s().get("/v1/admin/citizens/1234", s().admin_token).status, 400);
}

TEST_P(CitizensFlows, MalformedInputIsA400Problem) {
  s().register_citizen(kNif, kMobile);
  for (const auto& [path, body] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/citizens/activation", "{not json"},
           {"/v1/citizens/activation", R"({"nif":"12345678Z","email":"a@example.es"})"},
           {"/v1/citizens/activation", R"({"nif":"12345678A","email":"a@example.es","activation_code":"x"})"},
           {"/v1/citizens/activation", R"({"nif":12345678,"email":"a@example.es","activation_code":"x"})"},
           {"/v1/citizens/activation/complete", R"({"challenge_id":"chl-1","otp":"12ab56","password":"x"})"},
           {"/v1/citizens/password/change/complete", R"({"challenge_id":"","otp":"123456"})"},
           {"/v1/admin/citizens", R"({"nif":"12345678Z"})"}}) {
    auto r = s().post_raw(path, body, path.find("admin") != std::string::npos ? s().admin_token : "");
    EXPECT_EQ(r.status, 400) << path << " " << body << " " << r.body.dump();
    EXPECT_EQ(r.body["code"], "invalid_request") << path << " " << body;
  }
  auto unknown = s().post("/v1/citizens/activation/complete",
                          {{"challenge_id", "chl-unknown"}, {"otp", "123456"}, {"password", kPassword}});
  EXPECT_EQ(unknown.status, 404);
}

TEST_P(CitizensFlows, NoSecretReachesTheLogsOrTheAuditTrail) {
  LogCapture logs;
  const std::string code = s().activate(kNif, kMobile, kPassword);
  std::vector<std::string> otps = {s().last_otp(kMobile)};
  EXPECT_EQ(start_change("Equivocada.1").status, 401);
  auto change = start_change(kPassword);
  ASSERT_EQ(change.status, 202);
  otps.push_back(s().last_otp(kMobile));
  EXPECT_EQ(s().post("/v1/citizens/password/change/complete",
                     {{"challenge_id", change.body["challenge_id"]}, {"otp", wrong(otps.back())}})
                .status,
            401);
  EXPECT_EQ(s().post("/v1/citizens/password/change/complete",
                     {{"challenge_id", change.body["challenge_id"]}, {"otp", otps.back()}})
                .status,
            200);

  const std::string text = logs.text();
  ASSERT_NE(text.find("http_request"), std::string::npos) << "the capture saw the server's lines";
  std::string audit;
  auto events = s().db().transact([](store::Tx& tx) { return store::AuditLog::list(tx, 0, 10000); });
  ASSERT_TRUE(events.ok());
  for (const auto& e : *events)
    audit += e.event.actor + " " + e.event.action + " " + e.event.subject + " " + e.event.outcome + " " +
             e.event.detail + "\n";
  ASSERT_NE(audit.find("citizen.activation.complete"), std::string::npos);
  std::string bare_code = code;
  std::erase(bare_code, '-');
  for (const std::string& secret :
       {kPassword, std::string("Margarita.2025"), std::string("Equivocada.1"), code, bare_code, code.substr(0, 9)}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << "log holds " << secret;
    EXPECT_EQ(audit.find(secret), std::string::npos) << "audit holds " << secret;
  }
  for (const std::string& otp : otps) {
    ASSERT_EQ(otp.size(), 6u);
    EXPECT_EQ(text.find(otp), std::string::npos) << "log holds the OTP " << otp;
    EXPECT_EQ(audit.find(otp), std::string::npos) << "audit holds the OTP " << otp;
  }
}

INSTANTIATE_TEST_SUITE_P(Citizens, CitizensFlows, ::testing::Values(store::Backend::sqlite, store::Backend::postgresql),
                         backend_name);

// Rate limits, with small buckets.
class CitizensRateLimits : public ::testing::TestWithParam<store::Backend> {};

TEST_P(CitizensRateLimits, PerNifAndPerAddressWithRetryAfter) {
  std::unique_ptr<CitizensServer> server;
  try {
    server = std::make_unique<CitizensServer>(
        GetParam(), identity::CitizenRateLimits{policies::RateLimit{3, 1.0 / 60}, policies::RateLimit{5, 1.0 / 60}});
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  const json body = {{"nif", kNif}, {"email", "a@example.es"}, {"activation_code", "AAAA-BBBB-CCCC-DDDD"}};
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(server->post("/v1/citizens/activation", body, "", "198.51.100." + std::to_string(i)).status, 401);
  auto limited = server->post("/v1/citizens/activation", body, "", "198.51.100.9");
  EXPECT_EQ(limited.status, 429) << "the fourth try on one NIF, whatever the address";
  EXPECT_EQ(limited.body["code"], "rate_limited");
  EXPECT_EQ(limited.retry_after, "60");

  json other = body;
  for (int i = 0; i < 5; ++i) {
    other["nif"] = i % 2 == 0 ? "X1234567L" : "Y1234567X";
    EXPECT_NE(server->post("/v1/citizens/password/reset", other, "", "203.0.113.7").status, 429) << i;
  }
  auto address = server->post("/v1/citizens/password/reset", other, "", "203.0.113.7");
  EXPECT_EQ(address.status, 429) << "the sixth request from one address, whatever the NIF";
  EXPECT_FALSE(address.retry_after.empty());

  server->clock.advance(60s);
  EXPECT_EQ(server->post("/v1/citizens/activation", body, "", "198.51.100.20").status, 401) << "a token came back";
}

INSTANTIATE_TEST_SUITE_P(Citizens, CitizensRateLimits,
                         ::testing::Values(store::Backend::sqlite, store::Backend::postgresql), backend_name);

}  // namespace
}  // namespace firma::testing
