// The bindings of a SAD: the OTP context over exactly what the citizen confirms, and the stored hash of its value.
#include "signer/sad.h"

#include "transaction_state.h"

namespace firma::signer {
namespace {

void append_length_prefixed(Bytes& out, std::span<const std::uint8_t> item) {
  const std::uint64_t n = item.size();
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(n >> shift));
  out.insert(out.end(), item.begin(), item.end());
}

void append_text(Bytes& out, std::string_view text) {
  append_length_prefixed(out, as_bytes(text));
}

}  // namespace

std::string signing_context(const SadRequest& request) {
  Bytes encoded;
  append_text(encoded, "firma-signing-context-v2");
  append_text(encoded, request.binding.citizen.str());
  append_text(encoded, request.binding.key.str());
  append_text(encoded, request.binding.application.str());
  append_text(encoded, request.transaction ? request.transaction->str() : std::string());
  append_text(encoded, std::to_string(request.budget));
  append_text(encoded, std::to_string(request.entries.size()));
  for (const SadEntry& e : request.entries) {
    append_text(encoded, hsm::to_string(e.digest_algorithm));
    append_length_prefixed(encoded, e.digest);
    append_text(encoded, e.any_padding ? kAnyPadding : padding_name(e.padding));
  }
  return to_hex(sha256(encoded));
}

std::string credential_context(const SadBinding& binding) {
  Bytes encoded;
  append_text(encoded, "firma-credential-context-v1");
  append_text(encoded, binding.citizen.str());
  append_text(encoded, binding.key.str());
  append_text(encoded, binding.application.str());
  return to_hex(sha256(encoded));
}

std::string sad_value_hash(const Secret& value) {
  return to_hex(sha256(value.reveal()));
}

}  // namespace firma::signer
