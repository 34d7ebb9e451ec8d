// Contact data normalisation: email, E.164 mobile and its mask, person names (accents, spaces, refusals).
#include "policies/contact.h"

#include <gtest/gtest.h>

#include <string>

namespace firma::policies {
namespace {

std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(Email, NormalisesSpacesAndDomainCase) {
  struct Case {
    std::string input;
    std::string expected;
  };
  const Case cases[] = {
      {" Ana.Garcia@Example.ES ", "Ana.Garcia@example.es"},
      {"\tx@EXAMPLE.COM\n", "x@example.com"},
      {"a@b.co", "a@b.co"},
      {"user+tag@sub.dominio.gob.es", "user+tag@sub.dominio.gob.es"},
      {"o'brien_1-2@mail-server.example.org", "o'brien_1-2@mail-server.example.org"},
      {"JOS\xC3\x89@CORREO.ES", "JOS\xC3\x89@correo.es"},  // local part keeps its case
      {"ana@ESPA\xC3\x91"
       "A.ES",
       "ana@espa\xC3\xB1"
       "a.es"},  // Ñ -> ñ in an IDN domain
      {"ana@xn--espaa-rta.es", "ana@xn--espaa-rta.es"},
      {repeat("a", 64) + "@" + repeat("b", 63) + "." + repeat("c", 63) + "." + repeat("d", 61),
       repeat("a", 64) + "@" + repeat("b", 63) + "." + repeat("c", 63) + "." + repeat("d", 61)},  // 254 bytes
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    auto email = normalize_email(c.input);
    ASSERT_TRUE(email.ok()) << email.error().message;
    EXPECT_EQ(*email, c.expected);
  }
}

TEST(Email, RefusesWhatIsNotAnAddress) {
  const std::string cases[] = {
      "",
      "   ",
      "ana",
      "ana@",
      "@example.es",
      "ana@@example.es",
      "ana@b@example.es",
      "ana garcia@example.es",
      "ana@exa mple.es",
      "ana@example",
      "ana@example.",
      "ana@.example.es",
      "ana@example..es",
      "ana@-example.es",
      "ana@example-.es",
      "ana@exa_mple.es",
      "ana@[192.0.2.1]",
      "ana@192.0.2.1",
      ".ana@example.es",
      "ana.@example.es",
      "an..a@example.es",
      "\"ana\"@example.es",
      "ana,b@example.es",
      "ana<b>@example.es",
      std::string("an\x01"
                  "a@example.es"),
      std::string("ana@example.es\x7F"),
      std::string("ana\xC2\x85@example.es"),  // C1 control NEL
      std::string("an\xFF"
                  "a@example.es"),    // not UTF-8
      std::string("ana@exampl\xC3"),  // truncated sequence
      repeat("a", 65) + "@example.es",
      "ana@" + repeat("b", 64) + ".es",
      repeat("a", 64) + "@" + repeat("b", 63) + "." + repeat("c", 63) + "." + repeat("d", 62),  // 255 bytes
  };
  for (const std::string& input : cases) {
    SCOPED_TRACE(input);
    auto email = normalize_email(input);
    ASSERT_FALSE(email.ok()) << *email;
    EXPECT_EQ(email.error().code, ErrorCode::invalid_request);
    EXPECT_FALSE(email.error().message.empty());
  }
}

TEST(Mobile, NormalisesToE164) {
  struct Case {
    std::string_view input;
    std::string_view expected;
  };
  const Case cases[] = {
      {"+34600111222", "+34600111222"},
      {" +34 600 111 222 ", "+34600111222"},
      {"+34  600111222", "+34600111222"},
      {"+12025550123", "+12025550123"},
      {"+12345678", "+12345678"},                // 8 digits
      {"+123456789012345", "+123456789012345"},  // 15 digits, the E.164 maximum
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.input));
    auto mobile = normalize_mobile(c.input);
    ASSERT_TRUE(mobile.ok()) << mobile.error().message;
    EXPECT_EQ(*mobile, c.expected);
  }
}

TEST(Mobile, RefusesWhatIsNotE164) {
  const std::string_view cases[] = {
      "",
      "+",
      "34600111222",
      "0034600111222",
      "+1234567",
      "+1234567890123456",
      "+034600111222",
      "+0",
      "++34600111222",
      "+34-600-111-222",
      "+34(600)111222",
      "+34600111222x",
      "+34\t600111222",
      "600 111 222",
      "+34 6OO 111 222",
      "34+600111222",
  };
  for (std::string_view input : cases) {
    SCOPED_TRACE(std::string(input));
    auto mobile = normalize_mobile(input);
    ASSERT_FALSE(mobile.ok()) << *mobile;
    EXPECT_EQ(mobile.error().code, ErrorCode::invalid_request);
  }
}

