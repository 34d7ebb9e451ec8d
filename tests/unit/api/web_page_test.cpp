// The parts every web page shares: security headers, the CSRF double submit, language negotiation, the layout.
#include <gtest/gtest.h>

#include <algorithm>

#include "pages.h"

namespace firma::api::web {
namespace {

std::optional<std::string> header(const Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return std::nullopt;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

class WebPage : public ::testing::Test {
 protected:
  SystemRandom random;
  PageSettings settings{random, WebOptions{"http://127.0.0.1:8080", std::chrono::seconds(30)}};
  const std::string token = std::string(64, 'a');

  Request get(std::string path = "/activate") {
    Request r;
    r.method = "GET";
    r.path = std::move(path);
    return r;
  }
  Request post(std::string body, std::optional<std::string> cookie_token) {
    Request r;
    r.method = "POST";
    r.path = "/activate";
    r.body = std::move(body);
    r.set_header("Content-Type", "application/x-www-form-urlencoded");
    if (cookie_token) r.set_header("Cookie", "firma_csrf=" + *cookie_token);
    return r;
  }
};

TEST_F(WebPage, EveryPageHasTheSecurityHeaders) {
  auto request = get();
  Page page(settings, request);
  auto r = page.render(200, "activate.title", text("body"));
  const auto csp = header(r, "Content-Security-Policy");
  ASSERT_TRUE(csp);
  EXPECT_NE(csp->find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp->find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(csp->find("form-action 'self'"), std::string::npos);
  EXPECT_NE(csp->find("base-uri 'none'"), std::string::npos);
  EXPECT_EQ(csp->find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(csp->find("script-src"), std::string::npos);  // no script at all: default-src 'none' covers it
  EXPECT_EQ(header(r, "X-Frame-Options"), "DENY");
  EXPECT_EQ(header(r, "Cache-Control"), "no-store");
  EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(r, "Content-Language"), "es");
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
}

TEST_F(WebPage, FormActionCanBeWidenedOrDropped) {
  EXPECT_EQ(
      content_security_policy("https://sede.example.gob.es").find("form-action 'self' https://sede.example.gob.es") ==
          std::string::npos,
      false);
  EXPECT_EQ(content_security_policy(std::nullopt).find("form-action"), std::string::npos);
  EXPECT_NE(content_security_policy(std::nullopt).find("frame-ancestors 'none'"), std::string::npos);
}

TEST_F(WebPage, LayoutHasLanguageOneHeadingMainAndStylesheet) {
  auto request = get();
  Page page(settings, request);
  auto r = page.render(200, "activate.title", text("<b>"));
  EXPECT_NE(r.body.find(R"(<html lang="es">)"), std::string::npos);
  EXPECT_EQ(count(r.body, "<h1"), 1u);
  EXPECT_EQ(count(r.body, "<main"), 1u);
  EXPECT_NE(r.body.find(R"(<link rel="stylesheet" href="/static/firma.css">)"), std::string::npos);
  EXPECT_NE(r.body.find(R"(name="viewport")"), std::string::npos);
  EXPECT_NE(r.body.find(R"(href="?lang=en")"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;b&gt;"), std::string::npos);
  EXPECT_EQ(r.body.find("<script"), std::string::npos);
  EXPECT_EQ(r.body.find("[["), std::string::npos);
}

TEST_F(WebPage, NewBrowserGetsAStrictHttpOnlyCsrfCookieMatchingTheField) {
  auto request = get();
  Page page(settings, request);
  const Html field = page.csrf_field();
  auto r = page.render(200, "activate.title", field);
  const auto cookie = header(r, "Set-Cookie");
  ASSERT_TRUE(cookie);
  const std::string prefix = "firma_csrf=";
  const std::string suffix = "; Path=/; HttpOnly; SameSite=Strict";
  ASSERT_EQ(cookie->size(), prefix.size() + 64 + suffix.size()) << *cookie;
  EXPECT_EQ(cookie->substr(0, prefix.size()), prefix);
  EXPECT_EQ(cookie->substr(prefix.size() + 64), suffix);
  const std::string token_sent = cookie->substr(prefix.size(), 64);
  EXPECT_EQ(token_sent.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(field.str().find(R"(name="csrf" value=")" + token_sent + "\""), std::string::npos);
}

TEST_F(WebPage, KnownBrowserKeepsItsTokenAndGetsNoCookie) {
  auto request = get();
  request.set_header("Cookie", "firma_csrf=" + token);
  Page page(settings, request);
  EXPECT_NE(page.csrf_field().str().find(token), std::string::npos);
  auto r = page.render(200, "activate.title", {});
  EXPECT_FALSE(header(r, "Set-Cookie"));
}

TEST_F(WebPage, SecureCookiesUnderHttps) {
  PageSettings tls{random, WebOptions{"https://firma.example.gob.es", std::chrono::seconds(30)}};
  auto request = get();
  Page page(tls, request);
  (void)page.csrf_field();
  auto r = page.render(200, "activate.title", {});
  ASSERT_TRUE(header(r, "Set-Cookie"));
  EXPECT_NE(header(r, "Set-Cookie")->find("; Secure"), std::string::npos);
}

TEST_F(WebPage, CsrfAcceptsOnlyTheSameTokenInCookieAndField) {
  auto check = [&](const std::string& body, std::optional<std::string> cookie) {
    auto request = post(body, cookie);
    Page page(settings, request);
    auto form = Form::of(request);
    return form && page.csrf_ok(*form);
  };
  EXPECT_TRUE(check("csrf=" + token + "&nif=1", token));
  EXPECT_FALSE(check("nif=1", token));                         // no field
  EXPECT_FALSE(check("csrf=" + token, std::nullopt));          // no cookie
  EXPECT_FALSE(check("csrf=" + std::string(64, 'b'), token));  // different
  EXPECT_FALSE(check("csrf=" + token.substr(1), token));       // shorter
  EXPECT_FALSE(check("csrf=", std::string()));                 // both empty
  EXPECT_FALSE(check("csrf=XYZ", std::string("XYZ")));         // equal but not a token we make
}

TEST_F(WebPage, ReadFormRefusesAWrongTokenWith403AndAnAlert) {
  auto request = post("csrf=" + std::string(64, 'b') + "&nif=12345678Z", token);
  Page page(settings, request);
  std::optional<Form> form;
  auto refused = read_form(page, form);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(form);
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(refused->body.find(R"(<div id="error" class="error" role="alert">)"), std::string::npos);
  EXPECT_EQ(header(*refused, "X-Frame-Options"), "DENY");
}

TEST_F(WebPage, ReadFormRefusesWhatIsNotAForm) {
  auto request = post("{\"nif\":\"x\"}", token);
  request.set_header("Content-Type", "application/json");
  Page page(settings, request);
  std::optional<Form> form;
  auto refused = read_form(page, form);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
}

TEST_F(WebPage, ReadFormAcceptsTheRightToken) {
  auto request = post("csrf=" + token + "&nif=12345678Z", token);
  Page page(settings, request);
  std::optional<Form> form;
  EXPECT_FALSE(read_form(page, form));
  ASSERT_TRUE(form);
  EXPECT_EQ(form->value("nif"), "12345678Z");
}

TEST_F(WebPage, LanguageFromCookieThenAcceptLanguageThenSpanish) {
  auto lang_of = [&](std::optional<std::string> cookie, std::optional<std::string> accept) {
    auto r = get();
    if (cookie) r.set_header("Cookie", "lang=" + *cookie);
    if (accept) r.set_header("Accept-Language", *accept);
    return negotiate_lang(r);
  };
  EXPECT_EQ(lang_of(std::nullopt, std::nullopt), Lang::es);
  EXPECT_EQ(lang_of(std::nullopt, "en-GB,en;q=0.9"), Lang::en);
  EXPECT_EQ(lang_of(std::nullopt, "fr-FR,fr;q=0.9,en;q=0.8,es;q=0.7"), Lang::en);
  EXPECT_EQ(lang_of(std::nullopt, "en;q=0.5,es;q=0.8"), Lang::es);
  EXPECT_EQ(lang_of(std::nullopt, "de,fr"), Lang::es);
  EXPECT_EQ(lang_of(std::nullopt, "en;q=0"), Lang::es);
  EXPECT_EQ(lang_of("en", "es"), Lang::en);
  EXPECT_EQ(lang_of("xx", "en"), Lang::en);
}

TEST_F(WebPage, EnglishPagesSayEnglishEverywhere) {
  auto request = get();
  request.set_header("Accept-Language", "en");
  Page page(settings, request);
  auto r = page.render(200, "activate.title", page.t("activate.start.intro"));
  EXPECT_NE(r.body.find(R"(<html lang="en">)"), std::string::npos);
  EXPECT_NE(r.body.find("Activate your account"), std::string::npos);
  EXPECT_NE(r.body.find(R"(href="?lang=es")"), std::string::npos);
  EXPECT_EQ(header(r, "Content-Language"), "en");
}

TEST_F(WebPage, LangParameterSetsTheCookieAndRedirectsWithoutIt) {
  auto request = get("/sign/abc");
  request.query = {{"lang", "en"}, {"step", "login"}};
  Page page(settings, request);
  auto r = page.language_redirect();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 303);
  EXPECT_EQ(header(*r, "Location"), "/sign/abc?step=login");
  ASSERT_TRUE(header(*r, "Set-Cookie"));
  EXPECT_EQ(header(*r, "Set-Cookie")->rfind("lang=en; Path=/;", 0), 0u);
  EXPECT_NE(header(*r, "Set-Cookie")->find("HttpOnly"), std::string::npos);

  auto plain = get("/sign/abc");
  Page none(settings, plain);
  EXPECT_FALSE(none.language_redirect());
}

TEST_F(WebPage, ErrorBoxOffersTheWayOutOfALockedAccount) {
  auto request = get();
  Page page(settings, request);
  auto html = page.error_box(page_error(Error{ErrorCode::account_locked, "locked"}, true)).str();
  EXPECT_NE(html.find(R"(role="alert")"), std::string::npos);
  EXPECT_NE(html.find(R"(href="/password/reset")"), std::string::npos);
  Error wrong{ErrorCode::invalid_credentials, "the NIF or the password is not correct"};
  wrong.attempts_left = 3;
  EXPECT_NE(page.error_box(page_error(wrong, true)).str().find("Le quedan 3 intentos"), std::string::npos);
  EXPECT_TRUE(page.error_box(std::nullopt).empty());
  PageError limited{ErrorCode::rate_limited, "error.rate_limited", std::chrono::seconds(17)};
  EXPECT_NE(page.error_box(limited).str().find("17"), std::string::npos);
}

TEST_F(WebPage, StylesheetIsServedWithItsType) {
  auto routes = site_pages(nullptr);
  auto it = std::find_if(routes.begin(), routes.end(), [](const Route& r) { return r.pattern == "/static/firma.css"; });
  ASSERT_NE(it, routes.end());
  auto r = it->handler(get("/static/firma.css"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/css; charset=utf-8");
  EXPECT_NE(r.body.find("max-width"), std::string::npos);
  EXPECT_NE(r.body.find(":focus-visible"), std::string::npos);
}

TEST(WebTime, DisplayTimeIsUtcPerLanguage) {
  const Instant at = from_unix(1714557600);  // 2024-05-01T10:00:00Z
  EXPECT_EQ(display_time(Lang::es, at), "01/05/2024 10:00 UTC");
  EXPECT_EQ(display_time(Lang::en, at), "2024-05-01 10:00 UTC");
}

}  // namespace
}  // namespace firma::api::web
