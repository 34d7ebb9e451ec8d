// Key and digest algorithms the HSM layer signs with, and their stable spellings.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace firma::hsm {

enum class KeyAlgorithm { rsa2048, rsa3072, ec_p256, ec_p384 };
enum class DigestAlgorithm { sha256, sha384, sha512 };
enum class RsaPadding { pkcs1v15, pss };

// "rsa-2048", "rsa-3072", "ec-p256", "ec-p384": the spelling used in configuration, the API and logs.
std::string_view to_string(KeyAlgorithm algorithm) noexcept;
std::optional<KeyAlgorithm> parse_key_algorithm(std::string_view text) noexcept;

// "sha-256", "sha-384", "sha-512".
std::string_view to_string(DigestAlgorithm digest) noexcept;
std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view text) noexcept;

// Output length of the hash in bytes (32, 48, 64).
std::size_t digest_size(DigestAlgorithm digest) noexcept;

bool is_rsa(KeyAlgorithm algorithm) noexcept;
bool is_ec(KeyAlgorithm algorithm) noexcept;

// Length of a signature in bytes: the modulus for RSA, 2 x the order for ECDSA (r || s).
std::size_t signature_size(KeyAlgorithm algorithm) noexcept;

}  // namespace firma::hsm
