// The rules for names shown to citizens: well-formed UTF-8, no control or bidirectional formatting characters.
#include "policies/shown_text.h"

#include <cstdio>

#include "latin_text.h"

namespace firma::policies {
namespace {

constexpr std::size_t kMaxNameBytes = 200;

std::string code_point_name(char32_t c) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(c));
  return buffer;
}

Status check_length(std::string_view text, std::string_view what) {
  if (text.empty() || text.size() > kMaxNameBytes)
    return make_error(ErrorCode::invalid_request, std::string(what) + " must be 1 to 200 characters");
  return {};
}

}  // namespace

bool is_bidi_control(char32_t c) noexcept {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0x061C;
}

bool is_hidden_formatting(char32_t c) noexcept {
  return detail::is_control(c) || is_bidi_control(c) || c == 0x2028 || c == 0x2029;
}

Status check_shown_text(std::string_view text, std::string_view what) {
  const auto code_points = detail::decode_utf8(text);
  if (!code_points) return make_error(ErrorCode::invalid_request, std::string(what) + " is not valid UTF-8");
  for (char32_t c : *code_points)
    if (is_hidden_formatting(c))
      return make_error(ErrorCode::invalid_request,
                        std::string(what) + " contains " + code_point_name(c) +
                            ", a control or text-direction character that would hide what is shown");
  return {};
}

Status check_document_name(std::string_view name) {
  if (Status s = check_length(name, "name"); !s) return s;
  return check_shown_text(name, "name");
}

Status check_application_name(std::string_view name) {
  if (Status s = check_length(name, "name"); !s) return s;
  if (name.find_first_not_of(" ") == std::string_view::npos)
    return make_error(ErrorCode::invalid_request, "name must not be only spaces");
  if (Status s = check_shown_text(name, "name"); !s) return s;
  if (name.find_first_of("{}<>") != std::string_view::npos)
    return make_error(ErrorCode::invalid_request, "name must not contain '{', '}', '<' or '>'");
  return {};
}

}  // namespace firma::policies
