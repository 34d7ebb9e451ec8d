// OID tables, the signAlgo/hashAlgorithmOID/signAlgoParams consistency rules (CSC v2 11.9, RFC 4055 3.1) and
// lenient Base64 for hashes.
#include "algorithms.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

#include "api/http/http.h"

namespace firma::api::csc {
namespace {

Error refused(std::string message) {
  return make_error(ErrorCode::invalid_request, std::move(message));
}

std::string oid_text(const ASN1_OBJECT* object) {
  char buffer[128];
  const int n = OBJ_obj2txt(buffer, sizeof buffer, object, 1);
  return n > 0 && static_cast<std::size_t>(n) < sizeof buffer ? std::string(buffer, static_cast<std::size_t>(n))
                                                              : std::string();
}

// RFC 4055 3.1 RSASSA-PSS-params, limited to what the HSM signs: a hash Firma has, MGF1 over the same hash,
// salt = hLen, trailer 1. Every field must be explicit but the trailer: an omitted hash or MGF means SHA-1.
Result<hsm::DigestAlgorithm> pss_digest(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<RSA_PSS_PARAMS, decltype(&RSA_PSS_PARAMS_free)> params(
      d2i_RSA_PSS_PARAMS(nullptr, &p, static_cast<long>(der.size())), RSA_PSS_PARAMS_free);
  if (!params || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size())
    return refused("signAlgoParams is not DER of RSASSA-PSS-params");
  if (!params->hashAlgorithm || !params->maskGenAlgorithm || !params->saltLength)
    return refused("signAlgoParams must name the hash, MGF1 and the salt length (the SHA-1 defaults are refused)");
  const auto digest = digest_of_oid(oid_text(params->hashAlgorithm->algorithm));
  if (!digest) return refused("signAlgoParams: the hash must be SHA-256, SHA-384 or SHA-512");
  if (oid_text(params->maskGenAlgorithm->algorithm) != oid::mgf1 || !params->maskGenAlgorithm->parameter)
    return refused("signAlgoParams: the mask generation function must be MGF1");
  std::unique_ptr<X509_ALGOR, decltype(&X509_ALGOR_free)> mgf_hash(
      static_cast<X509_ALGOR*>(
          ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR), params->maskGenAlgorithm->parameter)),
      X509_ALGOR_free);
  if (!mgf_hash || digest_of_oid(oid_text(mgf_hash->algorithm)) != digest)
    return refused("signAlgoParams: MGF1 must use the same hash as the signature");
  const long salt = ASN1_INTEGER_get(params->saltLength);
  if (salt < 0 || static_cast<std::size_t>(salt) != hsm::digest_size(*digest))
    return refused("signAlgoParams: the salt length must equal the hash length");
  if (params->trailerField && ASN1_INTEGER_get(params->trailerField) != 1)
    return refused("signAlgoParams: the trailer field must be 1");
  return *digest;
}

std::optional<hsm::DigestAlgorithm> implied_digest(std::string_view sign_algo) {
  if (sign_algo == oid::sha256_with_rsa || sign_algo == oid::ecdsa_with_sha256) return hsm::DigestAlgorithm::sha256;
  if (sign_algo == oid::sha384_with_rsa || sign_algo == oid::ecdsa_with_sha384) return hsm::DigestAlgorithm::sha384;
  if (sign_algo == oid::sha512_with_rsa || sign_algo == oid::ecdsa_with_sha512) return hsm::DigestAlgorithm::sha512;
  return std::nullopt;
}

}  // namespace

std::optional<hsm::DigestAlgorithm> digest_of_oid(std::string_view text) noexcept {
  if (text == oid::sha256) return hsm::DigestAlgorithm::sha256;
  if (text == oid::sha384) return hsm::DigestAlgorithm::sha384;
  if (text == oid::sha512) return hsm::DigestAlgorithm::sha512;
  return std::nullopt;
}

