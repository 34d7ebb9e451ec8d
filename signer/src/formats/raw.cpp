// raw: the application's own digest signed as it is; the answer is the bare signature and its algorithm.
#include <string>

#include "formats/crypto.h"
#include "formats/format_impl.h"

namespace firma::signer::formats {

Status validate_raw(const DocumentRequest& request) {
  const std::size_t expected = hsm::digest_size(request.digest_algorithm);
  if (request.content.size() != expected)
    return make_error(ErrorCode::invalid_request, "a " + std::string(hsm::to_string(request.digest_algorithm)) +
                                                      " digest is " + std::to_string(expected) + " bytes, not " +
                                                      std::to_string(request.content.size()));
  return {};
}

Result<Prepared> prepare_raw(const DocumentRequest& request, const CredentialView& credential, Instant) {
  if (auto valid = validate_raw(request); !valid) return std::move(valid).error();
  // ECDSA has no padding: asked for PSS, an EC key would sign something else than what was asked.
  if (request.padding == hsm::RsaPadding::pss && !hsm::is_rsa(credential.algorithm))
    return make_error(ErrorCode::invalid_request, "padding pss needs an RSA key; the signing key is " +
                                                      std::string(hsm::to_string(credential.algorithm)));
  // The digest is the DTBS/R itself; RSA keys pad it as the application asked (for PKCS#1 v1.5 the HSM layer
  // adds the DigestInfo).
  Prepared prepared;
  prepared.dtbs_digest = request.content;
  prepared.digest_algorithm = request.digest_algorithm;
  prepared.padding = request.padding;
  return prepared;
}

Result<Assembled> assemble_raw(const DocumentRequest& request, const Prepared& prepared,
                               const hsm::Signature& signature, const CredentialView& credential) {
  if (auto valid = validate_raw(request); !valid) return std::move(valid).error();
  if (prepared.dtbs_digest != request.content || prepared.digest_algorithm != request.digest_algorithm)
    return make_error(ErrorCode::invalid_request, "the prepared digest is not the request's digest");
  auto value =
      checked_signature_value(credential, request.digest_algorithm, request.content, signature, prepared.padding);
  if (!value) return std::move(value).error();
  return Assembled{std::move(*value),
                   signature_algorithm_name(credential.algorithm, request.digest_algorithm, prepared.padding)};
}

}  // namespace firma::signer::formats
