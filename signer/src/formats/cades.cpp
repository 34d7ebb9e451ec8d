// cades: CAdES baseline B and T (ETSI EN 319 122-1), a CMS SignedData over the document, detached or attached.
#include <optional>
#include <span>

#include "formats/cms.h"
#include "formats/crypto.h"
#include "formats/format_impl.h"
#include "formats/phase_state.h"

namespace firma::signer::formats {
namespace {

constexpr const char* kStateKind = "cades/1";

// State fields: the signed attributes (DER SET) and the document's digest they carry.
enum Field : std::size_t { signed_attributes_field, content_digest_field, field_count };

// The digest the message-digest attribute carries (RFC 5652 11.2).
Bytes content_digest_of(const DocumentRequest& request) {
  return request.content_is_digest ? request.content : digest(request.digest_algorithm, request.content);
}

}  // namespace

Status validate_cades(const DocumentRequest& request) {
  if (request.content.empty()) return make_error(ErrorCode::invalid_request, "the document to sign is empty");
  if (request.content_is_digest && request.content.size() != hsm::digest_size(request.digest_algorithm))
    return make_error(ErrorCode::invalid_request, "the document digest's length does not match its algorithm");
  if (request.content_is_digest && request.attached)
    return make_error(ErrorCode::invalid_request, "a signature over a document digest cannot hold the document");
  return {};
}

Result<Prepared> prepare_cades(const DocumentRequest& request, const CredentialView& credential, Instant signing_time) {
  if (auto valid = validate_cades(request); !valid) return std::move(valid).error();
  Bytes content_digest = content_digest_of(request);
  auto attributes = cms::signed_attributes(credential, request.digest_algorithm, content_digest,
                                           request.for_pdf ? std::nullopt : std::optional<Instant>(signing_time));
  if (!attributes) return std::move(attributes).error();

  Prepared prepared;
  prepared.dtbs_digest = digest(request.digest_algorithm, *attributes);  // RFC 5652 5.4
  prepared.digest_algorithm = request.digest_algorithm;
  prepared.padding = hsm::RsaPadding::pkcs1v15;
  prepared.state = encode_state(kStateKind, {std::move(*attributes), std::move(content_digest)});
  return prepared;
}

Result<Assembled> assemble_cades(const DocumentRequest& request, const Prepared& prepared,
                                 const hsm::Signature& signature, const CredentialView& credential,
                                 const LongTermServices& long_term) {
  auto fields = decode_state(kStateKind, prepared.state, field_count);
  if (!fields) return std::move(fields).error();
  const Bytes& attributes = (*fields)[signed_attributes_field];
  if (prepared.digest_algorithm != request.digest_algorithm ||
      digest(request.digest_algorithm, attributes) != prepared.dtbs_digest)
    return make_error(ErrorCode::invalid_request, "the prepared digest does not match the prepared state");
  if (content_digest_of(request) != (*fields)[content_digest_field])
    return make_error(ErrorCode::invalid_request, "the document changed after it was prepared");

  auto value = checked_signature_value(credential, request.digest_algorithm, prepared.dtbs_digest, signature);
  if (!value) return std::move(value).error();
  std::optional<std::span<const std::uint8_t>> content;
  if (request.attached) content = std::span<const std::uint8_t>(request.content);
  // Level T (ETSI EN 319 122-1 5.3): the time stamp is over the SignatureValue's octets.
  auto stamp = signature_time_stamp(request, long_term.timestamp, digest(request.digest_algorithm, *value));
  if (!stamp) return std::move(stamp).error();
  // Level LT (EN 319 122-1 5.5): the certificates and revocation data in SignedData's certificates and crls.
  auto validation = validation_data(request, long_term, credential);
  if (!validation) return std::move(validation).error();
  auto cms = cms::signed_data(credential, request.digest_algorithm, attributes, *value, content, *stamp, *validation);
  if (!cms) return std::move(cms).error();
  return Assembled{std::move(*cms), signature_algorithm_name(credential.algorithm, request.digest_algorithm)};
}

}  // namespace firma::signer::formats
