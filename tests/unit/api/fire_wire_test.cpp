// FIRe's wire formats: java.util.Properties text as Properties.load reads it, and base64 of either alphabet.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "api/fire/wire.h"

namespace firma::api::fire {
namespace {

using Map = std::map<std::string, std::string>;

struct PropertiesCase {
  const char* what;
  std::string text;
  Map expected;
};

class PropertiesTest : public ::testing::TestWithParam<PropertiesCase> {};

TEST_P(PropertiesTest, ReadsAsJavaDoes) {
  const auto& c = GetParam();
  auto parsed = parse_properties(c.text);
  ASSERT_TRUE(parsed) << c.what << ": " << parsed.error().message;
  EXPECT_EQ(*parsed, c.expected) << c.what;
}

// Each expectation is what java.util.Properties.load (JDK 17) gives for the same text.
INSTANTIATE_TEST_SUITE_P(
    Cases, PropertiesTest,
    ::testing::Values(
        PropertiesCase{"equals", "a=1", {{"a", "1"}}}, PropertiesCase{"colon", "a:1", {{"a", "1"}}},
        PropertiesCase{"blank", "a 1", {{"a", "1"}}},
        PropertiesCase{"blanks around the separator", "a  =  1", {{"a", "1"}}},
        PropertiesCase{"tab and form feed", "a\t\f:\t1", {{"a", "1"}}},
        PropertiesCase{"only one separator is eaten", "a==1", {{"a", "=1"}}},
        PropertiesCase{"blank then colon then equals", "a :=1", {{"a", "=1"}}},
        PropertiesCase{"trailing blanks are kept in the value", "a=1  ", {{"a", "1  "}}},
        PropertiesCase{"leading blanks before the key", "   a=1", {{"a", "1"}}},
        PropertiesCase{"a key alone", "a", {{"a", ""}}}, PropertiesCase{"a key and a separator", "a=", {{"a", ""}}},
        PropertiesCase{"an empty key", "=1", {{"", "1"}}},
        PropertiesCase{"comments", "# date\n! other\na=1\n  # indented comment", {{"a", "1"}}},
        PropertiesCase{"a comment does not continue", "# c \\\na=1", {{"a", "1"}}},
        PropertiesCase{"a hash inside a value", "a=1#2", {{"a", "1#2"}}},
        PropertiesCase{"blank lines", "\n\n  \na=1\n\n", {{"a", "1"}}},
        PropertiesCase{"CR LF and CR line ends", "a=1\r\nb=2\rc=3", {{"a", "1"}, {"b", "2"}, {"c", "3"}}},
        PropertiesCase{"escaped separators in the key", "a\\=b\\:c\\ d=1", {{"a=b:c d", "1"}}},
        PropertiesCase{"Java's URLs",
                       "redirectOkUrl=https\\://sede.example/ok?a\\=1&b\\=2",
                       {{"redirectOkUrl", "https://sede.example/ok?a=1&b=2"}}},
        PropertiesCase{"escapes", "a=\\t\\n\\r\\f\\x\\\\", {{"a", "\t\n\r\fx\\"}}},
        PropertiesCase{"unicode escapes", "a=\\u00e1\\u20AC", {{"a", "\xC3\xA1\xE2\x82\xAC"}}},
        PropertiesCase{"a surrogate pair", "a=\\uD83D\\uDE00", {{"a", "\xF0\x9F\x98\x80"}}},
        PropertiesCase{"continuation", "a=1\\\n   2\\\n\t3", {{"a", "123"}}},
        PropertiesCase{"continuation across CR LF", "a=1\\\r\n  2", {{"a", "12"}}},
        PropertiesCase{"an even run of backslashes does not continue", "a=1\\\\\nb=2", {{"a", "1\\"}, {"b", "2"}}},
        PropertiesCase{"a continued line may start with a hash", "a=1\\\n#2", {{"a", "1#2"}}},
        PropertiesCase{"a backslash at the end of the text", "a=1\\", {{"a", "1"}}},
        PropertiesCase{"a continuation into a blank line ends it", "a=1\\\n\nb=2", {{"a", "1"}, {"b", "2"}}},
        PropertiesCase{"the later key wins", "a=1\na=2", {{"a", "2"}}},
        PropertiesCase{"UTF-8 bytes", "docName=Resoluci\xC3\xB3n", {{"docName", "Resoluci\xC3\xB3n"}}},
        PropertiesCase{"ISO 8859-1 bytes", "docName=Resoluci\xF3n", {{"docName", "Resoluci\xC3\xB3n"}}},
        PropertiesCase{"an empty text", "", {}}));

TEST(Properties, RefusesMalformedUnicodeEscapes) {
  EXPECT_FALSE(parse_properties("a=\\u12"));
  EXPECT_FALSE(parse_properties("a=\\u12G4"));
  EXPECT_FALSE(parse_properties("a=\\uD83D"));   // a high surrogate alone
  EXPECT_FALSE(parse_properties("a=\\uDE00x"));  // a low surrogate alone
  EXPECT_FALSE(parse_properties("a=\\u0000"));   // a NUL
  EXPECT_FALSE(parse_properties("\\u00zz=1"));   // in the key
  auto refused = parse_properties("mode=\\u12");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("mode"), std::string::npos);
}

struct Base64Case {
  const char* what;
  std::string text;
  std::optional<std::string> expected;
};

class Base64Test : public ::testing::TestWithParam<Base64Case> {};

TEST_P(Base64Test, DecodesEitherAlphabet) {
  const auto& c = GetParam();
  auto decoded = decode_base64(c.text);
  if (!c.expected) {
    EXPECT_FALSE(decoded) << c.what;
    return;
  }
  ASSERT_TRUE(decoded) << c.what;
  EXPECT_EQ(std::string(decoded->begin(), decoded->end()), *c.expected) << c.what;
}

// "\xfb\xff\xbf" is "+/+/" in the standard alphabet and "-_-_" in the URL-safe one.
INSTANTIATE_TEST_SUITE_P(
    Cases, Base64Test,
    ::testing::Values(Base64Case{"standard, padded", "aGk=", "hi"}, Base64Case{"standard, unpadded", "aGk", "hi"},
                      Base64Case{"two pad characters", "aA==", "h"}, Base64Case{"no padding needed", "aGV5", "hey"},
                      Base64Case{"standard alphabet", "+/+/", "\xfb\xff\xbf"},
                      Base64Case{"URL-safe alphabet", "-_-_", "\xfb\xff\xbf"},
                      Base64Case{"URL-safe, padded", "-_8=", "\xfb\xff"},
                      Base64Case{"line breaks", "aGV5\r\naGV5\n", "heyhey"},
                      Base64Case{"a plus read as a space by a form decoder", " /+/", "\xfb\xff\xbf"},
                      Base64Case{"empty", "", ""}, Base64Case{"mixed alphabets", "+_-/", std::nullopt},
                      Base64Case{"a stray character", "aG*k", std::nullopt},
                      Base64Case{"one character too many", "aGV5a", std::nullopt},
                      Base64Case{"padding in the middle", "aG=k", std::nullopt},
                      Base64Case{"too much padding", "a===", std::nullopt}));

}  // namespace
}  // namespace firma::api::fire
