// Encodings over Botan's primitives, with strict decoding (no silently skipped characters).
#include "core/encoding.h"

#include <botan/base64.h>
#include <botan/hash.h>
#include <botan/hex.h>

#include <algorithm>

#include "core/percent_encoding.h"

namespace firma {

std::span<const std::uint8_t> as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string to_string(std::span<const std::uint8_t> bytes) {
  return {bytes.begin(), bytes.end()};
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  return Botan::hex_encode(bytes.data(), bytes.size(), false);
}
std::string to_hex_upper(std::span<const std::uint8_t> bytes) {
  return Botan::hex_encode(bytes.data(), bytes.size(), true);
}

std::optional<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0 ||
      !std::all_of(hex.begin(), hex.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
    return std::nullopt;
  Bytes out(hex.size() / 2);
  Botan::hex_decode(out.data(), hex.data(), hex.size(), false);
  return out;
}

std::string to_base64(std::span<const std::uint8_t> bytes) {
  return Botan::base64_encode(bytes.data(), bytes.size());
}

std::optional<Bytes> from_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool alpha = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
    if (c == '=') {
      ++pad;
      if (i + 2 < text.size()) return std::nullopt;
    } else if (!alpha || pad > 0) {
      return std::nullopt;
    }
  }
  if (pad > 2) return std::nullopt;
  try {
    auto v = Botan::base64_decode(text.data(), text.size(), false);
    return Bytes(v.begin(), v.end());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string to_base64url(std::span<const std::uint8_t> bytes) {
  std::string s = to_base64(bytes);
  std::replace(s.begin(), s.end(), '+', '-');
  std::replace(s.begin(), s.end(), '/', '_');
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::optional<Bytes> from_base64url(std::string_view text) {
  std::string s(text);
  if (s.find_first_of("+/=") != std::string::npos) return std::nullopt;
  std::replace(s.begin(), s.end(), '-', '+');
  std::replace(s.begin(), s.end(), '_', '/');
  if (s.size() % 4 == 1) return std::nullopt;
  while (s.size() % 4 != 0) s.push_back('=');
  return from_base64(s);
}

namespace {
Bytes digest(const char* name, std::span<const std::uint8_t> data) {
  auto h = Botan::HashFunction::create_or_throw(name);
  h->update(data.data(), data.size());
  auto out = h->final();
  return Bytes(out.begin(), out.end());
}
}  // namespace

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

Bytes sha256(std::span<const std::uint8_t> data) {
  return digest("SHA-256", data);
}
Bytes sha384(std::span<const std::uint8_t> data) {
  return digest("SHA-384", data);
}
Bytes sha512(std::span<const std::uint8_t> data) {
  return digest("SHA-512", data);
}

}  // namespace firma