std::string_view oid_of(hsm::DigestAlgorithm digest) noexcept {
  switch (digest) {
    case hsm::DigestAlgorithm::sha256: return oid::sha256;
    case hsm::DigestAlgorithm::sha384: return oid::sha384;
    case hsm::DigestAlgorithm::sha512: return oid::sha512;
  }
  return oid::sha256;
}

std::optional<hsm::DigestAlgorithm> digest_of_length(std::size_t bytes) noexcept {
  for (auto d : {hsm::DigestAlgorithm::sha256, hsm::DigestAlgorithm::sha384, hsm::DigestAlgorithm::sha512})
    if (hsm::digest_size(d) == bytes) return d;
  return std::nullopt;
}

std::vector<std::string> key_algorithms(hsm::KeyAlgorithm key) {
  if (hsm::is_rsa(key))
    return {std::string(oid::rsa_encryption), std::string(oid::sha256_with_rsa), std::string(oid::sha384_with_rsa),
            std::string(oid::sha512_with_rsa), std::string(oid::rsassa_pss)};
  return {std::string(oid::ec_public_key), std::string(oid::ecdsa_with_sha256), std::string(oid::ecdsa_with_sha384),
          std::string(oid::ecdsa_with_sha512)};
}

std::size_t key_length(hsm::KeyAlgorithm key) noexcept {
  switch (key) {
    case hsm::KeyAlgorithm::rsa2048: return 2048;
    case hsm::KeyAlgorithm::rsa3072: return 3072;
    case hsm::KeyAlgorithm::ec_p256: return 256;
    case hsm::KeyAlgorithm::ec_p384: return 384;
  }
  return 0;
}

std::string_view key_curve(hsm::KeyAlgorithm key) noexcept {
  if (key == hsm::KeyAlgorithm::ec_p256) return oid::p256;
  if (key == hsm::KeyAlgorithm::ec_p384) return oid::p384;
  return {};
}

Result<SignatureChoice> choose_signature(hsm::KeyAlgorithm key, std::string_view sign_algo,
                                         std::optional<std::string_view> hash_algorithm_oid,
                                         std::optional<std::string_view> sign_algo_params_der) {
  const auto algorithms = key_algorithms(key);
  if (std::find(algorithms.begin(), algorithms.end(), sign_algo) == algorithms.end())
    return refused("signAlgo is not an algorithm of this credential's key (see key.algo)");
  std::optional<hsm::DigestAlgorithm> named;
  if (hash_algorithm_oid) {
    named = digest_of_oid(*hash_algorithm_oid);
    if (!named) return refused("hashAlgorithmOID must be SHA-256, SHA-384 or SHA-512");
  }
  SignatureChoice choice;
  std::optional<hsm::DigestAlgorithm> implied = implied_digest(sign_algo);
  if (sign_algo == oid::rsassa_pss) {
    if (!sign_algo_params_der) return refused("signAlgoParams is required with RSASSA-PSS");
    auto digest = pss_digest(*sign_algo_params_der);
    if (!digest) return std::move(digest).error();
    implied = *digest;
    choice.padding = hsm::RsaPadding::pss;
  }
  if (implied) {
    if (named && *named != *implied) return refused("hashAlgorithmOID contradicts signAlgo");
    choice.digest = *implied;
  } else {
    // rsaEncryption or ecPublicKey: the key type only, so the hash must be named.
    if (!named) return refused("hashAlgorithmOID is required with this signAlgo");
    choice.digest = *named;
  }
  return choice;
}

std::optional<Bytes> decode_hash(std::string_view text) {
  std::string canonical = percent_decode(text);
  while (!canonical.empty() && canonical.back() == '=') canonical.pop_back();  // padding, only at the end
  for (char& c : canonical) c = c == '-' ? '+' : c == '_' ? '/' : c;
  if (canonical.size() % 4 == 1) return std::nullopt;
  while (canonical.size() % 4 != 0) canonical.push_back('=');
  return from_base64(canonical);
}

}  // namespace firma::api::csc
