// Spellings and sizes of the key and digest algorithms.
#include "hsm/algorithms.h"

namespace firma::hsm {

std::string_view to_string(KeyAlgorithm algorithm) noexcept {
  switch (algorithm) {
    case KeyAlgorithm::rsa2048: return "rsa-2048";
    case KeyAlgorithm::rsa3072: return "rsa-3072";
    case KeyAlgorithm::ec_p256: return "ec-p256";
    case KeyAlgorithm::ec_p384: return "ec-p384";
  }
  return "unknown";
}

std::optional<KeyAlgorithm> parse_key_algorithm(std::string_view text) noexcept {
  for (KeyAlgorithm a : {KeyAlgorithm::rsa2048, KeyAlgorithm::rsa3072, KeyAlgorithm::ec_p256, KeyAlgorithm::ec_p384}) {
    if (to_string(a) == text) return a;
  }
  return std::nullopt;
}

std::string_view to_string(DigestAlgorithm digest) noexcept {
  switch (digest) {
    case DigestAlgorithm::sha256: return "sha-256";
    case DigestAlgorithm::sha384: return "sha-384";
    case DigestAlgorithm::sha512: return "sha-512";
  }
  return "unknown";
}

std::optional<DigestAlgorithm> parse_digest_algorithm(std::string_view text) noexcept {
  for (DigestAlgorithm d : {DigestAlgorithm::sha256, DigestAlgorithm::sha384, DigestAlgorithm::sha512}) {
    if (to_string(d) == text) return d;
  }
  return std::nullopt;
}

std::size_t digest_size(DigestAlgorithm digest) noexcept {
  switch (digest) {
    case DigestAlgorithm::sha256: return 32;
    case DigestAlgorithm::sha384: return 48;
    case DigestAlgorithm::sha512: return 64;
  }
  return 0;
}

bool is_rsa(KeyAlgorithm algorithm) noexcept {
  return algorithm == KeyAlgorithm::rsa2048 || algorithm == KeyAlgorithm::rsa3072;
}

bool is_ec(KeyAlgorithm algorithm) noexcept {
  return !is_rsa(algorithm);
}

std::size_t signature_size(KeyAlgorithm algorithm) noexcept {
  switch (algorithm) {
    case KeyAlgorithm::rsa2048: return 256;
    case KeyAlgorithm::rsa3072: return 384;
    case KeyAlgorithm::ec_p256: return 64;
    case KeyAlgorithm::ec_p384: return 96;
  }
  return 0;
}

}  // namespace firma::hsm
