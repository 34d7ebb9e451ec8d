// The web pages' catalogues: both languages hold the same keys with the same placeholders, and every error a
// service can answer has words in both.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "catalogue.h"
#include "page.h"
#include "policies/password_policy.h"

namespace firma::api::web {
namespace {

std::set<std::string> placeholders(std::string_view text) {
  std::set<std::string> out;
  for (auto open = text.find('{'); open != std::string_view::npos; open = text.find('{', open + 1)) {
    const auto close = text.find('}', open);
    if (close != std::string_view::npos) out.insert(std::string(text.substr(open + 1, close - open - 1)));
  }
  return out;
}

TEST(WebCatalogue, BothLanguagesHoldTheSameKeysOnce) {
  auto es = catalogue_keys(Lang::es);
  auto en = catalogue_keys(Lang::en);
  ASSERT_GT(es.size(), 50u);
  std::set<std::string_view> es_set(es.begin(), es.end());
  std::set<std::string_view> en_set(en.begin(), en.end());
  EXPECT_EQ(es_set.size(), es.size()) << "a Spanish key is repeated";
  EXPECT_EQ(en_set.size(), en.size()) << "an English key is repeated";
  for (auto key : es_set) EXPECT_TRUE(en_set.count(key)) << "missing in English: " << key;
  for (auto key : en_set) EXPECT_TRUE(es_set.count(key)) << "missing in Spanish: " << key;
}

TEST(WebCatalogue, TextsAreNonEmptyTranslatedAndNameTheSameValues) {
  for (auto key : catalogue_keys(Lang::es)) {
    const auto es = message(Lang::es, key);
    const auto en = message(Lang::en, key);
    EXPECT_FALSE(es.empty()) << key;
    EXPECT_FALSE(en.empty()) << key;
    EXPECT_EQ(placeholders(es), placeholders(en)) << key;
    EXPECT_EQ(es.find('<'), std::string_view::npos) << "catalogue text is plain text: " << key;
  }
  // Spanish and English differ where words are (the brand and format names may be the same).
  EXPECT_NE(message(Lang::es, "error.otp_invalid"), message(Lang::en, "error.otp_invalid"));
}

TEST(WebCatalogue, UnknownKeyIsMarked) {
  EXPECT_EQ(message(Lang::es, "no.such.key").rfind("[[", 0), 0u);
  EXPECT_EQ(message(Lang::en, "no.such.key").rfind("[[", 0), 0u);
}

TEST(WebCatalogue, EveryErrorCodeHasWordsInBothLanguages) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::internal); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    for (bool password_step : {false, true}) {
      const auto e = page_error(Error{code, "whatever the service said"}, password_step);
      EXPECT_EQ(e.code, code);
      EXPECT_EQ(e.status(), http_status(code));
      for (auto lang : kAllLangs)
        EXPECT_EQ(message(lang, e.key).rfind("[[", 0), std::string_view::npos)
            << "no words for " << to_string(code) << " (" << e.key << ")";
    }
  }
}

TEST(WebCatalogue, WrongPasswordAndWrongDataHaveTheirOwnWords) {
  const Error wrong{ErrorCode::invalid_credentials, "the NIF or the password is not correct"};
  EXPECT_EQ(page_error(wrong, true).key, "error.invalid_credentials.password");
  EXPECT_EQ(page_error(wrong, false).key, "error.invalid_credentials.data");
  // The lockout warning and how to unlock are in the words themselves.
  EXPECT_NE(std::string(message(Lang::es, "error.invalid_credentials.password")).find("cinco"), std::string::npos);
  EXPECT_NE(std::string(message(Lang::en, "error.account_locked")).find("reset"), std::string::npos);
}

TEST(WebCatalogue, TriesLeftAreCountedWhenTheServiceTellsThem) {
  Error wrong{ErrorCode::invalid_credentials, "the NIF or the password is not correct"};
  wrong.attempts_left = 3;
  auto e = page_error(wrong, true);
  EXPECT_EQ(e.key, "error.invalid_credentials.attempts.many");
  EXPECT_EQ(e.attempts_left, 3);
  wrong.attempts_left = 1;
  EXPECT_EQ(page_error(wrong, true).key, "error.invalid_credentials.attempts.one");
  EXPECT_EQ(page_error(wrong, false).key, "error.invalid_credentials.data") << "account data: no count";

  Error code{ErrorCode::otp_invalid, "wrong code"};
  EXPECT_EQ(page_error(code, false).key, "error.otp_invalid");
  EXPECT_FALSE(code_spent(code));
  code.attempts_left = 2;
  EXPECT_EQ(page_error(code, false).key, "error.otp_invalid.attempts.many");
  code.attempts_left = 1;
  EXPECT_EQ(page_error(code, false).key, "error.otp_invalid.attempts.one");
  code.attempts_left = 0;
  EXPECT_EQ(page_error(code, false).key, "error.otp_invalid.attempts.none");
  EXPECT_TRUE(code_spent(code)) << "no tries left: start again";
  EXPECT_TRUE(code_spent(Error{ErrorCode::otp_expired, ""}));
  EXPECT_TRUE(code_spent(Error{ErrorCode::otp_exhausted, ""}));

  for (const char* key : {"error.invalid_credentials.attempts.many", "error.otp_invalid.attempts.many"})
    for (auto lang : kAllLangs) EXPECT_NE(std::string(message(lang, key)).find("{attempts}"), std::string::npos) << key;
  EXPECT_NE(std::string(message(Lang::es, "error.invalid_credentials.attempts.many")).find("bloque"),
            std::string::npos);
}

TEST(WebCatalogue, PasswordPolicyRuleNamedByTheServiceGetsItsOwnWords) {
  for (auto rule : {policies::PasswordRule::too_short, policies::PasswordRule::too_few_groups,
                    policies::PasswordRule::contains_personal_data, policies::PasswordRule::invalid_encoding}) {
    const auto e =
        page_error(Error{ErrorCode::password_policy, std::string(policies::PasswordPolicy::describe(rule))}, false);
    EXPECT_EQ(e.key, "error.password_policy." + std::string(policies::to_string(rule)));
    EXPECT_EQ(message(Lang::en, e.key).rfind("[[", 0), std::string_view::npos);
  }
  EXPECT_EQ(page_error(Error{ErrorCode::password_policy, "something else"}, false).key, "error.password_policy");
}

TEST(WebCatalogue, ThrottleRefusalCarriesRetryAfter) {
  Response refusal = problem(ErrorCode::rate_limited, "too many requests; try again later");
  refusal.headers.emplace_back("Retry-After", "42");
  const auto e = page_error(refusal);
  EXPECT_EQ(e.code, ErrorCode::rate_limited);
  EXPECT_EQ(e.status(), 429);
  ASSERT_TRUE(e.retry_after);
  EXPECT_EQ(e.retry_after->count(), 42);
  EXPECT_EQ(page_error(problem(ErrorCode::unavailable, "database down")).code, ErrorCode::unavailable);
}

TEST(WebCatalogue, LanguageTags) {
  EXPECT_EQ(parse_lang("EN"), Lang::en);
  EXPECT_EQ(parse_lang("es"), Lang::es);
  EXPECT_FALSE(parse_lang("fr"));
  EXPECT_FALSE(parse_lang("eng"));
  EXPECT_FALSE(parse_lang(""));
  EXPECT_EQ(lang_tag(Lang::en), "en");
}

}  // namespace
}  // namespace firma::api::web
