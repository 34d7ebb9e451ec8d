// The spellings of key purposes.
#include "hsm/key_purpose.h"

#include <array>
#include <utility>

namespace firma::hsm {
namespace {

constexpr std::array<std::pair<KeyPurpose, std::string_view>, 5> kNames = {{
    {KeyPurpose::citizen_signing, "citizen_signing"},
    {KeyPurpose::certificate_authority, "certificate_authority"},
    {KeyPurpose::ocsp_signing, "ocsp_signing"},
    {KeyPurpose::timestamping, "timestamping"},
    {KeyPurpose::audit, "audit"},
}};

}  // namespace

std::string_view to_string(KeyPurpose purpose) noexcept {
  for (const auto& [p, name] : kNames) {
    if (p == purpose) return name;
  }
  return "unknown";
}

std::optional<KeyPurpose> parse_key_purpose(std::string_view text) noexcept {
  for (const auto& [p, name] : kNames) {
    if (name == text) return p;
  }
  return std::nullopt;
}

}  // namespace firma::hsm
