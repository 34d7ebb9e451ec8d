// FIRe's wire formats: java.util.Properties text (the `config` and `properties` parameters) and base64 of either
// alphabet, as FIRe's clients write them (FIRE.md "Transport").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/encoding.h"
#include "core/result.h"

namespace firma::api::fire {

// The keys and values of a java.util.Properties text, read as Properties.load(Reader) does (JDK 17
// java.util.Properties#load): natural lines ending in \n, \r or \r\n; blank lines and lines whose first
// non-blank character is '#' or '!' are comments; a logical line continues on the next natural line when it
// ends in an odd number of backslashes (the next line's leading blanks are dropped); the key ends at the first
// unescaped '=', ':' or blank (space, \t, \f), and blanks then at most one '=' or ':' then blanks separate it
// from the value; \t \n \r \f and \uXXXX are escapes, any other escaped character stands for itself. A later
// key replaces an earlier one.
//
// FIRe's clients write the text as bytes: Java's Properties.store(OutputStream) as ISO 8859-1 with \uXXXX for
// the rest, PHP callers by hand, usually in UTF-8. The bytes are read as UTF-8 when they are valid UTF-8 and as
// ISO 8859-1 otherwise; keys and values come out in UTF-8. A malformed \uXXXX escape (fewer than four hex
// digits), as in Java, is an error; so is a value holding a NUL or an unpaired surrogate.
Result<std::map<std::string, std::string>> parse_properties(std::string_view text);

// Base64 of the standard alphabet (+ /) or the URL-safe one (- _), with or without '=' padding; FIRe's Java
// client writes URL-safe with padding. Line breaks (\r, \n) are ignored, as MIME writers insert them, and a space
// is a '+' that a form decoder turned into one (the clients do not percent-encode); the two
// alphabets may not be mixed. nullopt for anything else.
std::optional<Bytes> decode_base64(std::string_view text);

}  // namespace firma::api::fire
