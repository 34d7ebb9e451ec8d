// The Cl@ve Permanente password rules: length, kinds of characters, no personal data.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace firma::policies {

// What the password must not contain. Any part may be empty (a citizen without a second surname).
// `nif` is the citizen's DNI/NIE as registered (a valid one is expected; any text is tolerated).
struct PasswordContext {
  std::string given_name;
  std::string surname1;
  std::string surname2;
  std::string nif;
};

enum class PasswordRule { too_short, too_few_groups, contains_personal_data, invalid_encoding };

// The rules of design/REFERENCES.md ("Cl@ve Permanente rules"), checked in this order, the first
// failure returned:
//  1. invalid_encoding: the password must be well-formed UTF-8 without control characters (C0, DEL, C1;
//     a NUL or a line break in a password is a client bug, not a choice).
//  2. too_short: at least 8 characters, counted as Unicode code points, not bytes. No normalisation is
//     applied, so an accent typed in decomposed form counts as a character of its own.
//  3. too_few_groups (only below 16 characters; from 16 on any characters will do): at least one character
//     from at least three of: lower-case letters, upper-case letters, digits 0-9, and the specials
//     `¡!$?%&#@/\()=¿?*[];,:._<>+-`. Letters are those of Basic Latin, Latin-1 Supplement and Latin
//     Extended-A with their case (ñ Ñ á É ü Ç ß ł Ž ...): every letter of Spanish and of the other
//     languages written in Spain. Other characters (space, €, letters of other scripts) are allowed and
//     count for the length, but belong to no group.
//  4. contains_personal_data: the password, folded with fold_for_comparison (case and accents ignored),
//     must not contain the given name or either surname, nor the NIF with or without its control letter
//     (nor, for a NIE, its seven digits). A name part is checked whole and word by word (words split at
//     spaces, hyphens, apostrophes, periods and middle dots), and also with its separators removed
//     ("de la Fuente" -> "delafuente"). Fragments shorter than 3 characters ("Li", "de", "Mª") are not
//     looked for: as substrings they would reject a great part of all passwords and protect nothing.
class PasswordPolicy {
 public:
  static constexpr std::size_t min_length = 8;
  static constexpr std::size_t any_characters_length = 16;
  static constexpr int min_groups = 3;
  static constexpr std::size_t min_personal_fragment = 3;

  // nullopt when the password is acceptable.
  std::optional<PasswordRule> check(std::string_view password_utf8, const PasswordContext& context) const;

  // A message for the citizen saying which rule failed.
  static std::string_view describe(PasswordRule rule);
};

// The snake_case name of a rule ("too_short"), for logs and audit.
std::string_view to_string(PasswordRule rule);

// Text folded for comparison: lower case, accents and other diacritics removed from Latin letters
// ("Ñúñez" -> "nunez", "GÜELL" -> "guell", "Æ" -> "ae", "ß" -> "ss"), decomposed accents (U+0300..U+036F)
// dropped. Characters outside the Latin tables are kept as they are; ill-formed UTF-8 bytes become U+FFFD.
std::string fold_for_comparison(std::string_view utf8);

}  // namespace firma::policies
