// pades: PAdES baseline B, T, LT and LTA (ETSI EN 319 142-1): a detached CAdES over the PDF's byte ranges, in an
// incremental update; at level T with the signature time stamp in the CMS's unsigned attributes; at LT with the
// validation data in a DSS, in a further incremental update; at LTA with a document time stamp in a last one.
#include <algorithm>
#include <span>

#include "formats/cms.h"
#include "formats/crypto.h"
#include "formats/format_impl.h"
#include "formats/pdf_update.h"
#include "formats/phase_state.h"

namespace firma::signer::formats {
namespace {

constexpr const char* kStateKind = "pades/1";
// Room for a signature time stamp (level T) in /Contents: Firma's own TSA's token, with its certificate, takes
// about 1.3 KB; an outside TSA may add its chain.
constexpr std::size_t kTimeStampRoom = 12 * 1024;

// State fields: the signed attributes, the byte ranges' digest they carry, the update to append and where
// its /Contents placeholder lies.
enum Field : std::size_t {
  signed_attributes_field,
  message_digest_field,
  update_field,
  contents_offset_field,
  contents_size_field,
  field_count
};

// The digest of the signed byte ranges of original + update, without joining them.
Bytes byte_range_digest(hsm::DigestAlgorithm algorithm, std::span<const std::uint8_t> original,
                        const pdf::SignatureUpdate& update) {
  const pdf::ByteRanges ranges = pdf::byte_ranges(original.size(), update);
  const std::span<const std::uint8_t> appended(update.bytes);
  const std::size_t total = original.size() + appended.size();
  Hasher hasher(algorithm);
  const auto hash_range = [&](std::size_t from, std::size_t to) {
    if (from < original.size()) hasher.update(original.subspan(from, std::min(to, original.size()) - from));
    if (to > original.size()) {
      const std::size_t start = std::max(from, original.size()) - original.size();
      hasher.update(appended.subspan(start, to - original.size() - start));
    }
  };
  hash_range(0, ranges.first_length);
  hash_range(ranges.second_start, total);
  return hasher.finish();
}

// Room for the CMS: its length with the longest signature the key can make, plus a margin for the
// length octets (the CMS carries the chain: ETSI EN 319 142-1 5.3 wants it available to verifiers).
Result<std::size_t> cms_capacity(const CredentialView& credential, hsm::DigestAlgorithm algorithm, Level level) {
  const Bytes no_digest(hsm::digest_size(algorithm), 0);
  auto attributes = cms::signed_attributes(credential, algorithm, no_digest, std::nullopt);
  if (!attributes) return std::move(attributes).error();
  const Bytes longest(max_signature_value_size(credential.algorithm), 0xff);
  auto cms = cms::signed_data(credential, algorithm, *attributes, longest, std::nullopt);
  if (!cms) return std::move(cms).error();
  return cms->size() + 32 + (level == Level::b ? 0 : kTimeStampRoom);
}

// Level LTA (ETSI EN 319 142-1, PAdES-B-LTA): a document time stamp (ISO 32000-2 12.8.5) over the whole PDF, its DSS
// included, in a further incremental update: /Contents holds the TimeStampToken (RFC 3161) over the digest of its byte
// ranges.
Result<Bytes> with_document_time_stamp(const DocumentRequest& request, const TimeStampFunction& timestamp, Bytes pdf) {
  if (!timestamp) return make_error(ErrorCode::internal, "level LTA asked, but no time-stamping authority is wired");
  auto update = pdf::document_time_stamp_update(pdf, kTimeStampRoom);
  if (!update)
    return make_error(ErrorCode::internal, "the document time stamp could not be prepared: " + update.error().message);
  auto token = timestamp(request.digest_algorithm, byte_range_digest(request.digest_algorithm, pdf, *update));
  if (!token) return make_error(token.error().code, "the document time stamp: " + token.error().message);
  if (2 * token->size() > update->contents_size)
    return make_error(ErrorCode::internal, "the document time stamp does not fit the room prepared for it");
  const std::string hex = to_hex(*token);
  std::copy(hex.begin(), hex.end(), update->bytes.begin() + static_cast<std::ptrdiff_t>(update->contents_offset));
  pdf.insert(pdf.end(), update->bytes.begin(), update->bytes.end());
  return pdf;
}

}  // namespace

Status validate_pades(const DocumentRequest& request) {
  if (request.content.empty()) return make_error(ErrorCode::invalid_request, "the document to sign is empty");
  return pdf::check_signable(request.content);
}

Result<Prepared> prepare_pades(const DocumentRequest& request, const CredentialView& credential, Instant signing_time) {
  if (request.content.empty()) return make_error(ErrorCode::invalid_request, "the document to sign is empty");
  auto capacity = cms_capacity(credential, request.digest_algorithm, request.level);
  if (!capacity) return std::move(capacity).error();
  auto update = pdf::signature_update(request.content, signing_time, *capacity);
  if (!update) return std::move(update).error();

  Bytes message_digest = byte_range_digest(request.digest_algorithm, request.content, *update);
  // No signing-time attribute: PAdES carries the claimed time in /M (ETSI EN 319 142-1 5.4, 6.3).
  auto attributes = cms::signed_attributes(credential, request.digest_algorithm, message_digest, std::nullopt);
  if (!attributes) return std::move(attributes).error();

  Prepared prepared;
  prepared.dtbs_digest = digest(request.digest_algorithm, *attributes);
  prepared.digest_algorithm = request.digest_algorithm;
  prepared.padding = hsm::RsaPadding::pkcs1v15;
  prepared.state =
      encode_state(kStateKind, {std::move(*attributes), std::move(message_digest), std::move(update->bytes),
                                number_field(update->contents_offset), number_field(update->contents_size)});
  return prepared;
}

Result<Assembled> assemble_pades(const DocumentRequest& request, const Prepared& prepared,
                                 const hsm::Signature& signature, const CredentialView& credential,
                                 const LongTermServices& long_term) {
  auto fields = decode_state(kStateKind, prepared.state, field_count);
  if (!fields) return std::move(fields).error();
  auto contents_offset = field_number((*fields)[contents_offset_field]);
  auto contents_size = field_number((*fields)[contents_size_field]);
  if (!contents_offset || !contents_size) return make_error(ErrorCode::invalid_request, "bad pades state");
  pdf::SignatureUpdate update;
  update.bytes = std::move((*fields)[update_field]);
  update.contents_offset = static_cast<std::size_t>(*contents_offset);
  update.contents_size = static_cast<std::size_t>(*contents_size);
  if (update.contents_offset == 0 || update.contents_offset > update.bytes.size() ||
      update.contents_size >= update.bytes.size() - update.contents_offset)
    return make_error(ErrorCode::invalid_request, "bad pades state");
  const auto room = update.bytes.begin() + static_cast<std::ptrdiff_t>(update.contents_offset);
  if (!std::all_of(room, room + static_cast<std::ptrdiff_t>(update.contents_size), [](auto c) { return c == '0'; }) ||
      room[-1] != '<' || room[static_cast<std::ptrdiff_t>(update.contents_size)] != '>')
    return make_error(ErrorCode::invalid_request, "bad pades state: the room for the CMS is not intact");

  const Bytes& attributes = (*fields)[signed_attributes_field];
  if (prepared.digest_algorithm != request.digest_algorithm ||
      digest(request.digest_algorithm, attributes) != prepared.dtbs_digest)
    return make_error(ErrorCode::invalid_request, "the prepared digest does not match the prepared state");
  if (byte_range_digest(request.digest_algorithm, request.content, update) != (*fields)[message_digest_field])
    return make_error(ErrorCode::invalid_request, "the document changed after it was prepared");

  auto value = checked_signature_value(credential, request.digest_algorithm, prepared.dtbs_digest, signature);
  if (!value) return std::move(value).error();
  // Level T (ETSI EN 319 142-1 5.4.3, EN 319 122-1 5.3): the time stamp over the SignatureValue in the CMS.
  auto stamp = signature_time_stamp(request, long_term.timestamp, digest(request.digest_algorithm, *value));
  if (!stamp) return std::move(stamp).error();
  auto cms = cms::signed_data(credential, request.digest_algorithm, attributes, *value, std::nullopt, *stamp);
  if (!cms) return std::move(cms).error();
  if (2 * cms->size() > update.contents_size)
    return make_error(ErrorCode::internal, "the CMS does not fit the room prepared for it");

  // The CMS in hex over the placeholder's zeros; the padding zeros after it are allowed (12.8.1).
  const std::string hex = to_hex(*cms);
  std::copy(hex.begin(), hex.end(), update.bytes.begin() + static_cast<std::ptrdiff_t>(update.contents_offset));
  Bytes output;
  output.reserve(request.content.size() + update.bytes.size());
  output.insert(output.end(), request.content.begin(), request.content.end());
  output.insert(output.end(), update.bytes.begin(), update.bytes.end());
  // Level LT (ETSI EN 319 142-1 5.4.2): the signer's certificate, its chain and the validation data (the TSA's
  // certificate, the CRLs, the OCSP response) in a DSS, appended after the signed revision.
  auto validation = validation_data(request, long_term, credential);
  if (!validation) return std::move(validation).error();
  if (*validation) {
    ValidationData store = std::move(**validation);
    store.certificates.insert(store.certificates.begin(), credential.chain.begin(), credential.chain.end());
    store.certificates.insert(store.certificates.begin(), credential.certificate);
    auto dss = pdf::security_store_update(output, store);
    if (!dss)
      return make_error(ErrorCode::internal, "the validation data could not be appended: " + dss.error().message);
    output.insert(output.end(), dss->begin(), dss->end());
  }
  if (request.level == Level::lta) {
    auto stamped = with_document_time_stamp(request, long_term.timestamp, std::move(output));
    if (!stamped) return std::move(stamped).error();
    output = std::move(*stamped);
  }
  return Assembled{std::move(output), signature_algorithm_name(credential.algorithm, request.digest_algorithm)};
}

}  // namespace firma::signer::formats
