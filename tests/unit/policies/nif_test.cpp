// DNI/NIE parsing: valid forms normalised, wrong shapes and wrong control letters refused with the reason.
#include "policies/nif.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>
#include <unordered_set>

namespace firma::policies {
namespace {

TEST(Nif, ValidDniAndNieAreStoredUpperCase) {
  struct Case {
    std::string_view input;
    std::string_view stored;
    NifKind kind;
    std::string_view digits;
  };
  const Case cases[] = {
      {"12345678Z", "12345678Z", NifKind::dni, "12345678"},
      {"12345678z", "12345678Z", NifKind::dni, "12345678"},
      {"  12345678Z  ", "12345678Z", NifKind::dni, "12345678"},
      {"\t12345678z\r\n", "12345678Z", NifKind::dni, "12345678"},
      {"00000000T", "00000000T", NifKind::dni, "00000000"},
      {"99999999R", "99999999R", NifKind::dni, "99999999"},
      {"87654321X", "87654321X", NifKind::dni, "87654321"},
      {"X1234567L", "X1234567L", NifKind::nie, "X1234567"},
      {"x1234567l", "X1234567L", NifKind::nie, "X1234567"},
      {"Y1234567X", "Y1234567X", NifKind::nie, "Y1234567"},
      {" y1234567x", "Y1234567X", NifKind::nie, "Y1234567"},
      {"Z1234567R", "Z1234567R", NifKind::nie, "Z1234567"},
      {"X7654321J", "X7654321J", NifKind::nie, "X7654321"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.input));
    auto nif = Nif::parse(c.input);
    ASSERT_TRUE(nif.ok()) << nif.error().message;
    EXPECT_EQ(nif->str(), c.stored);
    EXPECT_EQ(nif->kind(), c.kind);
    EXPECT_EQ(nif->digits(), c.digits);
    EXPECT_EQ(nif->control_letter(), c.stored.back());
  }
}

TEST(Nif, WrongShapesAreFormatErrors) {
  const std::string_view cases[] = {
      "",
      "   ",
      "12345678",
      "1234567Z",
      "123456789Z",
      "12345678ZZ",
      "12345678-Z",
      "1234 5678Z",
      "12.345.678Z",
      "A1234567L",
      "W1234567L",
      "X12345678L",
      "X123456L",
      "XX234567L",
      "X-1234567L",
      "1234567XZ",
      "12345678\xC3\x91",
      "\xEF\xBC\x91"
      "2345678Z",
      "12345678 Z",
      "Z1234567",
      "123456781",
      "+12345678Z",
  };
  for (std::string_view input : cases) {
    SCOPED_TRACE(std::string(input));
    auto nif = Nif::parse(input);
    ASSERT_FALSE(nif.ok());
    EXPECT_EQ(nif.error().code, ErrorCode::invalid_request);
    EXPECT_NE(nif.error().message.find("DNI (8 digits and a letter)"), std::string::npos) << nif.error().message;
  }
}

TEST(Nif, WrongControlLetterIsNamedAsSuch) {
  const std::string_view cases[] = {
      "12345678A", "12345678T", "12345678I", "12345678O", "12345678U", "12345678n",
      "X1234567A", "Y1234567L", "Z1234567X", "X1234567R", "y1234567r", "00000000R",
  };
  for (std::string_view input : cases) {
    SCOPED_TRACE(std::string(input));
    auto nif = Nif::parse(input);
    ASSERT_FALSE(nif.ok());
    EXPECT_EQ(nif.error().code, ErrorCode::invalid_request);
    EXPECT_NE(nif.error().message.find("control letter"), std::string::npos) << nif.error().message;
  }
}

TEST(Nif, ExactlyOneLetterFitsEachNumber) {
  // For a spread of numbers, exactly one of the 26 letters makes a valid DNI, and the NIE with prefix
  // X/Y/Z takes the letter of the number with 0/1/2 in front.
  for (std::uint32_t n : {0u, 1u, 22u, 23u, 1234567u, 12345678u, 47110815u, 99999999u}) {
    char digits[9];
    std::snprintf(digits, sizeof digits, "%08u", n);
    int valid = 0;
    for (char letter = 'A'; letter <= 'Z'; ++letter) {
      auto nif = Nif::parse(std::string(digits) + letter);
      if (nif.ok()) {
        ++valid;
        EXPECT_EQ(letter, nif_control_letter(n));
      }
    }
    EXPECT_EQ(valid, 1) << digits;
  }
  for (std::uint32_t n : {0u, 1234567u, 9999999u}) {
    char digits[8];
    std::snprintf(digits, sizeof digits, "%07u", n);
    const char prefixes[] = {'X', 'Y', 'Z'};
    for (std::uint32_t p = 0; p < 3; ++p) {
      const std::string nie = prefixes[p] + std::string(digits) + nif_control_letter(p * 10000000 + n);
      EXPECT_TRUE(Nif::parse(nie).ok()) << nie;
    }
  }
}

TEST(Nif, ControlLettersCycleEvery23) {
  std::set<char> letters;
  for (std::uint32_t n = 0; n < 23; ++n) {
    letters.insert(nif_control_letter(n));
    EXPECT_EQ(nif_control_letter(n), nif_control_letter(n + 23 * 4321));
  }
  EXPECT_EQ(letters.size(), 23u);
  for (char never : {'I', 'O', 'U'}) EXPECT_EQ(letters.count(never), 0u) << never;  // easily misread
}

TEST(Nif, ComparesAndHashesByNormalisedValue) {
  auto a = Nif::parse("12345678z");
  auto b = Nif::parse(" 12345678Z");
  auto c = Nif::parse("X1234567L");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_LT(*a, *c);  // digits sort before letters
  std::unordered_set<Nif> set{*a, *b, *c};
  EXPECT_EQ(set.size(), 2u);
}

TEST(NifKey, EverySpellingOfOneNifOrOneMistakeSharesAKey) {
  struct Case {
    std::string typed, key;
  };
  const Case cases[] = {
      {"33333333P", "33333333P"},
      {"33333333p", "33333333P"},
      {" 33333333P", "33333333P"},
      {"33333333P\t", "33333333P"},
      {"\r\n x1234567l ", "X1234567L"},
      {"33333333a", "33333333A"},  // a wrong control letter: not a NIF, but one key for its spellings
      {" abc\t", "ABC"},
      {"12 34", "12 34"},
      {"", ""},
      {" \t", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.typed);
    EXPECT_EQ(nif_key(c.typed), c.key);
  }
}

}  // namespace
}  // namespace firma::policies
