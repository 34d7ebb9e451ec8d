// java.util.Properties text and base64 of either alphabet, as FIRe's clients write them.
#include "api/fire/wire.h"

#include <cstdint>

namespace firma::api::fire {
namespace {

using Text = std::u32string;

// The bytes as code points: UTF-8 when they are well-formed UTF-8 (RFC 3629 4: no overlong forms, no
// surrogates, nothing past U+10FFFF), else ISO 8859-1, which maps each byte to the code point of its value.
Text latin1(std::string_view bytes) {
  Text out;
  for (char c : bytes) out.push_back(static_cast<unsigned char>(c));
  return out;
}

Text decode_text(std::string_view bytes) {
  Text out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    std::size_t length = lead < 0x80           ? 1
                         : (lead >> 5) == 0x6  ? 2
                         : (lead >> 4) == 0xE  ? 3
                         : (lead >> 3) == 0x1E ? 4
                                               : 0;
    if (length == 0 || i + length > bytes.size()) return latin1(bytes);
    char32_t c = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(bytes[i + k]);
      if ((next >> 6) != 0x2) return latin1(bytes);
      c = (c << 6) | (next & 0x3F);
    }
    constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < kSmallest[length] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return latin1(bytes);
    out.push_back(c);
    i += length;
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool is_blank(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\f';
}

// Properties.LineReader: the logical lines, comments and blank lines dropped, continuations joined, escapes
// still in place.
std::vector<Text> logical_lines(const Text& text) {
  std::vector<Text> lines;
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto at_line_end = [&](std::size_t k) { return k >= n || text[k] == U'\n' || text[k] == U'\r'; };
  auto skip_newline = [&](std::size_t& k) {
    if (k < n && text[k] == U'\r' && k + 1 < n && text[k + 1] == U'\n') ++k;
    if (k < n) ++k;
  };
  while (i < n) {
    while (i < n && is_blank(text[i])) ++i;
    if (at_line_end(i)) {  // a blank line
      skip_newline(i);
      continue;
    }
    if (text[i] == U'#' || text[i] == U'!') {  // a comment: never continued
      while (!at_line_end(i)) ++i;
      skip_newline(i);
      continue;
    }
    Text line;
    for (;;) {
      bool odd_backslashes = false;
      while (!at_line_end(i)) {
        odd_backslashes = text[i] == U'\\' ? !odd_backslashes : false;
        line.push_back(text[i++]);
      }
      if (!odd_backslashes) {
        skip_newline(i);
        break;
      }
      line.pop_back();  // the backslash that continues the line (dropped at the end of the text too)
      if (i >= n) break;
      skip_newline(i);
      while (i < n && is_blank(text[i])) ++i;
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

int hex_value(char32_t c) {
  if (c >= U'0' && c <= U'9') return static_cast<int>(c - U'0');
  if (c >= U'a' && c <= U'f') return static_cast<int>(c - U'a' + 10);
  if (c >= U'A' && c <= U'F') return static_cast<int>(c - U'A' + 10);
  return -1;
}

// Properties.loadConvert: the escapes resolved. \uXXXX gives UTF-16 code units, which pair up here.
Result<std::string> unescape(const Text& text, std::size_t from, std::size_t to) {
  std::string out;
  char32_t high_surrogate = 0;
  auto put = [&](char32_t c) -> Status {
    if (high_surrogate != 0) {
      if (c < 0xDC00 || c > 0xDFFF) return make_error(ErrorCode::invalid_request, "an unpaired UTF-16 surrogate");
      append_utf8(out, 0x10000 + ((high_surrogate - 0xD800) << 10) + (c - 0xDC00));
      high_surrogate = 0;
      return {};
    }
    if (c >= 0xD800 && c <= 0xDBFF) {
      high_surrogate = c;
      return {};
    }
    if (c >= 0xDC00 && c <= 0xDFFF) return make_error(ErrorCode::invalid_request, "an unpaired UTF-16 surrogate");
    if (c == 0) return make_error(ErrorCode::invalid_request, "a NUL character");
    append_utf8(out, c);
    return {};
  };
  for (std::size_t i = from; i < to; ++i) {
    char32_t c = text[i];
    if (c == U'\\' && i + 1 < to) {
      c = text[++i];
      if (c == U'u') {
        if (i + 4 >= to) return make_error(ErrorCode::invalid_request, "a malformed \\uXXXX escape");
        char32_t unit = 0;
        for (int k = 1; k <= 4; ++k) {
          const int v = hex_value(text[i + static_cast<std::size_t>(k)]);
          if (v < 0) return make_error(ErrorCode::invalid_request, "a malformed \\uXXXX escape");
          unit = (unit << 4) | static_cast<char32_t>(v);
        }
        i += 4;
        c = unit;
      } else if (c == U't') {
        c = U'\t';
      } else if (c == U'n') {
        c = U'\n';
      } else if (c == U'r') {
        c = U'\r';
      } else if (c == U'f') {
        c = U'\f';
      }
    } else if (c == U'\\') {
      continue;  // a lone backslash at the very end stands for nothing
    }
    if (Status s = put(c); !s) return std::move(s).error();
  }
  if (high_surrogate != 0) return make_error(ErrorCode::invalid_request, "an unpaired UTF-16 surrogate");
  return out;
}

}  // namespace

Result<std::map<std::string, std::string>> parse_properties(std::string_view bytes) {
  std::map<std::string, std::string> properties;
  for (const Text& line : logical_lines(decode_text(bytes))) {
    // Properties.load0: the key ends at the first unescaped separator; blanks, at most one '=' or ':', and
    // blanks again lie between it and the value.
    const std::size_t limit = line.size();
    std::size_t key_end = 0;
    std::size_t value_start = limit;
    bool has_separator = false;
    bool escaped = false;
    for (; key_end < limit; ++key_end) {
      const char32_t c = line[key_end];
      if (!escaped && (c == U'=' || c == U':')) {
        value_start = key_end + 1;
        has_separator = true;
        break;
      }
      if (!escaped && is_blank(c)) {
        value_start = key_end + 1;
        break;
      }
      escaped = c == U'\\' ? !escaped : false;
    }
    for (; value_start < limit; ++value_start) {
      const char32_t c = line[value_start];
      if (is_blank(c)) continue;
      if (!has_separator && (c == U'=' || c == U':')) {
        has_separator = true;
        continue;
      }
      break;
    }
    auto key = unescape(line, 0, key_end);
    if (!key) return std::move(key).error();
    auto value = unescape(line, value_start, limit);
    if (!value) return make_error(value.error().code, "the value of '" + *key + "' has " + value.error().message);
    properties[std::move(*key)] = std::move(*value);
  }
  return properties;
}

std::optional<Bytes> decode_base64(std::string_view text) {
  std::string cleaned;
  cleaned.reserve(text.size());
  bool standard = false;
  bool url_safe = false;
  for (char c : text) {
    if (c == '\r' || c == '\n') continue;
    // A form decoder reads an unencoded '+' as a space; FIRe's clients do not percent-encode their values.
    if (c == ' ') c = '+';
    standard = standard || c == '+' || c == '/';
    url_safe = url_safe || c == '-' || c == '_';
    cleaned += c == '-' ? '+' : c == '_' ? '/' : c;
  }
  if (standard && url_safe) return std::nullopt;
  // from_base64 wants the padding RFC 4648 4 prescribes: restore what an unpadded writer left out.
  if (cleaned.find('=') == std::string::npos) {
    if (cleaned.size() % 4 == 1) return std::nullopt;
    if (cleaned.size() % 4 != 0) cleaned.append(4 - cleaned.size() % 4, '=');
  }
  return from_base64(cleaned);
}

}  // namespace firma::api::fire
