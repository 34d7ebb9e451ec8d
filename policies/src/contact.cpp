// Normalisation of contact data and names: each function trims, checks and returns the canonical form.
#include "policies/contact.h"

#include "latin_text.h"

namespace firma::policies {
namespace {

constexpr std::string_view kWhiteSpace = " \t\r\n";
constexpr std::size_t kMaxEmailBytes = 254;     // RFC 5321 4.5.3.1.3: a 256-octet path minus its < >
constexpr std::size_t kMaxLocalPartBytes = 64;  // RFC 5321 4.5.3.1.1
constexpr std::size_t kMaxLabelBytes = 63;      // RFC 1035 2.3.4
constexpr std::size_t kMinMobileDigits = 8;
constexpr std::size_t kMaxMobileDigits = 15;  // ITU-T E.164 section 6
constexpr std::size_t kMaxNameCharacters = 100;

std::string_view trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(kWhiteSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kWhiteSpace) - first + 1);
}

Error invalid(std::string message) {
  return make_error(ErrorCode::invalid_request, std::move(message));
}

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

Status check_domain(std::string_view domain) {
  std::size_t labels = 0;
  std::string_view last;
  for (std::size_t start = 0; start <= domain.size();) {
    std::size_t end = domain.find('.', start);
    if (end == std::string_view::npos) end = domain.size();
    const std::string_view label = domain.substr(start, end - start);
    if (label.empty() || label.size() > kMaxLabelBytes) {
      return invalid("the email domain must be dot-separated names of 1 to 63 characters");
    }
    for (char c : label) {
      if (!is_ascii_alnum(c) && c != '-' && static_cast<unsigned char>(c) < 0x80) {
        return invalid("the email domain may contain only letters, digits, hyphens and dots");
      }
    }
    if (label.front() == '-' || label.back() == '-')
      return invalid("an email domain name cannot start or end with '-'");
    ++labels;
    last = label;
    start = end + 1;
  }
  if (labels < 2) return invalid("the email domain must contain a dot (example.es)");
  if (last.find_first_not_of("0123456789") == std::string_view::npos) {
    return invalid("the email domain must end in a name, not a number");
  }
  return {};
}

}  // namespace

Result<std::string> normalize_email(std::string_view input) {
  input = trim(input);
  if (input.empty()) return invalid("the email address is empty");
  if (input.size() > kMaxEmailBytes) return invalid("the email address is longer than 254 characters");
  const auto code_points = detail::decode_utf8(input);
  if (!code_points) return invalid("the email address is not valid UTF-8");
  for (char32_t c : *code_points) {
    if (c == U' ' || detail::is_control(c)) return invalid("the email address contains spaces or control characters");
  }

  const std::size_t at = input.find('@');
  if (at == std::string_view::npos || input.find('@', at + 1) != std::string_view::npos) {
    return invalid("the email address must contain exactly one '@'");
  }
  const std::string_view local = input.substr(0, at);
  const std::string_view domain = input.substr(at + 1);
  if (local.empty() || local.size() > kMaxLocalPartBytes) {
    return invalid("the part of the email address before '@' must have 1 to 64 characters");
  }
  // Dot-atom form (RFC 5322 3.2.3): no leading, trailing or doubled dot, none of the specials that need quotes.
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return invalid("the part of the email address before '@' has a misplaced '.'");
  }
  if (local.find_first_of("\"(),:;<>[\\]") != std::string_view::npos) {
    return invalid("the part of the email address before '@' contains a character that is not allowed");
  }
  if (Status domain_ok = check_domain(domain); !domain_ok) return std::move(domain_ok).error();

  std::string normalized(local);
  normalized.push_back('@');
  for (std::size_t pos = 0; pos < domain.size();) {
    const detail::CodePointStep step = detail::next_code_point(domain, pos);
    detail::append_utf8(normalized, detail::latin_to_lower(step.code_point));
    pos += step.length;
  }
  return normalized;
}

Result<std::string> normalize_mobile(std::string_view input) {
  std::string number;
  for (char c : trim(input)) {
    if (c != ' ') number.push_back(c);
  }
  const Error shape =
      invalid("the mobile number must be in E.164 form: '+', the country code and the number, 8 to 15 digits");
  if (number.size() < 1 + kMinMobileDigits || number.size() > 1 + kMaxMobileDigits || number.front() != '+') {
    return shape;
  }
  if (number.find_first_not_of("0123456789", 1) != std::string::npos) return shape;
  if (number[1] == '0') return invalid("the mobile number's country code cannot start with 0");
  return number;
}

std::string mask_mobile(std::string_view e164) {
  constexpr std::size_t kKeepFront = 3;
  constexpr std::size_t kKeepBack = 3;
  std::string masked(e164.size(), '*');
  if (e164.size() <= kKeepFront + kKeepBack) return masked;
  masked.replace(0, kKeepFront, e164.substr(0, kKeepFront));
  masked.replace(masked.size() - kKeepBack, kKeepBack, e164.substr(e164.size() - kKeepBack));
  return masked;
}

Result<std::string> normalize_person_name(std::string_view input) {
  const auto code_points = detail::decode_utf8(input);
  if (!code_points) return invalid("the name is not valid UTF-8");

  std::u32string name;
  bool pending_space = false;
  bool has_letter = false;
  for (char32_t c : *code_points) {
    if (c == U' ' || c == 0x00A0) {  // no-break spaces arrive with names pasted from documents
      pending_space = !name.empty();
      continue;
    }
    if (detail::is_control(c)) return invalid("the name contains control characters");
    if (detail::is_combining_mark(c)) {
      // A decomposed accent ("n" + U+0303) must sit on a letter.
      const bool on_letter = !pending_space && !name.empty() &&
                             (detail::is_name_letter(name.back()) || detail::is_combining_mark(name.back()));
      if (!on_letter) return invalid("the name has an accent that is not on a letter");
    } else if (detail::is_name_letter(c)) {
      has_letter = true;
    } else if (c != U'-' && c != U'\'' && c != 0x2019 && c != U'.' && c != 0x00B7) {
      return invalid("a name may contain only letters, spaces, hyphens, apostrophes and periods");
    }
    if (pending_space) name.push_back(U' ');
    pending_space = false;
    name.push_back(c);
  }
  if (name.empty()) return invalid("the name is empty");
  if (!has_letter) return invalid("the name contains no letters");
  if (name.size() > kMaxNameCharacters) return invalid("the name is longer than 100 characters");
  return detail::encode_utf8(name);
}

}  // namespace firma::policies
