// Signature mechanisms, DigestInfo prefixes and the ECDSA signature encoding.
#include "signing.h"

#include <algorithm>
#include <array>

namespace firma::hsm::signing {
namespace {

// DER of DigestInfo up to the digest's OCTET STRING header, from RFC 8017 9.2 note 1.
constexpr std::array<std::uint8_t, 19> kSha256Prefix = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                                        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
constexpr std::array<std::uint8_t, 19> kSha384Prefix = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                                        0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
constexpr std::array<std::uint8_t, 19> kSha512Prefix = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                                        0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

CK_MECHANISM_TYPE hash_mechanism(DigestAlgorithm digest) {
  switch (digest) {
    case DigestAlgorithm::sha256: return CKM_SHA256;
    case DigestAlgorithm::sha384: return CKM_SHA384;
    case DigestAlgorithm::sha512: return CKM_SHA512;
  }
  return CKM_SHA256;
}

CK_RSA_PKCS_MGF_TYPE mgf1(DigestAlgorithm digest) {
  switch (digest) {
    case DigestAlgorithm::sha256: return CKG_MGF1_SHA256;
    case DigestAlgorithm::sha384: return CKG_MGF1_SHA384;
    case DigestAlgorithm::sha512: return CKG_MGF1_SHA512;
  }
  return CKG_MGF1_SHA256;
}

// One DER INTEGER holding the unsigned big-endian value `magnitude` (X.690 8.3: minimal, two's complement).
void append_integer(Bytes& out, std::span<const std::uint8_t> magnitude) {
  std::size_t skip = 0;
  while (skip + 1 < magnitude.size() && magnitude[skip] == 0) ++skip;
  magnitude = magnitude.subspan(skip);
  const bool pad = (magnitude[0] & 0x80) != 0;
  out.push_back(0x02);
  out.push_back(static_cast<std::uint8_t>(magnitude.size() + (pad ? 1 : 0)));  // < 128 for P-256/P-384/P-521
  if (pad) out.push_back(0x00);
  out.insert(out.end(), magnitude.begin(), magnitude.end());
}

}  // namespace

Bytes digest_info(DigestAlgorithm algorithm, std::span<const std::uint8_t> digest) {
  std::span<const std::uint8_t> prefix = kSha256Prefix;
  if (algorithm == DigestAlgorithm::sha384) prefix = kSha384Prefix;
  if (algorithm == DigestAlgorithm::sha512) prefix = kSha512Prefix;
  Bytes out(prefix.size() + digest.size());
  std::copy(digest.begin(), digest.end(), std::copy(prefix.begin(), prefix.end(), out.begin()));
  return out;
}

Mechanism::Mechanism(KeyAlgorithm key, DigestAlgorithm digest, RsaPadding padding) noexcept {
  if (is_ec(key)) {
    // SoftHSM2 2.6 has no CKM_ECDSA_SHA256: the digest is hashed here and signed raw.
    mechanism_ = CK_MECHANISM{CKM_ECDSA, nullptr, 0};
  } else if (padding == RsaPadding::pss) {
    // RFC 8017 9.1 with MGF1 over the same hash and a salt as long as the digest (RFC 4055 3.1 defaults).
    pss_ = CK_RSA_PKCS_PSS_PARAMS{hash_mechanism(digest), mgf1(digest), digest_size(digest)};
    mechanism_ = CK_MECHANISM{CKM_RSA_PKCS_PSS, &pss_, sizeof pss_};
  } else {
    mechanism_ = CK_MECHANISM{CKM_RSA_PKCS, nullptr, 0};
  }
}

Bytes ecdsa_raw_to_der(std::span<const std::uint8_t> raw) {
  if (raw.empty() || raw.size() % 2 != 0 || raw.size() > 2 * 66) return {};
  const std::size_t half = raw.size() / 2;
  Bytes body;
  append_integer(body, raw.first(half));
  append_integer(body, raw.subspan(half));
  Bytes out{0x30};
  if (body.size() >= 0x80) out.push_back(0x81);  // long form for P-521-sized signatures
  out.push_back(static_cast<std::uint8_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace firma::hsm::signing
