// Key generation templates and algorithm recognition.
#include "key_templates.h"

#include <algorithm>
#include <array>

namespace firma::hsm::keys {
namespace {

// id-ecPublicKey named curves (RFC 5480 2.1.1.1): secp256r1 1.2.840.10045.3.1.7, secp384r1 1.3.132.0.34.
constexpr std::array<std::uint8_t, 10> kP256 = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr std::array<std::uint8_t, 7> kP384 = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
constexpr std::array<std::uint8_t, 3> kF4 = {0x01, 0x00, 0x01};  // public exponent 65537

CK_ULONG modulus_bits(KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::rsa3072 ? 3072 : 2048;
}

}  // namespace

std::string purpose_label(KeyPurpose purpose, std::string_view label) {
  std::string out = "[" + std::string(to_string(purpose)) + "]";
  if (!label.empty()) out += " " + std::string(label);
  return out;
}

LabelParts parse_label(std::string_view text) {
  const auto close = text.find(']');
  if (text.empty() || text.front() != '[' || close == std::string_view::npos) return {std::nullopt, std::string(text)};
  auto purpose = parse_key_purpose(text.substr(1, close - 1));
  if (!purpose) return {std::nullopt, std::string(text)};
  std::string_view rest = text.substr(close + 1);
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return {purpose, std::string(rest)};
}

CK_MECHANISM_TYPE generation_mechanism(KeyAlgorithm algorithm) noexcept {
  return is_rsa(algorithm) ? CKM_RSA_PKCS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN;
}

std::span<const std::uint8_t> ec_params(KeyAlgorithm algorithm) noexcept {
  if (algorithm == KeyAlgorithm::ec_p384) return kP384;
  return kP256;
}

objects::Template public_template(KeyAlgorithm algorithm, const KeyId& id, std::string_view label, bool token_object) {
  objects::Template t;
  t.add(CKA_CLASS, CK_ULONG{CKO_PUBLIC_KEY})
      .add(CKA_KEY_TYPE, CK_ULONG{is_rsa(algorithm) ? CKK_RSA : CKK_EC})
      .add(CKA_TOKEN, token_object)
      .add(CKA_PRIVATE, false)
      .add(CKA_VERIFY, true)
      .add(CKA_ENCRYPT, false)
      .add(CKA_WRAP, false)
      .add(CKA_MODIFIABLE, false)
      .add(CKA_ID, std::string_view(id.str()))
      .add(CKA_LABEL, label);
  if (is_rsa(algorithm)) {
    t.add(CKA_MODULUS_BITS, modulus_bits(algorithm)).add(CKA_PUBLIC_EXPONENT, std::span<const std::uint8_t>(kF4));
  } else {
    t.add(CKA_EC_PARAMS, ec_params(algorithm));
  }
  return t;
}

objects::Template private_template(KeyAlgorithm algorithm, const KeyId& id, std::string_view label) {
  objects::Template t;
  t.add(CKA_CLASS, CK_ULONG{CKO_PRIVATE_KEY})
      .add(CKA_KEY_TYPE, CK_ULONG{is_rsa(algorithm) ? CKK_RSA : CKK_EC})
      .add(CKA_TOKEN, true)
      .add(CKA_PRIVATE, true)
      .add(CKA_SENSITIVE, true)
      .add(CKA_EXTRACTABLE, false)
      .add(CKA_SIGN, true)
      .add(CKA_SIGN_RECOVER, false)
      .add(CKA_DECRYPT, false)
      .add(CKA_UNWRAP, false)
      .add(CKA_DERIVE, false)
      .add(CKA_MODIFIABLE, false)
      .add(CKA_ID, std::string_view(id.str()))
      .add(CKA_LABEL, label);
  return t;
}

std::optional<KeyAlgorithm> algorithm_of(const objects::Attributes& attributes) {
  auto type = attributes.ulong(CKA_KEY_TYPE);
  if (!type) return std::nullopt;
  if (*type == CKK_EC) {
    Bytes params = attributes.bytes(CKA_EC_PARAMS);
    if (std::ranges::equal(params, kP256)) return KeyAlgorithm::ec_p256;
    if (std::ranges::equal(params, kP384)) return KeyAlgorithm::ec_p384;
    return std::nullopt;
  }
  if (*type == CKK_RSA) {
    CK_ULONG bits = 0;
    if (auto b = attributes.ulong(CKA_MODULUS_BITS)) {
      bits = *b;
    } else {
      Bytes modulus = attributes.bytes(CKA_MODULUS);
      auto first = std::ranges::find_if(modulus, [](std::uint8_t byte) { return byte != 0; });
      bits = static_cast<CK_ULONG>(modulus.end() - first) * 8;
    }
    if (bits == 2048) return KeyAlgorithm::rsa2048;
    if (bits == 3072) return KeyAlgorithm::rsa3072;
  }
  return std::nullopt;
}

}  // namespace firma::hsm::keys
