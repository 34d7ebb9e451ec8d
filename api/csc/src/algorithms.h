// CSC's algorithm identifiers (OIDs) for Firma's keys, the choice of digest and padding a signHash asks for, and
// the Base64 of either alphabet that clients send hashes in.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding.h"
#include "core/result.h"
#include "hsm/algorithms.h"

namespace firma::api::csc {

// CSC v2 section 5 / v1 11.5: the OIDs (CSC.md section 4).
namespace oid {
inline constexpr std::string_view sha256 = "2.16.840.1.101.3.4.2.1";
inline constexpr std::string_view sha384 = "2.16.840.1.101.3.4.2.2";
inline constexpr std::string_view sha512 = "2.16.840.1.101.3.4.2.3";
inline constexpr std::string_view rsa_encryption = "1.2.840.113549.1.1.1";
inline constexpr std::string_view sha256_with_rsa = "1.2.840.113549.1.1.11";
inline constexpr std::string_view sha384_with_rsa = "1.2.840.113549.1.1.12";
inline constexpr std::string_view sha512_with_rsa = "1.2.840.113549.1.1.13";
inline constexpr std::string_view rsassa_pss = "1.2.840.113549.1.1.10";
inline constexpr std::string_view mgf1 = "1.2.840.113549.1.1.8";
inline constexpr std::string_view ec_public_key = "1.2.840.10045.2.1";
inline constexpr std::string_view ecdsa_with_sha256 = "1.2.840.10045.4.3.2";
inline constexpr std::string_view ecdsa_with_sha384 = "1.2.840.10045.4.3.3";
inline constexpr std::string_view ecdsa_with_sha512 = "1.2.840.10045.4.3.4";
inline constexpr std::string_view p256 = "1.2.840.10045.3.1.7";
inline constexpr std::string_view p384 = "1.3.132.0.34";
}  // namespace oid

std::optional<hsm::DigestAlgorithm> digest_of_oid(std::string_view oid) noexcept;
std::string_view oid_of(hsm::DigestAlgorithm digest) noexcept;
// The digest algorithm whose output has this many bytes (32, 48, 64); nullopt for any other length.
std::optional<hsm::DigestAlgorithm> digest_of_length(std::size_t bytes) noexcept;

// credentials/info key.algo: every signature algorithm Firma signs with for this key type, exactly as signHash
// accepts them in signAlgo (the key type's OID first).
std::vector<std::string> key_algorithms(hsm::KeyAlgorithm key);
// key.len in bits, and key.curve (empty for RSA).
std::size_t key_length(hsm::KeyAlgorithm key) noexcept;
std::string_view key_curve(hsm::KeyAlgorithm key) noexcept;

// How one signHash signs: the digest algorithm its hashes are of, and (RSA) the padding.
struct SignatureChoice {
  hsm::DigestAlgorithm digest = hsm::DigestAlgorithm::sha256;
  hsm::RsaPadding padding = hsm::RsaPadding::pkcs1v15;
};

// signAlgo (with hashAlgorithmOID and the DER of signAlgoParams when given) for a key: invalid_request when
// signAlgo is not one of key_algorithms(key), when the bare key OID comes without hashAlgorithmOID, when
// hashAlgorithmOID contradicts the hash signAlgo implies, or for PSS parameters other than salt = hLen with MGF1
// over the same hash (an empty SEQUENCE, RFC 4055's SHA-1 defaults, is refused).
Result<SignatureChoice> choose_signature(hsm::KeyAlgorithm key, std::string_view sign_algo,
                                         std::optional<std::string_view> hash_algorithm_oid,
                                         std::optional<std::string_view> sign_algo_params_der);

// A hash as clients send it (CSC.md section 6.1): percent-escapes decoded, standard or URL-safe alphabet, with or
// without padding; nullopt when it is not Base64.
std::optional<Bytes> decode_hash(std::string_view text);

}  // namespace firma::api::csc