TEST(Mobile, MaskKeepsCountryCodeAndLastThreeDigits) {
  struct Case {
    std::string_view input;
    std::string_view expected;
  };
  const Case cases[] = {
      {"+34600111222", "+34******222"},
      {"+12025550123", "+12******123"},
      {"+123456789012345", "+12**********345"},
      {"+123456", "+12*456"},
      {"+12345", "******"},
      {"", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.input));
    EXPECT_EQ(mask_mobile(c.input), c.expected);
  }
}

TEST(PersonName, TrimsCollapsesAndKeepsAccents) {
  struct Case {
    std::string input;
    std::string expected;
  };
  const Case cases[] = {
      {"  Jos\xC3\xA9   Mar\xC3\xAD"
       "a  ",
       "Jos\xC3\xA9 Mar\xC3\xAD"
       "a"},
      {"N\xC3\xBA\xC3\xB1"
       "ez",
       "N\xC3\xBA\xC3\xB1"
       "ez"},  // Núñez
      {"GARC\xC3\x8D"
       "A-LORCA",
       "GARC\xC3\x8D"
       "A-LORCA"},
      {"O'Brien", "O'Brien"},
      {"D\xE2\x80\x99"
       "Angelo",
       "D\xE2\x80\x99"
       "Angelo"},                                          // typographic apostrophe
      {"M\xC2\xAA Jos\xC3\xA9", "M\xC2\xAA Jos\xC3\xA9"},  // Mª José
      {"Gil\xC2\xB7labert", "Gil\xC2\xB7labert"},          // Catalan l·l
      {"Ana\xC2\xA0"
       "Bel\xC3\xA9n",
       "Ana Bel\xC3\xA9n"},  // no-break space
      {"M\xC3\xBCller", "M\xC3\xBCller"},
      {"\xC5\x81ukasz", "\xC5\x81ukasz"},          // Łukasz
      {"\xC8\x98tefan", "\xC8\x98tefan"},          // Ștefan (Latin Extended-B)
      {"Nguy\xE1\xBB\x85n", "Nguy\xE1\xBB\x85n"},  // Nguyễn (Latin Extended Additional)
      {"Nu\xCC\x83"
       "n\xCC\x83"
       "ez",
       "Nu\xCC\x83"
       "n\xCC\x83"
       "ez"},  // decomposed accents kept as they came
      {"J. R.", "J. R."},
      {"de la   Fuente", "de la Fuente"},
      {"A", "A"},
      {repeat("\xC3\xB1", 100), repeat("\xC3\xB1", 100)},  // 100 characters, 200 bytes
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    auto name = normalize_person_name(c.input);
    ASSERT_TRUE(name.ok()) << name.error().message;
    EXPECT_EQ(*name, c.expected);
  }
}

TEST(PersonName, RefusesDigitsSymbolsControlsAndBadText) {
  const std::string cases[] = {
      "",
      "   ",
      "Juan2",
      "R2-D2",
      "Juan\tCarlos",
      "Ana\nBel\xC3\xA9n",
      std::string("Ana\0Bel", 7),
      "Juan@",
      "<script>",
      "Ana_Bel",
      "---",
      "'.",
      "Jos\xE9",  // Latin-1 é, not UTF-8
      "Jos\xC3",  // truncated
      "\xCC\x83"
      "abc",                               // accent with no letter under it
      "Ana \xCC\x81",                      // accent after a space
      "\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD",  // Cyrillic: not in the Latin tables
      "Ana \xF0\x9F\x98\x80",              // emoji
      "\xC7\x83"
      "Kung",         // Latin letter retroflex click, looks like '!'
      "Ana\xC2\x85",  // C1 control
      repeat("\xC3\xB1", 101),
      repeat("a", 50) + "  " + repeat("b", 50),  // 101 after collapsing
  };
  for (const std::string& input : cases) {
    SCOPED_TRACE(input);
    auto name = normalize_person_name(input);
    ASSERT_FALSE(name.ok()) << *name;
    EXPECT_EQ(name.error().code, ErrorCode::invalid_request);
  }
}

}  // namespace
}  // namespace firma::policies
