// Normalisation of a citizen's contact data and names: email, E.164 mobile, person names.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace firma::policies {

// Trims white space and lower-cases the domain; the local part keeps its case (RFC 5321 section 2.4 lets
// it be case-sensitive). A sane subset of RFC 5321/5322: exactly one '@'; a local part of 1..64 bytes in
// dot-atom form without the characters that would need quoting; a domain of two or more dot-separated
// labels of 1..63 letters, digits, hyphens or (internationalised, RFC 6531) UTF-8 characters, not
// starting or ending with a hyphen, whose last label is not all digits; no spaces or control characters;
// at most 254 bytes in all (RFC 5321 section 4.5.3.1.3). Errors are invalid_request.
Result<std::string> normalize_email(std::string_view input);

// E.164 (ITU-T E.164 section 6): '+', a country code whose first digit is not 0, 8..15 digits in all.
// Surrounding white space and spaces inside ("+34 600 111 222") are removed; anything else is an error.
Result<std::string> normalize_mobile(std::string_view input);

// A mobile number fit to show a citizen ("+34******222"): the first three characters (the '+' and,
// heuristically, the country code) and the last three digits stay, the rest become '*'.
// Numbers of six characters or fewer are masked entirely.
std::string mask_mobile(std::string_view e164);

// A given name or surname: surrounding spaces trimmed and inner runs of spaces collapsed to one
// (no-break spaces count as spaces); then 1..100 characters counted as Unicode code points, made of
// Latin letters (Basic Latin, Latin-1 Supplement, Latin Extended-A/-B and Additional, so Spanish,
// Catalan, Galician, Basque and other European names, including the ordinal a/o of "M\u00AA"), combining
// accents after a letter, spaces, hyphens, apostrophes (' and U+2019), periods and the Catalan middle dot
// (U+00B7), with at least one letter. Digits, other symbols, control characters and ill-formed UTF-8 are
// refused (invalid_request). No Unicode normalisation is applied: the text keeps the form it came in.
Result<std::string> normalize_person_name(std::string_view input);

}  // namespace firma::policies
