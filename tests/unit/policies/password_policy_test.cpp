// The Cl@ve password policy, rule by rule: encoding, length in characters, groups, the 16-character
// exemption, and personal data compared without case or accents; plus the folding it compares with.
#include "policies/password_policy.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace firma::policies {
namespace {

using Rule = std::optional<PasswordRule>;
constexpr Rule kAccepted = std::nullopt;

std::string utf8(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
  return out;
}

std::string name_of(const Rule& rule) {
  return rule ? std::string(to_string(*rule)) : "accepted";
}

struct Case {
  std::string password;
  Rule expected;
};

void expect_all(const std::vector<Case>& cases, const PasswordContext& context = {}) {
  const PasswordPolicy policy;
  for (const Case& c : cases) {
    SCOPED_TRACE("password: " + c.password);
    EXPECT_EQ(name_of(policy.check(c.password, context)), name_of(c.expected));
  }
}

TEST(PasswordPolicy, LengthIsCountedInCharactersNotBytes) {
  expect_all({
      {"Ab1!", PasswordRule::too_short},
      {"Abcdef1", PasswordRule::too_short},  // 7
      {"Abcdefg1", kAccepted},               // 8
      {"ñÑáéíóú", PasswordRule::too_short},  // 7 characters, 14 bytes
      {"ñÑáéíóú1", kAccepted},               // 8 characters: lower, upper, digit
      {"€€€€€€1", PasswordRule::too_short},  // 7 characters, 19 bytes
      {"", PasswordRule::too_short},
  });
}

TEST(PasswordPolicy, NeedsThreeOfFourGroups) {
  expect_all({
      {"abcdefgh", PasswordRule::too_few_groups},
      {"ABCDEFGH", PasswordRule::too_few_groups},
      {"12345678", PasswordRule::too_few_groups},
      {"!!!!!!!!", PasswordRule::too_few_groups},
      {"abcdEFGH", PasswordRule::too_few_groups},
      {"abcd1234", PasswordRule::too_few_groups},
      {"ABCD1234", PasswordRule::too_few_groups},
      {"abcd!!!!", PasswordRule::too_few_groups},
      {"1234!!!!", PasswordRule::too_few_groups},
      {"abcdEF12", kAccepted},
      {"abcdEF!!", kAccepted},
      {"abcd12!!", kAccepted},
      {"ABCD12!!", kAccepted},
      {"aB1!aB1!", kAccepted},
      {"        ", PasswordRule::too_few_groups},  // spaces count as characters but belong to no group
      {"€€€€€€€€", PasswordRule::too_few_groups},
  });
}

TEST(PasswordPolicy, SpanishLettersHaveTheirCase) {
  expect_all({
      {"ñÑáéíóúü", PasswordRule::too_few_groups},  // lower and upper only
      {"ÑÁÉÍÓÚÜ1", PasswordRule::too_few_groups},  // upper and digit
      {"ÑÁÉÍÓÚü1", kAccepted},                     // ü is lower case
      {"ñáéíóú¿1", kAccepted},                     // lower, special ¿, digit
      {"ÑÁÉÍÓÚ¡1", kAccepted},                     // upper, special ¡, digit
      {"çççç1234", PasswordRule::too_few_groups},
      {"Çççç1234", kAccepted},
      {"ßßßß1234", PasswordRule::too_few_groups},  // sharp s is lower case
      {"łłłŁ1234", kAccepted},
      {"žžžŽ1234", kAccepted},
      {"ŒœŒœŒœŒ1", kAccepted},
      {"αβγδ1234", PasswordRule::too_few_groups},  // Greek letters: no group (outside the Latin tables)
      {"αβγδ12A!", kAccepted},
      {"××××÷÷a1", PasswordRule::too_few_groups},  // × and ÷ sit among the Latin-1 letters but are not letters
  });
}

TEST(PasswordPolicy, EveryListedSpecialCharacterCountsAndNoOther) {
  for (std::string special : {"¡", "!", "$", "?", "%", "&", "#", "@", "/", "\\", "(", ")", "=",
                              "¿", "*", "[", "]", ";", ",", ":", ".", "_", "<",  ">", "+", "-"}) {
    expect_all({{"abcd123" + special, kAccepted}, {"ABCD123" + special, kAccepted}, {"abcdEFG" + special, kAccepted}});
  }
  for (std::string other : {"~", "^", "{", "}", "|", "\"", "'", "`", " ", "€", "·", "ª", "º", "¬", "«"}) {
    expect_all({{"abcd123" + other, PasswordRule::too_few_groups}});
  }
}

TEST(PasswordPolicy, SixteenCharactersNeedNoGroups) {
  expect_all({
      {"aaaaaaaaaaaaaaa", PasswordRule::too_few_groups},  // 15
      {"aaaaaaaaaaaaaaaa", kAccepted},                    // 16
      {"ñññññññññññññññ", PasswordRule::too_few_groups},  // 15 characters, 30 bytes
      {"ññññññññññññññññ", kAccepted},                    // 16 characters
      {"€€€€€€€€€€€€€€€€", kAccepted},
      {"correct horse battery staple", kAccepted},
      {"1234567890123456", kAccepted},
  });
}

TEST(PasswordPolicy, IllFormedUtf8AndControlCharactersAreRefusedFirst) {
  expect_all({
      {"Abcdef1!\xFF", PasswordRule::invalid_encoding},
      {"\xFF", PasswordRule::invalid_encoding},  // before too_short
      {"Contrase\xF1"
       "a1!",
       PasswordRule::invalid_encoding},                              // Latin-1 ñ
      {"Abcdef1!\xC3", PasswordRule::invalid_encoding},              // truncated sequence
      {"Abcdef1!\xC0\xAF", PasswordRule::invalid_encoding},          // overlong '/'
      {"Abcdef1!\xE0\x80\xAF", PasswordRule::invalid_encoding},      // overlong, 3 bytes
      {"Abcdef1!\xED\xA0\x80", PasswordRule::invalid_encoding},      // UTF-16 surrogate
      {"Abcdef1!\xF4\x90\x80\x80", PasswordRule::invalid_encoding},  // past U+10FFFF
      {"Abcdef1!\x80", PasswordRule::invalid_encoding},              // lone continuation byte
      {"Abcdef1!\n", PasswordRule::invalid_encoding},
      {"Abcdef1!\t", PasswordRule::invalid_encoding},
      {std::string("Abc\0def1!", 9), PasswordRule::invalid_encoding},
      {"Abcdef1!\x7F", PasswordRule::invalid_encoding},
      {"Abcdef1!\xC2\x85", PasswordRule::invalid_encoding},  // C1 control
      {"Abcdef1!\xF0\x9F\x94\x91", kAccepted},               // a 4-byte character is fine
  });
}

PasswordContext spanish_citizen() {
  return PasswordContext{"José María", "Núñez", "García-Lorca", "12345678Z"};
}

TEST(PasswordPolicy, NamesAreFoundWhateverTheirCaseAndAccents) {
  expect_all(
      {
          {"xJosé!2024", PasswordRule::contains_personal_data},
          {"JOSE.2024a", PasswordRule::contains_personal_data},
          {"jose#2024A", PasswordRule::contains_personal_data},
          {"JÔSÈ#2024a", PasswordRule::contains_personal_data},
          {"Jo\xCC\x81se#2024", PasswordRule::contains_personal_data},  // decomposed accent in the password
          {"MARIA2024!", PasswordRule::contains_personal_data},
          {"mAríA-2024", PasswordRule::contains_personal_data},
          {"josemaria1!", PasswordRule::contains_personal_data},
          {"NUNEZ2024!a", PasswordRule::contains_personal_data},
          {"nÚÑez!2024", PasswordRule::contains_personal_data},
          {"Garcia2024!", PasswordRule::contains_personal_data},
          {"LORCA2024!a", PasswordRule::contains_personal_data},
          {"garcialorca1A", PasswordRule::contains_personal_data},
          {"GARCÍA-LORCA1a", PasswordRule::contains_personal_data},
          {"my long passphrase with núñez in it", PasswordRule::contains_personal_data},  // 16+ too
          {"Marí@2024!", kAccepted},                                                      // "mari" is not "maria"
          {"Nuñe$2024a", kAccepted},
          {"Lorc4!2024a", kAccepted},
          {"Gar-cia2024!", kAccepted},
      },
      spanish_citizen());
}

TEST(PasswordPolicy, NifIsFoundWithAndWithoutItsLetter) {
  expect_all(
      {
          {"12345678Zab!", PasswordRule::contains_personal_data},
          {"ab!12345678z", PasswordRule::contains_personal_data},
          {"ab!12345678", PasswordRule::contains_personal_data},
          {"Ab!1234567", kAccepted},  // seven of the eight digits
          {"Ab!2345678Z", kAccepted},
      },
      spanish_citizen());

  PasswordContext nie{"Olena", "Kovalenko", "", " x1234567l "};  // as typed: lower case, spaces
  expect_all(
      {
          {"AB!X1234567L", PasswordRule::contains_personal_data},
          {"ab!x1234567", PasswordRule::contains_personal_data},
          {"Ab!1234567", PasswordRule::contains_personal_data},  // the NIE's number on its own
          {"Ab!123456", kAccepted},
          {"OLENA2024!", PasswordRule::contains_personal_data},
          {"kovalenk0!A", kAccepted},
      },
      nie);

  PasswordContext unparsed{"", "", "", "12345678-A"};  // not a valid NIF: still looked for as written
  expect_all(
      {
          {"Ab!12345678-a", PasswordRule::contains_personal_data},
          {"Ab!12345678-", PasswordRule::contains_personal_data},
          {"Ab!12345678", kAccepted},
      },
      unparsed);
}

TEST(PasswordPolicy, ShortNamePartsAreNotLookedForAsSubstrings) {
  // A surname "Li" or a particle "de" would reject every password containing those two letters.
  PasswordContext short_parts{"Wu", "Li", "de la Fuente", "X1234567L"};
  expect_all(
      {
          {"Lima2024!x", kAccepted},
          {"Wulfric2024!", kAccepted},
          {"Adela2024!x", kAccepted},
          {"Fuente2024!", PasswordRule::contains_personal_data},
          {"DeLaFuente1!", PasswordRule::contains_personal_data},  // the whole surname run together
          {"de la fuente 1A", PasswordRule::contains_personal_data},
      },
      short_parts);

  // Short words run together are long enough to matter.
  PasswordContext joined{"Li Na", "Ng", "", ""};
  expect_all({{"LiNa2024!x", PasswordRule::contains_personal_data}, {"Li2024!Na", kAccepted}}, joined);
}

TEST(PasswordPolicy, EmptyOrAbsentPersonalDataIsIgnored) {
  expect_all({{"Abcdefg1", kAccepted}}, PasswordContext{});
  expect_all({{"Abcdefg1", kAccepted}}, PasswordContext{"  ", " - ", "", "  "});
  expect_all({{"Abcdefg1", kAccepted}}, PasswordContext{"Ana", "Ruiz", "", ""});
  expect_all({{"Ruiz2024!", PasswordRule::contains_personal_data}}, PasswordContext{"Ana", "Ruiz", "", ""});
}

TEST(PasswordPolicy, ContextNamesWithDecomposedAccentsMatch) {
  expect_all({{"JOSE2024!a", PasswordRule::contains_personal_data}}, PasswordContext{"Jose\xCC\x81", "", "", ""});
  expect_all({{"PEÑA2024!a", PasswordRule::contains_personal_data}}, PasswordContext{"",
                                                                                     "Pen\xCC\x83"
                                                                                     "a",
                                                                                     "", ""});
}

TEST(PasswordPolicy, EveryLatin1AndExtendedALetterBelongsToOneCaseGroup) {
  const PasswordPolicy policy;
  for (char32_t c = 0x00C0; c <= 0x017F; ++c) {
    SCOPED_TRACE(static_cast<unsigned>(c));
    const std::string letter = utf8(c);
    if (c == 0x00D7 || c == 0x00F7) {
      EXPECT_EQ(policy.check("1234567!" + letter, {}), PasswordRule::too_few_groups);
      continue;
    }
    // With a digit and a special, any letter makes the third group.
    EXPECT_EQ(policy.check("1234567!" + letter, {}), kAccepted);
    // With a-z and a digit, only an upper-case letter does; with A-Z and a digit, only a lower-case one.
    const bool as_upper = !policy.check("abcdef1" + letter, {}).has_value();
    const bool as_lower = !policy.check("ABCDEF1" + letter, {}).has_value();
    EXPECT_NE(as_upper, as_lower);
  }
}

TEST(PasswordPolicy, KnownCasesOfLatinLetters) {
  struct Letter {
    std::string text;
    bool upper;
  };
  const Letter letters[] = {
      {"Ñ", true},  {"ñ", false}, {"Á", true}, {"é", false}, {"Ü", true},  {"ç", false}, {"ß", false},
      {"ÿ", false}, {"Ÿ", true},  {"Ā", true}, {"ā", false}, {"İ", true},  {"ı", false}, {"ĸ", false},
      {"Ĺ", true},  {"ĺ", false}, {"Ŀ", true}, {"ŀ", false}, {"Ł", true},  {"ł", false}, {"ŉ", false},
      {"Ŋ", true},  {"ŋ", false}, {"Ź", true}, {"ž", false}, {"ſ", false}, {"Þ", true},  {"þ", false},
  };
  const PasswordPolicy policy;
  for (const Letter& l : letters) {
    SCOPED_TRACE(l.text);
    EXPECT_EQ(!policy.check("abcdef1" + l.text, {}).has_value(), l.upper);
    EXPECT_EQ(!policy.check("ABCDEF1" + l.text, {}).has_value(), !l.upper);
  }
}

TEST(PasswordPolicy, DescribesEachRuleDistinctly) {
  const PasswordRule rules[] = {PasswordRule::too_short, PasswordRule::too_few_groups,
                                PasswordRule::contains_personal_data, PasswordRule::invalid_encoding};
  std::set<std::string_view> messages;
  for (PasswordRule rule : rules) messages.insert(PasswordPolicy::describe(rule));
  EXPECT_EQ(messages.size(), 4u);
  EXPECT_NE(PasswordPolicy::describe(PasswordRule::too_short).find("8 characters"), std::string_view::npos);
  EXPECT_NE(PasswordPolicy::describe(PasswordRule::too_few_groups).find("three"), std::string_view::npos);
  EXPECT_NE(PasswordPolicy::describe(PasswordRule::too_few_groups).find("16"), std::string_view::npos);
  EXPECT_NE(PasswordPolicy::describe(PasswordRule::contains_personal_data).find("name"), std::string_view::npos);
  EXPECT_NE(PasswordPolicy::describe(PasswordRule::invalid_encoding).find("UTF-8"), std::string_view::npos);
  EXPECT_EQ(to_string(PasswordRule::contains_personal_data), "contains_personal_data");
}

TEST(FoldForComparison, LowerCaseWithoutAccents) {
  struct Case {
    std::string input;
    std::string expected;
  };
  const Case cases[] = {
      {"Ñúñez", "nunez"},
      {"GÜELL", "guell"},
      {"Ærø", "aero"},
      {"Straße", "strasse"},
      {"Łódź", "lodz"},
      {"Œuvre", "oeuvre"},
      {"İstanbul", "istanbul"},
      {"Ștefan", "stefan"},
      {"Țară", "tara"},
      {"ŸÿÝý", "yyyy"},
      {"Þór", "thor"},
      {"Ĳssel", "ijssel"},
      {"n\xCC\x83", "n"},
      {"ABC-123 xyz!", "abc-123 xyz!"},
      {"Ωμέγα", "Ωμέγα"},
      {"a\xFF"
       "b",
       "a\xEF\xBF\xBD"
       "b"},
      {"", ""},
      {"×÷", "×÷"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_EQ(fold_for_comparison(c.input), c.expected);
  }
}

TEST(FoldForComparison, EveryLatinLetterFoldsToPlainLowerCaseAscii) {
  for (char32_t c = 0x00C0; c <= 0x017F; ++c) {
    if (c == 0x00D7 || c == 0x00F7) continue;
    SCOPED_TRACE(static_cast<unsigned>(c));
    const std::string folded = fold_for_comparison(utf8(c));
    ASSERT_FALSE(folded.empty());
    EXPECT_EQ(folded.find_first_not_of("abcdefghijklmnopqrstuvwxyz"), std::string::npos) << folded;
  }
}

}  // namespace
}  // namespace firma::policies
