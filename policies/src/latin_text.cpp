// UTF-8 decoding and the Latin letter tables shared by the password, name and comparison rules.
#include "latin_text.h"

namespace firma::policies::detail {
namespace {

constexpr CodePointStep kIllFormed{0xFFFD, 1, false};

struct FoldRange {
  char32_t first;
  char32_t last;
  std::string_view base;
};

// Latin-1 Supplement and Latin Extended-A letters with their base letters (the letter without its
// diacritic, lower case; ligatures and sharp s spelled out), plus the comma-below letters of Romanian
// (U+0218..U+021B) that are often typed instead of their cedilla forms. Ordered by code point.
constexpr FoldRange kFoldTable[] = {
    {0x00C0, 0x00C5, "a"},  {0x00C6, 0x00C6, "ae"}, {0x00C7, 0x00C7, "c"},  {0x00C8, 0x00CB, "e"},
    {0x00CC, 0x00CF, "i"},  {0x00D0, 0x00D0, "d"},  {0x00D1, 0x00D1, "n"},  {0x00D2, 0x00D6, "o"},
    {0x00D8, 0x00D8, "o"},  {0x00D9, 0x00DC, "u"},  {0x00DD, 0x00DD, "y"},  {0x00DE, 0x00DE, "th"},
    {0x00DF, 0x00DF, "ss"}, {0x00E0, 0x00E5, "a"},  {0x00E6, 0x00E6, "ae"}, {0x00E7, 0x00E7, "c"},
    {0x00E8, 0x00EB, "e"},  {0x00EC, 0x00EF, "i"},  {0x00F0, 0x00F0, "d"},  {0x00F1, 0x00F1, "n"},
    {0x00F2, 0x00F6, "o"},  {0x00F8, 0x00F8, "o"},  {0x00F9, 0x00FC, "u"},  {0x00FD, 0x00FD, "y"},
    {0x00FE, 0x00FE, "th"}, {0x00FF, 0x00FF, "y"},  {0x0100, 0x0105, "a"},  {0x0106, 0x010D, "c"},
    {0x010E, 0x0111, "d"},  {0x0112, 0x011B, "e"},  {0x011C, 0x0123, "g"},  {0x0124, 0x0127, "h"},
    {0x0128, 0x0131, "i"},  {0x0132, 0x0133, "ij"}, {0x0134, 0x0135, "j"},  {0x0136, 0x0138, "k"},
    {0x0139, 0x0142, "l"},  {0x0143, 0x014B, "n"},  {0x014C, 0x0151, "o"},  {0x0152, 0x0153, "oe"},
    {0x0154, 0x0159, "r"},  {0x015A, 0x0161, "s"},  {0x0162, 0x0167, "t"},  {0x0168, 0x0173, "u"},
    {0x0174, 0x0175, "w"},  {0x0176, 0x0178, "y"},  {0x0179, 0x017E, "z"},  {0x017F, 0x017F, "s"},
    {0x0218, 0x0219, "s"},  {0x021A, 0x021B, "t"},
};

constexpr std::string_view kAsciiLower = "abcdefghijklmnopqrstuvwxyz";

}  // namespace

CodePointStep next_code_point(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) return {lead, 1, true};

  // Unicode 15 Table 3-7: the lead byte fixes the length and the range of the second byte.
  std::size_t length = 0;
  char32_t code_point = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
    if (lead == 0xE0) second_min = 0xA0;  // overlong
    if (lead == 0xED) second_max = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
    if (lead == 0xF0) second_min = 0x90;  // overlong
    if (lead == 0xF4) second_max = 0x8F;  // past U+10FFFF
  } else {
    return kIllFormed;
  }
  if (length > text.size() - pos) return kIllFormed;
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char b = byte(pos + i);
    const unsigned char min = i == 1 ? second_min : 0x80;
    const unsigned char max = i == 1 ? second_max : 0xBF;
    if (b < min || b > max) return kIllFormed;
    code_point = (code_point << 6) | (b & 0x3F);
  }
  return {code_point, length, true};
}

std::optional<std::u32string> decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const CodePointStep step = next_code_point(text, pos);
    if (!step.valid) return std::nullopt;
    out.push_back(step.code_point);
    pos += step.length;
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string encode_utf8(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (char32_t c : code_points) append_utf8(out, c);
  return out;
}

LetterCase latin_letter_case(char32_t c) {
  if (c >= U'a' && c <= U'z') return LetterCase::lower;
  if (c >= U'A' && c <= U'Z') return LetterCase::upper;
  // Latin-1 Supplement: U+00C0..U+00DE upper, U+00DF..U+00FF lower (sharp s and y diaeresis have no
  // upper case here), except the multiplication and division signs.
  if (c == 0x00D7 || c == 0x00F7) return LetterCase::none;
  if (c >= 0x00C0 && c <= 0x00DE) return LetterCase::upper;
  if (c >= 0x00DF && c <= 0x00FF) return LetterCase::lower;
  // Latin Extended-A alternates upper/lower in pairs; the parity flips after the caseless kra (U+0138)
  // and after n preceded by apostrophe (U+0149), and Y diaeresis (U+0178) is the upper case of U+00FF.
  if (c < 0x0100 || c > 0x017F) return LetterCase::none;
  if (c == 0x0138 || c == 0x0149 || c == 0x017F) return LetterCase::lower;
  if (c == 0x0178) return LetterCase::upper;
  const bool even = c % 2 == 0;
  const bool even_is_upper = c < 0x0138 || (c > 0x0149 && c < 0x0178);
  return even == even_is_upper ? LetterCase::upper : LetterCase::lower;
}

char32_t latin_to_lower(char32_t c) {
  if (latin_letter_case(c) != LetterCase::upper) return c;
  if (c < 0x0100) return c + 0x20;  // both A-Z and U+00C0..U+00DE sit 0x20 below their lower case
  if (c == 0x0178) return 0x00FF;   // Y with diaeresis
  if (c == 0x0130) return U'i';     // capital I with dot above
  return c + 1;                     // Latin Extended-A pairs
}

bool is_name_letter(char32_t c) {
  if (latin_letter_case(c) != LetterCase::none) return true;
  if (c == 0x00AA || c == 0x00BA) return true;                      // ordinal indicators
  if (c >= 0x0180 && c <= 0x024F) return c < 0x01C0 || c > 0x01C3;  // Latin Extended-B
  return c >= 0x1E00 && c <= 0x1EFF;                                // Latin Extended Additional
}

std::string_view latin_fold(char32_t c) {
  if (c >= U'a' && c <= U'z') return kAsciiLower.substr(c - U'a', 1);
  if (c >= U'A' && c <= U'Z') return kAsciiLower.substr(c - U'A', 1);
  for (const FoldRange& range : kFoldTable) {
    if (c < range.first) break;
    if (c <= range.last) return range.base;
  }
  return {};
}

}  // namespace firma::policies::detail
