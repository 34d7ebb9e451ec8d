// What issue 11's outside probe found on the citizen's side, over HTTP: throttles keyed on the NIF as typed,
// names that hide what is signed, return URLs that escape their prefix, fresh OTP guesses with each transaction,
// and a wrong NIF answered faster than a wrong password.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "core/encoding.h"
#include "signing_stack.h"

namespace firma::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kNif = "12345678Z";
const std::string kMobile = "+34600111222";
const std::string kPassword = "Firma-Segura-2026";
const std::string kReturn = "https://sede.example.gob.es/firma/vuelta";

json raw_document(const std::string& name = "hash") {
  return {{"name", name}, {"format", "raw"}, {"digest", {{"algorithm", "sha256"}, {"value", to_base64(sha256("x"))}}}};
}

json new_transaction(const std::string& return_url = kReturn, const json& document = raw_document()) {
  return {{"nif", kNif}, {"return_url", return_url}, {"documents", json::array({document})}};
}

std::size_t sms_count(SigningStack& stack) {
  auto r = stack.get("/v1/admin/sms/outbox?to=%2B34600111222", stack.outbox_token());
  EXPECT_EQ(r.status, 200) << r.raw;
  return r.body.value("messages", json::array()).size();
}

std::string create(SigningStack& stack, const std::string& key) {
  auto r = stack.post("/v1/transactions", new_transaction(), key);
  EXPECT_EQ(r.status, 201) << r.raw;
  return r.body.value("id", "");
}

// Defect 4: "33333333p", " 33333333P" and "33333333P\t" are one NIF; each spelling used to get a bucket (and an
// SMS) of its own.
TEST(ProbeDefenses, EverySpellingOfANifSharesOneThrottleBucket) {
  SigningStack stack("", [](app::Settings& c) {
    c.rate_limit.per_nif_burst = 4;  // the activation below takes one
    c.rate_limit.per_nif_per_hour = 1;
  });
  const std::string key = stack.register_application("Sede");
  stack.make_citizen(kNif, kMobile, kPassword);
  const std::string id = create(stack, key);
  const std::size_t before = sms_count(stack);
  const std::string path = "/v1/transactions/" + id + "/authenticate";
  for (const std::string& typed : {std::string("12345678z"), std::string(" 12345678Z"), std::string("12345678Z\t")}) {
    auto r = stack.post(path, {{"nif", typed}, {"password", kPassword}});
    EXPECT_EQ(r.status, 202) << json(typed).dump() << ": " << r.raw;
  }
  auto fourth = stack.post(path, {{"nif", "  12345678z  "}, {"password", kPassword}});
  EXPECT_EQ(fourth.status, 429) << "the fourth try on one NIF, however it is spelt: " << fourth.raw;
  EXPECT_EQ(fourth.body.value("code", ""), "rate_limited");
  EXPECT_FALSE(fourth.retry_after.empty());
  EXPECT_EQ(sms_count(stack), before + 3) << "no SMS for the refused try";

  for (const char* typed : {" abc ", "ABC", "abc\t", "Abc"}) {
    auto r = stack.post(path, {{"nif", typed}, {"password", kPassword}});
    EXPECT_EQ(r.status, 401) << json(typed).dump() << ": " << r.raw;
  }
  EXPECT_EQ(stack.post(path, {{"nif", "aBc"}, {"password", kPassword}}).status, 429)
      << "a text that is no NIF has one bucket for its spellings too";
}

