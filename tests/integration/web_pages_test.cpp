// The citizens' web pages over HTTP, in-process on SQLite: a browser's requests (forms, cookies, redirects) made
// by hand, so the whole page flow is checked without a browser (tests/e2e drives Chromium over the same pages).
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <string>

#include "core/encoding.h"
#include "signing_stack.h"
#include "web_browser.h"

namespace firma::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr const char* kNif = "12345678Z";
constexpr const char* kMobile = "+34600111222";
constexpr const char* kPassword = "Firma-Segura-2024";
constexpr const char* kReturn = "https://sede.example.gob.es/firma/vuelta?exp=42";

class WebPages : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = std::make_unique<SigningStack>();
    app_key_ = stack_->register_application("Sede Electrónica & Ejemplo");
    // A second server over the same services, so that the test knows its port (the stack's JSON client hides it).
    api::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 2;
    pages_ = std::make_unique<api::Server>(options, stack_->services().routes("openapi: 3.0.3\n"),
                                           stack_->services().authenticator());
    ASSERT_TRUE(pages_->start().ok());
  }
  void TearDown() override {
    if (pages_) pages_->shutdown();
  }

  std::string create_transaction() {
    const std::string content = "anexo: informe técnico";
    auto r = stack_->post(
        "/v1/transactions",
        {{"nif", kNif},
         {"return_url", kReturn},
         {"documents",
          json::array({{{"name", "informe <final>.bin"},
                        {"format", "raw"},
                        {"digest", {{"algorithm", "sha256"}, {"value", to_base64(sha256(as_bytes(content)))}}}}})}},
        app_key_);
    EXPECT_EQ(r.status, 201) << r.raw;
    const std::string id = r.body.value("id", "");
    // confirm_url is <public_url>/sign/<id>: the page these tests open.
    EXPECT_EQ(r.body.value("confirm_url", "").find("/sign/" + id),
              r.body.value("confirm_url", "").size() - id.size() - 6);
    return id;
  }

  std::string status_of(const std::string& id) {
    return stack_->get("/v1/transactions/" + id + "/summary").body.value("status", "");
  }

  Browser browser() { return Browser(pages_->port()); }

  std::unique_ptr<SigningStack> stack_;
  std::unique_ptr<api::Server> pages_;
  std::string app_key_;
};

