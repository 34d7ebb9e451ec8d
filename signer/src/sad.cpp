// Digest-list hashing that binds a SAD and an OTP to exactly what the citizen confirmed.
#include "signer/sad.h"

namespace firma::signer {
namespace {

void append_length_prefixed(Bytes& out, std::span<const std::uint8_t> item) {
  const std::uint64_t n = item.size();
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(n >> shift));
  out.insert(out.end(), item.begin(), item.end());
}

}  // namespace

std::string digest_list_hash(std::span<const Bytes> digests) {
  Bytes encoded;
  append_length_prefixed(encoded, as_bytes("firma-digest-list-v1"));
  for (const Bytes& d : digests) append_length_prefixed(encoded, d);
  return to_hex(sha256(encoded));
}

std::string signing_context(const TransactionId& transaction, const KeyId& key, std::span<const Bytes> digests) {
  Bytes encoded;
  append_length_prefixed(encoded, as_bytes("firma-signing-context-v1"));
  append_length_prefixed(encoded, as_bytes(transaction.str()));
  append_length_prefixed(encoded, as_bytes(key.str()));
  append_length_prefixed(encoded, as_bytes(digest_list_hash(digests)));
  return to_hex(sha256(encoded));
}

}  // namespace firma::signer