// Defect 10: names reach the confirmation page and the SMS; nothing in them may hide or reorder what is shown.
TEST(ProbeDefenses, NamesThatHideWhatIsSignedAreRefused) {
  SigningStack stack;
  const std::string admin = stack.admin_token();
  const auto register_app = [&](const std::string& name) {
    return stack.post(
        "/v1/admin/apps",
        {{"name", name}, {"return_url_prefixes", {"https://sede.example.gob.es/"}}, {"allowed_formats", {"raw"}}},
        admin);
  };
  for (const std::string& name :
       {std::string("Sede {otp}"), std::string("Sede\nsu c\u00F3digo es 123456"), std::string("<b>Sede</b>"),
        std::string("Sede \u202Eetnatropmi"), std::string("Sede\u2066x\u2069")}) {
    auto r = register_app(name);
    EXPECT_EQ(r.status, 400) << json(name).dump() << ": " << r.raw;
    EXPECT_EQ(r.body.value("code", ""), "invalid_request") << json(name).dump();
  }
  auto good = register_app("Sede Electr\u00F3nica (pruebas)");
  ASSERT_EQ(good.status, 201) << good.raw;
  const std::string key = good.body["api_key"];

  for (const std::string& name :
       {std::string("factura\u202Efdp.exe"), std::string("factura.pdf\r\nTotal: 0 EUR"), std::string("a\u200Fb"),
        std::string("a\u061Cb"), std::string("a\x1b[2Jb"), std::string("a\u0085b"), std::string("a\x7f")}) {
    auto r = stack.post("/v1/transactions", new_transaction(kReturn, raw_document(name)), key);
    EXPECT_EQ(r.status, 400) << json(name).dump() << ": " << r.raw;
    EXPECT_EQ(r.body.value("code", ""), "invalid_request") << json(name).dump();
    // C0 controls and DEL are refused by the JSON layer ("field 'name'"), the rest by the shown-text rule.
    const std::string detail = r.body.value("detail", "");
    EXPECT_EQ(detail.rfind("documents[0]: ", 0), 0u) << r.raw;
    EXPECT_NE(detail.find("name"), std::string::npos) << r.raw;
  }
  EXPECT_EQ(
      stack.post("/v1/transactions", new_transaction(kReturn, raw_document("resoluci\u00F3n 2026.pdf")), key).status,
      201);
}

// Defect 11: the return URL is normalised (RFC 3986 5.2.4) before it is matched, on a path-segment boundary, and
// the citizen is sent back to what was checked.
TEST(ProbeDefenses, AReturnUrlCannotEscapeItsPrefix) {
  SigningStack stack;
  auto app = stack.post(
      "/v1/admin/apps",
      {{"name", "Sede"}, {"return_url_prefixes", {"https://x.example.gob.es/app/"}}, {"allowed_formats", {"raw"}}},
      stack.admin_token());
  ASSERT_EQ(app.status, 201) << app.raw;
  const std::string key = app.body["api_key"];
  for (const char* url : {"https://x.example.gob.es/app/../../evil", "https://x.example.gob.es/app/..%2f..%2fevil",
                          "https://x.example.gob.es/app/..%2F..%2Fevil", "https://x.example.gob.es/app/%2e%2e/evil",
                          "https://x.example.gob.es/app/..\\..\\evil", "https://x.example.gob.es/app/..%5c..%5cevil",
                          "https://x.example.gob.es@evil.example/app/", "https://x.example.gob.es/apple",
                          "https://x.example.gob.es/app"}) {
    auto r = stack.post("/v1/transactions", new_transaction(url), key);
    EXPECT_EQ(r.status, 400) << url << ": " << r.raw;
    EXPECT_EQ(r.body.value("code", ""), "invalid_request") << url;
  }
  auto inside = stack.post("/v1/transactions", new_transaction("HTTPS://X.Example.gob.es/app/a/./b/../done?x=1"), key);
  ASSERT_EQ(inside.status, 201) << inside.raw;
  auto rejected = stack.post("/v1/transactions/" + inside.body["id"].get<std::string>() + "/reject", json::object());
  ASSERT_EQ(rejected.status, 200) << rejected.raw;
  EXPECT_EQ(rejected.body["return_url"].get<std::string>().rfind("https://x.example.gob.es/app/a/done?x=1&", 0), 0u)
      << "the citizen goes back to the URL that was checked: " << rejected.body["return_url"];

  for (const std::string prefix : {"https://user@x.example.gob.es/app/", "https://x.example.gob.es/a%2fb/"}) {
    auto refused = stack.post(
        "/v1/admin/apps",
        {{"name", "Otra " + prefix.substr(8, 4)}, {"return_url_prefixes", {prefix}}, {"allowed_formats", {"raw"}}},
        stack.admin_token());
    EXPECT_EQ(refused.status, 400) << prefix << ": " << refused.raw;
  }
}

