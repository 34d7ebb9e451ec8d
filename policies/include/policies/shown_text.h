// Names a citizen reads before confirming (documents, applications): nothing in them may hide or reorder text.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace firma::policies {

// Bidirectional formatting characters (Unicode 15, UAX #9 2.1-2.6 and Table 1): the embeddings and overrides
// U+202A..U+202E, the isolates U+2066..U+2069 and the marks U+200E, U+200F and U+061C. An override makes
// "fdp.exe" read as "exe.pdf"; none of them has a place in a name.
bool is_bidi_control(char32_t c) noexcept;

// A character that changes how the rest of a line is shown without being seen itself: a C0 or C1 control or DEL
// (CR and LF start a line that looks like the page's own), a bidirectional formatting character, or the line and
// paragraph separators U+2028 and U+2029.
bool is_hidden_formatting(char32_t c) noexcept;

// Well-formed UTF-8 without hidden formatting (above); `what` names the field in the message ("name ..."), which
// says which character is refused (as U+XXXX). Errors are invalid_request.
Status check_shown_text(std::string_view text, std::string_view what);

// A document's name as the application gives it: 1..200 bytes of shown text (check_shown_text).
Status check_document_name(std::string_view name);

// An application's name, shown on the confirmation page and put into the SMS: 1..200 bytes of shown text, not
// only spaces, and without the characters of templates and markup: '{' and '}' (the SMS text's placeholders),
// '<' and '>'. Errors are invalid_request.
Status check_application_name(std::string_view name);

}  // namespace firma::policies
