// UTF-8 decoding and the Latin letter tables shared by the password, name and comparison rules (private).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace firma::policies::detail {

struct CodePointStep {
  char32_t code_point;  // U+FFFD when !valid
  std::size_t length;   // bytes consumed; 1 for an ill-formed byte so a lenient caller can go on
  bool valid;
};

// Decodes the code point that starts at `pos` (pos < text.size()). Only well-formed sequences are
// valid (Unicode 15, Table 3-7; RFC 3629 section 4): no overlong forms, no surrogates, nothing past U+10FFFF.
CodePointStep next_code_point(std::string_view text, std::size_t pos);

// Every code point of a well-formed UTF-8 text; nullopt at the first ill-formed byte.
std::optional<std::u32string> decode_utf8(std::string_view text);

void append_utf8(std::string& out, char32_t code_point);
std::string encode_utf8(std::u32string_view code_points);

enum class LetterCase { none, lower, upper };

// The case of a letter of Basic Latin, Latin-1 Supplement (U+00C0..U+00FF but the signs x and /) or
// Latin Extended-A (U+0100..U+017F): the letters of Spanish and of the other languages of Spain and the EU
// written in Latin script. Everything else, including letters of other blocks, is `none`.
LetterCase latin_letter_case(char32_t c);

// The lower case of an upper-case letter of those blocks (Unicode simple case mapping); anything else unchanged.
char32_t latin_to_lower(char32_t c);

// A letter a person's name may hold: the cased letters above, Latin Extended-B (but its click letters,
// U+01C0..U+01C3, which look like punctuation), Latin Extended Additional, and the ordinal indicators
// a and o (as in "M\u00AA").
bool is_name_letter(char32_t c);

// Combining Diacritical Marks (U+0300..U+036F): the accents of text typed in decomposed form.
inline bool is_combining_mark(char32_t c) {
  return c >= 0x0300 && c <= 0x036F;
}

// C0 controls, DEL and C1 controls (Unicode general category Cc).
inline bool is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

inline bool is_ascii_digit(char32_t c) {
  return c >= U'0' && c <= U'9';
}

// The lower-case, unaccented spelling of a Latin letter: "a" for A and for \u00C1, "n" for \u00D1,
// "ss" for \u00DF, "ae" for \u00C6, "oe" for \u0152. Empty when the code point has no such spelling
// (the caller then keeps it as it is).
std::string_view latin_fold(char32_t c);

}  // namespace firma::policies::detail