// Defect 13: wrong codes count per citizen across transactions; past the cap (10 an hour by default) every code
// check answers 429 with Retry-After, the right code included.
TEST(ProbeDefenses, ANewTransactionBringsNoFreshGuesses) {
  SigningStack stack;
  const std::string key = stack.register_application("Sede");
  stack.make_citizen(kNif, kMobile, kPassword);
  const auto authenticate = [&](const std::string& id) {
    auto r = stack.post("/v1/transactions/" + id + "/authenticate", {{"nif", kNif}, {"password", kPassword}});
    EXPECT_EQ(r.status, 202) << r.raw;
    return stack.last_otp(kMobile);
  };
  const auto confirm = [&](const std::string& id, const std::string& otp) {
    return stack.post("/v1/transactions/" + id + "/confirm", {{"otp", otp}});
  };
  const auto wrong = [](const std::string& otp) { return otp == "000000" ? std::string("111111") : "000000"; };
  int refused_wrong = 0;
  for (int t = 0; t < 3; ++t) {
    const std::string id = create(stack, key);
    const std::string otp = authenticate(id);
    for (int i = 0; i < 3; ++i) refused_wrong += confirm(id, wrong(otp)).body.value("code", "") == "otp_invalid";
  }
  EXPECT_EQ(refused_wrong, 9);
  const std::string id = create(stack, key);
  const std::string otp = authenticate(id);
  EXPECT_EQ(confirm(id, wrong(otp)).body.value("code", ""), "otp_invalid") << "the tenth wrong code of the hour";
  auto capped = confirm(id, wrong(otp));
  EXPECT_EQ(capped.status, 429) << capped.raw;
  EXPECT_EQ(capped.body.value("code", ""), "rate_limited");
  EXPECT_FALSE(capped.retry_after.empty());
  auto right = confirm(id, otp);
  EXPECT_EQ(right.status, 429) << "refused even with the right code: " << right.raw;
  EXPECT_EQ(stack.get("/v1/transactions/" + id, key).body["status"], "authenticated") << "nothing was signed";

  stack.clock().advance(std::chrono::seconds(std::atoi(right.retry_after.c_str())));
  const std::string next = create(stack, key);
  auto later = confirm(next, authenticate(next));
  EXPECT_EQ(later.status, 200) << "a guess came back: " << later.raw;
}

// Defect 13: a NIF that is not the transaction's used to be refused at once, a wrong password after Argon2id.
TEST(ProbeDefenses, AWrongNifTakesAsLongAsAWrongPassword) {
  SigningStack stack("", [](app::Settings& c) {
    c.password.argon2_memory_kib = 16384;
    c.password.argon2_iterations = 2;
  });
  const std::string key = stack.register_application("Sede");
  stack.make_citizen(kNif, kMobile, kPassword);
  const std::string id = create(stack, key);
  const auto fastest = [&](const json& body) {
    auto best = std::chrono::steady_clock::duration::max();
    for (int i = 0; i < 2; ++i) {
      const auto start = std::chrono::steady_clock::now();
      auto r = stack.post("/v1/transactions/" + id + "/authenticate", body);
      best = std::min(best, std::chrono::steady_clock::now() - start);
      EXPECT_EQ(r.status, 401) << r.raw;
      EXPECT_EQ(r.body.value("code", ""), "invalid_credentials");
    }
    return best;
  };
  const auto wrong_password = fastest({{"nif", kNif}, {"password", "Equivocada.1"}});
  const auto other_nif = fastest({{"nif", "87654321X"}, {"password", kPassword}});
  EXPECT_GT(other_nif * 2, wrong_password)
      << "other NIF " << std::chrono::duration<double, std::milli>(other_nif).count() << " ms, wrong password "
      << std::chrono::duration<double, std::milli>(wrong_password).count() << " ms";
}

}  // namespace
}  // namespace firma::testing
