// The Cl@ve Permanente password rules and the case- and accent-blind folding they compare with.
#include "policies/password_policy.h"

#include <vector>

#include "core/secret.h"
#include "latin_text.h"
#include "policies/nif.h"

namespace firma::policies {
namespace {

// design/REFERENCES.md: the special characters that make a group ('?' is listed twice there).
constexpr std::u32string_view kSpecials = U"\u00A1!$?%&#@/\\()=\u00BF?*[];,:._<>+-";

// The decoded and folded copies of a password are wiped like the Secret they were read from. Both are
// reserved at their final size up front (never more code points than bytes), so no buffer is left behind.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::u32string& text) : text_(text) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit() { secure_wipe(text_.data(), text_.size() * sizeof(char32_t)); }

 private:
  std::u32string& text_;
};

std::u32string fold_code_points(std::string_view utf8) {
  std::u32string folded;
  folded.reserve(utf8.size());  // a folded letter ("ss" for the two bytes of sharp s) never outgrows its bytes
  for (std::size_t pos = 0; pos < utf8.size();) {
    const detail::CodePointStep step = detail::next_code_point(utf8, pos);
    pos += step.length;
    if (detail::is_combining_mark(step.code_point)) continue;
    const std::string_view base = detail::latin_fold(step.code_point);
    if (base.empty()) {
      folded.push_back(step.code_point);
    } else {
      for (char c : base) folded.push_back(static_cast<char32_t>(c));
    }
  }
  return folded;
}

// Where a name splits into words: "García-Lorca", "O'Brien", "Mª. José", "Gil·li".
bool is_name_separator(char32_t c) {
  return c == U' ' || c == 0x00A0 || c == U'-' || c == U'\'' || c == 0x2019 || c == U'.' || c == 0x00B7;
}

void add_fragment(std::u32string fragment, std::vector<std::u32string>& fragments) {
  if (fragment.size() >= PasswordPolicy::min_personal_fragment) fragments.push_back(std::move(fragment));
}

// The whole part, each word, and the words run together.
void add_name_fragments(std::string_view part, std::vector<std::u32string>& fragments) {
  const std::u32string folded = fold_code_points(part);
  std::u32string joined;
  std::u32string word;
  std::size_t first = std::u32string::npos;
  std::size_t last = 0;
  for (std::size_t i = 0; i <= folded.size(); ++i) {
    if (i == folded.size() || is_name_separator(folded[i])) {
      if (!word.empty()) add_fragment(word, fragments);
      word.clear();
      continue;
    }
    word.push_back(folded[i]);
    joined.push_back(folded[i]);
    if (first == std::u32string::npos) first = i;
    last = i;
  }
  if (first == std::u32string::npos) return;
  add_fragment(joined, fragments);
  add_fragment(folded.substr(first, last - first + 1), fragments);
}

// The NIF with and without its control letter, and a NIE's bare seven digits. A NIF that does not
// parse (the context is filled by the caller) is still looked for as written, with and without a final letter.
void add_nif_fragments(std::string_view nif_text, std::vector<std::u32string>& fragments) {
  std::string compact;
  for (char c : nif_text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') compact.push_back(c);
  }
  if (compact.empty()) return;
  if (auto nif = Nif::parse(compact)) {
    add_fragment(fold_code_points(nif->str()), fragments);
    add_fragment(fold_code_points(nif->digits()), fragments);
    if (nif->kind() == NifKind::nie) add_fragment(fold_code_points(nif->digits().substr(1)), fragments);
    return;
  }
  std::u32string folded = fold_code_points(compact);
  add_fragment(folded, fragments);
  if (folded.back() >= U'a' && folded.back() <= U'z') {
    folded.pop_back();
    add_fragment(std::move(folded), fragments);
  }
}

bool contains_personal_data(std::string_view password, const PasswordContext& context) {
  std::vector<std::u32string> fragments;
  add_name_fragments(context.given_name, fragments);
  add_name_fragments(context.surname1, fragments);
  add_name_fragments(context.surname2, fragments);
  add_nif_fragments(context.nif, fragments);
  std::u32string folded = fold_code_points(password);
  const WipeOnExit wipe(folded);
  for (const std::u32string& fragment : fragments) {
    if (folded.find(fragment) != std::u32string::npos) return true;
  }
  return false;
}

int count_groups(std::u32string_view password) {
  bool lower = false;
  bool upper = false;
  bool digit = false;
  bool special = false;
  for (char32_t c : password) {
    switch (detail::latin_letter_case(c)) {
      case detail::LetterCase::lower: lower = true; break;
      case detail::LetterCase::upper: upper = true; break;
      case detail::LetterCase::none:
        if (detail::is_ascii_digit(c)) digit = true;
        if (kSpecials.find(c) != std::u32string_view::npos) special = true;
        break;
    }
  }
  return int{lower} + int{upper} + int{digit} + int{special};
}

}  // namespace

std::optional<PasswordRule> PasswordPolicy::check(std::string_view password_utf8,
                                                  const PasswordContext& context) const {
  auto password = detail::decode_utf8(password_utf8);
  if (!password) return PasswordRule::invalid_encoding;
  const WipeOnExit wipe(*password);
  for (char32_t c : *password) {
    if (detail::is_control(c)) return PasswordRule::invalid_encoding;
  }
  if (password->size() < min_length) return PasswordRule::too_short;
  if (password->size() < any_characters_length && count_groups(*password) < min_groups) {
    return PasswordRule::too_few_groups;
  }
  if (contains_personal_data(password_utf8, context)) return PasswordRule::contains_personal_data;
  return std::nullopt;
}

std::string_view PasswordPolicy::describe(PasswordRule rule) {
  switch (rule) {
    case PasswordRule::too_short: return "the password must have at least 8 characters";
    case PasswordRule::too_few_groups:
      return "a password of fewer than 16 characters must contain characters of at least three of these groups: "
             "lower-case letters, upper-case letters, digits and the special characters "
             "\u00A1!$?%&#@/\\()=\u00BF*[];,:._<>+-";
    case PasswordRule::contains_personal_data:
      return "the password must not contain the citizen's given name, surnames or DNI/NIE";
    case PasswordRule::invalid_encoding: return "the password must be UTF-8 text without control characters";
  }
  return "the password does not meet the policy";
}

std::string_view to_string(PasswordRule rule) {
  switch (rule) {
    case PasswordRule::too_short: return "too_short";
    case PasswordRule::too_few_groups: return "too_few_groups";
    case PasswordRule::contains_personal_data: return "contains_personal_data";
    case PasswordRule::invalid_encoding: return "invalid_encoding";
  }
  return "unknown";
}

std::string fold_for_comparison(std::string_view utf8) {
  return detail::encode_utf8(fold_code_points(utf8));
}

}  // namespace firma::policies
