// DNI/NIE parsing: shape, then the control letter of the number.
#include "policies/nif.h"

namespace firma::policies {
namespace {

constexpr std::string_view kControlLetters = "TRWAGMYFPDXBNJZSQVHLCKE";
constexpr std::string_view kWhiteSpace = " \t\r\n";
constexpr std::size_t kLength = 9;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

char to_upper_ascii(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

Error format_error() {
  return make_error(ErrorCode::invalid_request,
                    "the NIF must be a DNI (8 digits and a letter) or a NIE (X, Y or Z, 7 digits and a letter)");
}

}  // namespace

char nif_control_letter(std::uint32_t number) noexcept {
  return kControlLetters[number % kControlLetters.size()];
}

Result<Nif> Nif::parse(std::string_view input) {
  const std::size_t first = input.find_first_not_of(kWhiteSpace);
  if (first == std::string_view::npos) return format_error();
  input = input.substr(first, input.find_last_not_of(kWhiteSpace) - first + 1);
  if (input.size() != kLength) return format_error();

  std::string value(input);
  for (char& c : value) c = to_upper_ascii(c);

  // A NIE's initial stands for a leading digit: X=0, Y=1, Z=2; after that it is checked as a DNI.
  std::uint32_t number = 0;
  std::size_t pos = 0;
  if (const std::size_t prefix = std::string_view("XYZ").find(value[0]); prefix != std::string_view::npos) {
    number = static_cast<std::uint32_t>(prefix);
    pos = 1;
  }
  for (; pos < kLength - 1; ++pos) {
    if (!is_digit(value[pos])) return format_error();
    number = number * 10 + static_cast<std::uint32_t>(value[pos] - '0');
  }
  const char letter = value[kLength - 1];
  if (letter < 'A' || letter > 'Z') return format_error();
  if (letter != nif_control_letter(number)) {
    return make_error(ErrorCode::invalid_request, "the NIF's control letter does not match its number");
  }
  return Nif(std::move(value));
}

std::string nif_key(std::string_view typed) {
  if (auto nif = Nif::parse(typed)) return nif->str();
  const std::size_t first = typed.find_first_not_of(kWhiteSpace);
  if (first == std::string_view::npos) return {};
  std::string key(typed.substr(first, typed.find_last_not_of(kWhiteSpace) - first + 1));
  for (char& c : key) c = to_upper_ascii(c);
  return key;
}

NifKind Nif::kind() const noexcept {
  return is_digit(value_.front()) ? NifKind::dni : NifKind::nie;
}

}  // namespace firma::policies
