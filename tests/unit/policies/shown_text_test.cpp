// Names shown to citizens: control and bidirectional formatting characters refused; application names' extra rules.
#include "policies/shown_text.h"

#include <gtest/gtest.h>

#include <string>

#include "policies/contact.h"

namespace firma::policies {
namespace {

// Text that hides or reorders what follows it, each spelled in UTF-8.
const std::string kHiding[] = {
    std::string("a\0b", 3),  // NUL
    "factura\r\nTotal: 0 EUR",
    "a\tb",
    "a\x1b[2Jb",   // ESC, a terminal's escape
    "a\x7f",       // DEL
    "a\xc2\x85z",  // U+0085 NEL (C1)
    "a\xc2\x9bz",  // U+009B CSI (C1)
    "factura\xe2\x80\xae"
    "fdp.exe",         // U+202E RIGHT-TO-LEFT OVERRIDE
    "a\xe2\x80\xaaz",  // U+202A LRE
    "a\xe2\x80\xabz",  // U+202B RLE
    "a\xe2\x80\xacz",  // U+202C PDF
    "a\xe2\x80\xadz",  // U+202D LRO
    "a\xe2\x81\xa6z",  // U+2066 LRI
    "a\xe2\x81\xa7z",  // U+2067 RLI
    "a\xe2\x81\xa8z",  // U+2068 FSI
    "a\xe2\x81\xa9z",  // U+2069 PDI
    "a\xe2\x80\x8ez",  // U+200E LRM
    "a\xe2\x80\x8fz",  // U+200F RLM
    "a\xd8\x9cz",      // U+061C ALM
    "a\xe2\x80\xa8z",  // U+2028 LINE SEPARATOR
    "a\xe2\x80\xa9z",  // U+2029 PARAGRAPH SEPARATOR
    "a\xc0\xafz",      // ill-formed UTF-8 (overlong '/')
};

TEST(ShownText, RefusesControlAndDirectionCharacters) {
  for (const std::string& text : kHiding) {
    SCOPED_TRACE(text);
    for (Status s : {check_shown_text(text, "name"), check_document_name(text), check_application_name(text)}) {
      ASSERT_FALSE(s.ok());
      EXPECT_EQ(s.error().code, ErrorCode::invalid_request);
    }
  }
}

TEST(ShownText, SaysWhichCharacterIsRefused) {
  Status s = check_document_name(
      "factura\xe2\x80\xae"
      "fdp.exe");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("U+202E"), std::string::npos) << s.error().message;
}

TEST(ShownText, AcceptsOrdinaryNamesInAnyScript) {
  const std::string names[] = {
      "contrato.pdf",
      "Declaraci\xc3\xb3n de la renta 2024 (borrador).xml",
      "\xd8\xb9\xd9\x82\xd8\xaf.pdf",  // Arabic text without direction controls
      "\xe5\x90\x88\xe5\x90\x8c.pdf",  // CJK
      "a < b & c > d {1}.txt",         // a document's name may hold markup characters: pages escape them
      std::string(200, 'x'),
  };
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    Status s = check_document_name(name);
    EXPECT_TRUE(s.ok()) << s.error().message;
  }
  EXPECT_FALSE(check_document_name("").ok());
  EXPECT_FALSE(check_document_name(std::string(201, 'x')).ok());
}

TEST(ApplicationName, RefusesTemplatesAndMarkup) {
  struct Case {
    std::string name;
    bool ok;
  };
  const Case cases[] = {
      {"Sede electr\xc3\xb3nica de la AEAT", true},
      {"Ayuntamiento de A Coru\xc3\xb1"
       "a - Registro",
       true},
      {"App (pruebas) 2.0", true},
      {"Sede {otp}", false},
      {"Sede {", false},
      {"Sede }", false},
      {"<b>Sede</b>", false},
      {"Sede\nsu c\xc3\xb3"
       "digo es 123456",
       false},
      {"", false},
      {"   ", false},
      {std::string(200, 'a'), true},
      {std::string(201, 'a'), false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(check_application_name(c.name).ok(), c.ok);
  }
}

TEST(PersonName, AlreadyRefusesEveryHidingCharacter) {
  // Citizens' names reach pages and certificates through normalize_person_name, which allows Latin letters only.
  for (const std::string& text : kHiding) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(normalize_person_name("Ana" + text).ok());
  }
}

}  // namespace
}  // namespace firma::policies
