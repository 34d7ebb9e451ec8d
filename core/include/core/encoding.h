// Hex, base64 and SHA-2 digests: the encodings every module shares.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace firma {

using Bytes = std::vector<std::uint8_t>;

std::span<const std::uint8_t> as_bytes(std::string_view text) noexcept;
std::string to_string(std::span<const std::uint8_t> bytes);

std::string to_hex(std::span<const std::uint8_t> bytes);        // lower case
std::string to_hex_upper(std::span<const std::uint8_t> bytes);  // upper case (serial numbers)
std::optional<Bytes> from_hex(std::string_view hex);

// Standard alphabet, padded (RFC 4648 section 4). Decoding rejects anything else.
std::string to_base64(std::span<const std::uint8_t> bytes);
std::optional<Bytes> from_base64(std::string_view text);
// URL-safe alphabet, unpadded (RFC 4648 section 5).
std::string to_base64url(std::span<const std::uint8_t> bytes);
std::optional<Bytes> from_base64url(std::string_view text);

Bytes sha256(std::span<const std::uint8_t> data);
Bytes sha384(std::span<const std::uint8_t> data);
Bytes sha512(std::span<const std::uint8_t> data);
inline Bytes sha256(std::string_view text) {
  return sha256(as_bytes(text));
}

}  // namespace firma
