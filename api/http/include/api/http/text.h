// Small ASCII text helpers for HTTP syntax (RFC 9110 5.6): case folding, whitespace trimming, tokens.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace firma::api::detail {

inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Optional whitespace (OWS) around a field value or list item.
inline std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// token = 1*tchar (RFC 9110 5.6.2)
inline bool is_token(std::string_view text) {
  constexpr std::string_view symbols = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [symbols](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || symbols.find(c) != std::string_view::npos;
  });
}

// Whether a comma-separated list (Connection, ...) holds token, case-insensitively.
inline bool list_has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    auto comma = list.find(',');
    if (ascii_lower(trim_ows(list.substr(0, comma))) == token) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace firma::api::detail