void expect_page_basics(const Page& page) {
  EXPECT_NE(page.header("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(page.header("X-Frame-Options"), "DENY");
  EXPECT_EQ(page.header("Cache-Control"), "no-store");
  EXPECT_EQ(page.header("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(page.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page.body.find("[["), std::string::npos) << "a message missing from the catalogue";
  EXPECT_EQ(page.body.find("<script"), std::string::npos);
}

TEST_F(WebPages, SignAfterAWrongPasswordThenTheOtpAndBackToTheApplication) {
  stack_->make_citizen(kNif, kMobile, kPassword);
  const std::string id = create_transaction();
  Browser b = browser();
  const std::string page_path = "/sign/" + id;

  Page first = b.get(page_path);
  ASSERT_EQ(first.status, 200) << first.body;
  expect_page_basics(first);
  EXPECT_TRUE(first.has(R"(<html lang="es">)"));
  EXPECT_TRUE(first.has(R"(id="app-name">Sede Electrónica &amp; Ejemplo<)")) << "escaped application name";
  EXPECT_TRUE(first.has("informe &lt;final&gt;.bin"));
  EXPECT_TRUE(first.has(R"(id="documents")"));
  EXPECT_TRUE(first.has(R"(id="expires-at")"));
  EXPECT_TRUE(first.has(R"(<form id="login-form" method="post" action="/sign/)" + id + "/authenticate"));
  EXPECT_TRUE(first.has(R"(name="password" type="password" autocomplete="current-password")"));
  EXPECT_TRUE(first.has(R"(id="reject-form")"));
  EXPECT_FALSE(first.has(R"(id="otp-form")"));
  EXPECT_NE(first.header("Content-Security-Policy").find("form-action 'self' https://sede.example.gob.es"),
            std::string::npos)
      << "the forms may lead back to the application's origin, and nowhere else: "
      << first.header("Content-Security-Policy");
  EXPECT_FALSE(b.cookie("firma_csrf").empty());
  EXPECT_NE(first.header("Set-Cookie").find("HttpOnly; SameSite=Strict"), std::string::npos);
  const std::string csrf = first.csrf();
  ASSERT_EQ(csrf, b.cookie("firma_csrf"));

  Page wrong = b.post(page_path + "/authenticate", {{"csrf", csrf}, {"nif", kNif}, {"password", "not-my-password"}});
  EXPECT_EQ(wrong.status, 401);
  expect_page_basics(wrong);
  EXPECT_TRUE(wrong.has(R"(<div id="error" class="error" role="alert">)"));
  EXPECT_TRUE(wrong.has("Le quedan 4 intentos")) << "the tries left before the lockout are announced";
  EXPECT_TRUE(wrong.has(R"(value="12345678Z")")) << "the NIF is kept, never the password";
  EXPECT_FALSE(wrong.has("not-my-password"));
  EXPECT_EQ(status_of(id), "pending");

  Page right = b.post(page_path + "/authenticate", {{"csrf", csrf}, {"nif", kNif}, {"password", kPassword}});
  ASSERT_EQ(right.status, 303) << right.body;
  EXPECT_EQ(right.header("Location"), page_path);
  EXPECT_EQ(b.cookie("firma_sign"), to_base64url(as_bytes("+34******222")));
  const std::string otp = stack_->last_otp(kMobile);
  ASSERT_FALSE(otp.empty());

  Page code = b.get(page_path);
  ASSERT_EQ(code.status, 200);
  EXPECT_TRUE(code.has(R"(id="otp-sent-to")"));
  EXPECT_TRUE(code.has("+34******222"));
  EXPECT_TRUE(code.has(R"(autocomplete="one-time-code")"));
  EXPECT_TRUE(code.has(R"(id="resend-form")"));
  EXPECT_FALSE(code.has(R"(id="login-form")"));
  EXPECT_EQ(code.body.find(otp), std::string::npos);

  Page bad_code = b.post(page_path + "/confirm", {{"csrf", csrf}, {"otp", otp == "000000" ? "111111" : "000000"}});
  EXPECT_EQ(bad_code.status, 401);
  EXPECT_TRUE(bad_code.has(R"(role="alert")"));
  EXPECT_TRUE(bad_code.has(R"(id="otp-form")")) << "a wrong code leaves the citizen at the code";
  EXPECT_TRUE(bad_code.has("Le quedan 2 intentos"));

  Page signed_ = b.post(page_path + "/confirm", {{"csrf", csrf}, {"otp", otp}});
  ASSERT_EQ(signed_.status, 303) << signed_.body;
  EXPECT_EQ(signed_.header("Location"), std::string(kReturn) + "&transaction=" + id + "&status=signed");
  EXPECT_TRUE(b.cookie("firma_sign").empty()) << "the masked mobile is forgotten";

  auto fetched = stack_->get("/v1/transactions/" + id, app_key_);
  ASSERT_EQ(fetched.status, 200) << fetched.raw;
  EXPECT_EQ(fetched.body["status"], "signed");
  EXPECT_FALSE(fetched.body["documents"][0].value("signature", "").empty());

  Page after = b.get(page_path);
  EXPECT_EQ(after.status, 200);
  EXPECT_TRUE(after.has(R"(id="final-status")"));
  EXPECT_FALSE(after.has("<form"));
}

TEST_F(WebPages, RejectSendsTheCitizenBackWithStatusRejected) {
  const std::string id = create_transaction();
  Browser b = browser();
  Page page = b.get("/sign/" + id);
  ASSERT_EQ(page.status, 200);
  Page rejected = b.post("/sign/" + id + "/reject", {{"csrf", page.csrf()}});
  ASSERT_EQ(rejected.status, 303) << rejected.body;
  EXPECT_EQ(rejected.header("Location"), std::string(kReturn) + "&transaction=" + id + "&status=rejected");
  EXPECT_EQ(status_of(id), "rejected");
  Page after = b.get("/sign/" + id);
  EXPECT_TRUE(after.has(R"(id="final-status")"));
  Page again = b.post("/sign/" + id + "/reject", {{"csrf", page.csrf()}});
  EXPECT_EQ(again.status, 409);
  EXPECT_TRUE(again.has(R"(role="alert")"));
}

TEST_F(WebPages, WithoutTheRightCsrfTokenNothingHappens) {
  stack_->make_citizen(kNif, kMobile, kPassword);
  const std::string id = create_transaction();
  Browser b = browser();
  Page page = b.get("/sign/" + id);
  const std::string outbox_before = stack_->get("/v1/admin/sms/outbox?to=%2B34600111222", stack_->outbox_token()).raw;

  Page missing = b.post("/sign/" + id + "/authenticate", {{"nif", kNif}, {"password", kPassword}});
  EXPECT_EQ(missing.status, 403);
  EXPECT_TRUE(missing.has(R"(role="alert")"));
  expect_page_basics(missing);
  Page forged =
      b.post("/sign/" + id + "/authenticate", {{"csrf", std::string(64, 'a')}, {"nif", kNif}, {"password", kPassword}});
  EXPECT_EQ(forged.status, 403);
  Page rejected = b.post("/sign/" + id + "/reject", {{"csrf", "x"}});
  EXPECT_EQ(rejected.status, 403);
  b.forget("firma_csrf");  // a cross-site POST: SameSite=Strict keeps the cookie at home
  Page no_cookie = b.post("/sign/" + id + "/reject", {{"csrf", page.csrf()}});
  EXPECT_EQ(no_cookie.status, 403);

  EXPECT_EQ(status_of(id), "pending");
  EXPECT_EQ(stack_->get("/v1/admin/sms/outbox?to=%2B34600111222", stack_->outbox_token()).raw, outbox_before)
      << "no SMS was sent";
  auto citizen = stack_->get(std::string("/v1/admin/citizens/") + kNif, stack_->admin_token());
  EXPECT_EQ(citizen.body["failed_attempts"], 0);

  Page account = b.post("/activate", {{"csrf", "nope"}, {"nif", kNif}});
  EXPECT_EQ(account.status, 403);
}

TEST_F(WebPages, ANewCodeOnlyAfterTheCooldown) {
  stack_->make_citizen(kNif, kMobile, kPassword);
  const std::string id = create_transaction();
  Browser b = browser();
  const std::string csrf = b.get("/sign/" + id).csrf();
  ASSERT_EQ(b.post("/sign/" + id + "/authenticate", {{"csrf", csrf}, {"nif", kNif}, {"password", kPassword}}).status,
            303);
  (void)stack_->last_otp(kMobile);
  Page early = b.post("/sign/" + id + "/otp", {{"csrf", csrf}});
  EXPECT_EQ(early.status, 429);
  EXPECT_TRUE(early.has(R"(role="alert")"));
  EXPECT_FALSE(early.header("Retry-After").empty());
  stack_->clock().advance(61s);
  Page sent = b.post("/sign/" + id + "/otp", {{"csrf", csrf}});
  ASSERT_EQ(sent.status, 303) << sent.body;
  EXPECT_EQ(sent.header("Location"), "/sign/" + id + "?resent=1");
  Page shown = b.get(sent.header("Location"));
  EXPECT_TRUE(shown.has(R"(id="notice")"));
  const std::string second = stack_->last_otp(kMobile);
  ASSERT_FALSE(second.empty());
  Page done = b.post("/sign/" + id + "/confirm", {{"csrf", csrf}, {"otp", second}});
  EXPECT_EQ(done.status, 303);
  EXPECT_EQ(status_of(id), "signed");
}

TEST_F(WebPages, FiveWrongPasswordsLockTheAccountAndSayHowToUnlock) {
  stack_->make_citizen(kNif, kMobile, kPassword);
  const std::string id = create_transaction();
  Browser b = browser();
  const std::string csrf = b.get("/sign/" + id).csrf();
  Page last;
  for (int i = 0; i < 5; ++i)
    last = b.post("/sign/" + id + "/authenticate",
                  {{"csrf", csrf}, {"nif", kNif}, {"password", "wrong-" + std::to_string(i)}});
  EXPECT_EQ(last.status, 423);
  EXPECT_TRUE(last.has(R"(href="/password/reset")"));
  Page right = b.post("/sign/" + id + "/authenticate", {{"csrf", csrf}, {"nif", kNif}, {"password", kPassword}});
  EXPECT_EQ(right.status, 423) << "locked: the right password does not help";
}

TEST_F(WebPages, ExpiredAndUnknownTransactions) {
  const std::string id = create_transaction();
  Browser b = browser();
  const std::string csrf = b.get("/sign/" + id).csrf();
  stack_->clock().advance(601s);
  Page expired = b.get("/sign/" + id);
  EXPECT_EQ(expired.status, 200);
  EXPECT_TRUE(expired.has(R"(id="final-status")"));
  EXPECT_FALSE(expired.has("<form"));
  Page late = b.post("/sign/" + id + "/authenticate", {{"csrf", csrf}, {"nif", kNif}, {"password", kPassword}});
  EXPECT_EQ(late.status, 410);
  EXPECT_TRUE(late.has(R"(role="alert")"));

  Page unknown = b.get("/sign/0123456789abcdef0123456789abcdef");
  EXPECT_EQ(unknown.status, 404);
  expect_page_basics(unknown);
  Page odd = b.get("/sign/a;b");
  EXPECT_EQ(odd.status, 404);
}

TEST_F(WebPages, ActivationThroughThePages) {
  auto registered = stack_->post("/v1/admin/citizens",
                                 {{"nif", kNif},
                                  {"given_name", "María"},
                                  {"surname1", "Núñez"},
                                  {"surname2", "García"},
                                  {"email", "maria@example.es"},
                                  {"mobile", kMobile},
                                  {"registration_level", "advanced"}},
                                 stack_->admin_token());
  ASSERT_EQ(registered.status, 201) << registered.raw;
  const std::string code = registered.body["activation_code"];
  Browser b = browser();
  Page start = b.get("/activate");
  ASSERT_EQ(start.status, 200);
  expect_page_basics(start);
  EXPECT_TRUE(start.has(R"(id="start-form")"));
  EXPECT_TRUE(start.has(R"(name="activation_code")"));
  EXPECT_TRUE(start.has(R"(name="email")"));

  Page bad_nif =
      b.post("/activate",
             {{"csrf", start.csrf()}, {"nif", "12345678A"}, {"email", "maria@example.es"}, {"activation_code", code}});
  EXPECT_EQ(bad_nif.status, 400);
  EXPECT_TRUE(bad_nif.has(R"(role="alert")"));

  Page sent = b.post("/activate",
                     {{"csrf", start.csrf()}, {"nif", kNif}, {"email", "maria@example.es"}, {"activation_code", code}});
  ASSERT_EQ(sent.status, 303) << sent.body;
  EXPECT_EQ(sent.header("Location"), "/activate");
  EXPECT_NE(sent.header("Set-Cookie").find("firma_flow="), std::string::npos);
  EXPECT_NE(sent.header("Set-Cookie").find("Path=/activate"), std::string::npos);
  EXPECT_EQ(sent.header("Location").find("challenge"), std::string::npos);
  const std::string otp = stack_->last_otp(kMobile);

  Page step2 = b.get("/activate");
  EXPECT_TRUE(step2.has(R"(id="complete-form")"));
  EXPECT_TRUE(step2.has(R"(autocomplete="new-password")"));
  EXPECT_TRUE(step2.has("+34******222"));

  Page mismatch =
      b.post("/activate/complete",
             {{"csrf", start.csrf()}, {"otp", otp}, {"password", kPassword}, {"password_confirmation", "other"}});
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_TRUE(mismatch.has(R"(id="complete-form")"));
  Page weak = b.post("/activate/complete",
                     {{"csrf", start.csrf()}, {"otp", otp}, {"password", "abc"}, {"password_confirmation", "abc"}});
  EXPECT_EQ(weak.status, 422);
  EXPECT_TRUE(weak.has("8"));

  Page done =
      b.post("/activate/complete",
             {{"csrf", start.csrf()}, {"otp", otp}, {"password", kPassword}, {"password_confirmation", kPassword}});
  ASSERT_EQ(done.status, 303) << done.body;
  Page shown = b.get("/activate");
  EXPECT_TRUE(shown.has(R"(id="done")"));
  EXPECT_TRUE(shown.has(R"(role="status")"));
  EXPECT_TRUE(b.cookie("firma_flow").empty());
  EXPECT_EQ(stack_->get(std::string("/v1/admin/citizens/") + kNif, stack_->admin_token()).body["status"], "active");
  EXPECT_TRUE(b.get("/activate").has(R"(id="start-form")")) << "a reload starts over";
}

TEST_F(WebPages, ChangeThePasswordThenDeregister) {
  stack_->make_citizen(kNif, kMobile, kPassword);
  Browser b = browser();
  const std::string csrf = b.get("/password/change").csrf();
  const std::string next = "Otra-Clave-2025";
  Page sent = b.post("/password/change", {{"csrf", csrf},
                                          {"nif", kNif},
                                          {"current_password", kPassword},
                                          {"password", next},
                                          {"password_confirmation", next}});
  ASSERT_EQ(sent.status, 303) << sent.body;
  Page wrong = b.post("/password/change/complete", {{"csrf", csrf}, {"otp", "x"}});
  EXPECT_EQ(wrong.status, 401);
  ASSERT_EQ(b.post("/password/change/complete", {{"csrf", csrf}, {"otp", stack_->last_otp(kMobile)}}).status, 303);
  EXPECT_TRUE(b.get("/password/change").has(R"(id="done")"));

  ASSERT_EQ(b.post("/deregister", {{"csrf", csrf}, {"nif", kNif}, {"password", next}}).status, 303);
  ASSERT_EQ(b.post("/deregister/complete", {{"csrf", csrf}, {"otp", stack_->last_otp(kMobile)}}).status, 303);
  EXPECT_TRUE(b.get("/deregister").has(R"(id="done")"));
  EXPECT_EQ(stack_->get(std::string("/v1/admin/citizens/") + kNif, stack_->admin_token()).body["status"],
            "deregistered");
}

TEST_F(WebPages, EnglishOnRequestAndTheStylesheet) {
  Browser b = browser();
  Page switched = b.get("/activate?lang=en");
  EXPECT_EQ(switched.status, 303);
  EXPECT_EQ(switched.header("Location"), "/activate");
  EXPECT_EQ(b.cookie("lang"), "en");
  Page english = b.get("/activate");
  EXPECT_TRUE(english.has(R"(<html lang="en">)"));
  EXPECT_TRUE(english.has("Activate your account"));

  Browser other = browser();
  Page by_header = other.get("/", {{"Accept-Language", "en-US,en;q=0.8"}});
  EXPECT_TRUE(by_header.has(R"(<html lang="en">)"));
  EXPECT_TRUE(other.get("/").has(R"(<html lang="es">)"));

  Page css = b.get("/static/firma.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.header("Content-Type"), "text/css; charset=utf-8");
}

}  // namespace
}  // namespace firma::testing
