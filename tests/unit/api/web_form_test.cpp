// Form bodies and cookies: the parsing edge cases the pages rely on.
#include <gtest/gtest.h>

#include "core/percent_encoding.h"
#include "form.h"

namespace firma::api::web {
namespace {

TEST(WebForm, DecodesPlusAndPercent) {
  auto form = Form::parse("nif=12345678Z&password=a+b%2Bc%26d%3D&empty=&novalue");
  ASSERT_TRUE(form) << form.error().message;
  EXPECT_EQ(form->value("nif"), "12345678Z");
  EXPECT_EQ(form->secret("password").reveal(), "a b+c&d=");
  EXPECT_TRUE(form->has("empty"));
  EXPECT_EQ(form->value("empty"), "");
  EXPECT_TRUE(form->has("novalue"));
  EXPECT_FALSE(form->has("absent"));
  EXPECT_EQ(form->value("absent"), "");
}

TEST(WebForm, EmptyBodyAndEmptyPairs) {
  auto empty = Form::parse("");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->has("nif"));
  auto gaps = Form::parse("&&a=1&&b=2&");
  ASSERT_TRUE(gaps);
  EXPECT_EQ(gaps->value("a"), "1");
  EXPECT_EQ(gaps->value("b"), "2");
}

TEST(WebForm, MalformedEscapesStayAsTheyAre) {
  auto form = Form::parse("a=100%25&b=%zz&c=%4&d=%");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->value("a"), "100%");
  EXPECT_EQ(form->value("b"), "%zz");
  EXPECT_EQ(form->value("c"), "%4");
  EXPECT_EQ(form->value("d"), "%");
}

TEST(WebForm, UnicodeValuesAreKept) {
  auto form = Form::parse("name=N%C3%BA%C3%B1ez&pw=%E2%82%AC%E2%82%AC");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->value("name"), "Núñez");
  EXPECT_EQ(form->secret("pw").reveal(), "€€");
}

TEST(WebForm, RefusesRepeatedNames) {
  // Two values for one name: which one a check reads and which one the service gets must not differ.
  auto form = Form::parse("csrf=a&nif=1&csrf=b");
  ASSERT_FALSE(form);
  EXPECT_EQ(form.error().code, ErrorCode::invalid_request);
  EXPECT_NE(form.error().message.find("csrf"), std::string::npos);
}

TEST(WebForm, RefusesControlCharactersAndBadUtf8ButNotTab) {
  EXPECT_FALSE(Form::parse("a=x%00y"));
  EXPECT_FALSE(Form::parse("a=x%0Ay"));
  EXPECT_FALSE(Form::parse("a=%C3"));        // truncated sequence
  EXPECT_FALSE(Form::parse("a=%C0%AF"));     // overlong '/'
  EXPECT_FALSE(Form::parse("a=%ED%A0%80"));  // a UTF-16 surrogate
  EXPECT_FALSE(Form::parse("a=%C2%85"));     // C1 control (NEL)
  EXPECT_TRUE(Form::parse("a=x%09y"));
  EXPECT_FALSE(Form::parse("a%20b=1"));  // a name with a space
  EXPECT_FALSE(Form::parse("=1"));       // an empty name
}

TEST(WebForm, RefusesTooManyFieldsOrLongValues) {
  std::string body;
  for (std::size_t i = 0; i <= Form::kMaxFields; ++i) body += "f" + std::to_string(i) + "=1&";
  EXPECT_FALSE(Form::parse(body));
  EXPECT_FALSE(Form::parse("a=" + std::string(Form::kMaxValueBytes + 1, 'x')));
  EXPECT_TRUE(Form::parse("a=" + std::string(Form::kMaxValueBytes, 'x')));
}

TEST(WebForm, ErrorNeverQuotesTheValue) {
  auto form = Form::parse("password=secret%00value");
  ASSERT_FALSE(form);
  EXPECT_EQ(form.error().message.find("secret"), std::string::npos);
}

TEST(WebForm, TrimmedAndContentType) {
  Request r;
  r.body = "nif=+12345678Z+&x=1";
  r.set_header("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8");
  auto form = Form::of(r);
  ASSERT_TRUE(form);
  EXPECT_EQ(form->trimmed("nif"), "12345678Z");
  EXPECT_EQ(form->value("nif"), " 12345678Z ");
  r.set_header("Content-Type", "application/json");
  EXPECT_FALSE(Form::of(r));
  r.remove_header("Content-Type");
  EXPECT_FALSE(Form::of(r));
}

TEST(WebForm, DecodesWhatPercentEncodeWrites) {
  const std::string value = "+34******222 a&b=c/ñ";
  EXPECT_EQ(form_decode(percent_encode(value)), value);
}

TEST(WebCookies, ParsesTheCookieHeader) {
  Request r;
  r.set_header("Cookie", "lang=en; firma_csrf=abc;  empty=; noequals; =x; quoted=\"q\"; lang=es");
  auto cookies = request_cookies(r);
  EXPECT_EQ(cookies["lang"], "en");  // the first of a repeated name
  EXPECT_EQ(cookies["firma_csrf"], "abc");
  EXPECT_EQ(cookies["empty"], "");
  EXPECT_EQ(cookies["quoted"], "q");
  EXPECT_FALSE(cookies.count("noequals"));
  EXPECT_EQ(request_cookie(r, "firma_csrf"), std::optional<std::string>("abc"));
  EXPECT_FALSE(request_cookie(r, "absent"));
  Request none;
  EXPECT_TRUE(request_cookies(none).empty());
}

TEST(WebCookies, ValuesTravelAsBase64url) {
  const std::string masked = "+34******222";
  const auto encoded = cookie_encode(masked);
  EXPECT_EQ(encoded.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_EQ(cookie_decode(encoded), masked);
  EXPECT_FALSE(cookie_decode("not base64!"));
}

TEST(WebCookies, SetCookieIsHttpOnlyAndStrict) {
  CookieOptions options;
  options.path = "/sign/abc";
  const auto plain = set_cookie("firma_sign", "x", options);
  EXPECT_EQ(plain, "firma_sign=x; Path=/sign/abc; HttpOnly; SameSite=Strict");
  options.secure = true;
  options.max_age = std::chrono::seconds(60);
  EXPECT_EQ(set_cookie("a", "b", options), "a=b; Path=/sign/abc; Max-Age=60; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(clear_cookie("a", options), "a=; Path=/sign/abc; Max-Age=0; HttpOnly; SameSite=Strict; Secure");
}

}  // namespace
}  // namespace firma::api::web
