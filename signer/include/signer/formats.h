// Signature formats in three phases: prepare (software) -> sign the digest (HSM) -> assemble (software).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/result.h"
#include "hsm/algorithms.h"
#include "hsm/token.h"

namespace firma::signer {

enum class Format { raw, cades, pades, xades };
std::string_view to_string(Format format) noexcept;
std::optional<Format> parse_format(std::string_view text) noexcept;

// Baseline levels (ETSI EN 319 122-1 / 142-1 / 132-1): B; T adds a time stamp over the signature value; LT the
// validation data; LTA an archive (document) time stamp over all of it. raw signatures are B only.
enum class Level { b, t, lt, lta };
std::string_view to_string(Level level) noexcept;  // "B", "T", "LT", "LTA"
std::optional<Level> parse_level(std::string_view text) noexcept;

// What the levels past B call for a time stamp: a TimeStampToken (RFC 3161 2.4.2, DER ContentInfo) over `digest`.
using TimeStampFunction = std::function<Result<Bytes>(hsm::DigestAlgorithm, std::span<const std::uint8_t>)>;

// What level LT adds so that the signature can be validated later without the network (ETSI EN 319 122-1 5.5):
// the certificates and revocation data of the signer's chain and of the TSA.
struct ValidationData {
  std::vector<Bytes> certificates;    // DER, besides the signer's and its chain (the TSA's)
  std::vector<Bytes> crls;            // DER CertificateList
  std::vector<Bytes> ocsp_responses;  // DER OCSPResponse
};
// The validation data for a signer's certificate (DER), gathered by the caller.
using ValidationDataFunction = std::function<Result<ValidationData>(std::span<const std::uint8_t> certificate)>;

// What the levels past B need from outside the formats.
struct LongTermServices {
  TimeStampFunction timestamp;
  ValidationDataFunction validation_data;
};

// The signer's credential as the formats see it: what goes into the structures, never a key handle.
struct CredentialView {
  Bytes certificate;         // DER of the signer's certificate
  std::vector<Bytes> chain;  // DER of the issuing CA certificates, issuer first, root last (may be empty)
  hsm::KeyAlgorithm algorithm;
};

// Bounds on the work one XML document may cause (libxml2's duplicate-attribute check is quadratic in the
// attributes of an element, exclusive C14N in the qualified attributes in scope). The bytes are scanned for them
// before libxml2 parses, and the tree is checked after; a document past them is refused with payload_too_large.
struct XmlLimits {
  std::size_t max_attributes = 256;   // per element, namespace declarations included
  std::size_t max_nodes = 1'000'000;  // elements, attributes, comments and processing instructions
  std::size_t max_depth = 128;        // nesting of elements (libxml2's C14N and serialiser recurse per level)
  std::chrono::milliseconds max_parse_time{5000};  // libxml2's parse of one document
};

struct DocumentRequest {
  Format format = Format::raw;
  Bytes content;  // the document; for raw, the digest value itself
  // raw: the algorithm of the given digest. Other formats: the hash they use (sha256 unless asked).
  hsm::DigestAlgorithm digest_algorithm = hsm::DigestAlgorithm::sha256;
  bool attached = false;  // cades: encapsulate the content (default detached)
  // raw with an RSA key: EMSA-PKCS1-v1_5 (RFC 8017 9.2) or EMSA-PSS (RFC 8017 9.1; MGF1 with the same hash,
  // salt as long as the digest). PSS with an EC key is refused (invalid_request) at preparation.
  hsm::RsaPadding padding = hsm::RsaPadding::pkcs1v15;
  XmlLimits xml_limits{};  // xades
  Level level = Level::b;
  // cades only: `content` is the document's digest (of digest_algorithm), not the document, as CSC's signDoc
  // sends it in documentDigests; the CMS is then detached.
  bool content_is_digest = false;
  // cades only: no signing-time attribute, for the CMS that a PDF's /Contents carries (PAdES states the claimed
  // time in the signature dictionary's /M instead: ETSI EN 319 142-1 5.4).
  bool for_pdf = false;
};

// Phase one's output, kept in the database until the citizen confirms (any node may assemble).
struct Prepared {
  Bytes dtbs_digest;  // the data-to-be-signed digest (DTBS/R) the HSM signs and the OTP confirms
  hsm::DigestAlgorithm digest_algorithm = hsm::DigestAlgorithm::sha256;
  hsm::RsaPadding padding = hsm::RsaPadding::pkcs1v15;
  Bytes state;  // what assembly needs; opaque to all but the format
};

struct Assembled {
  Bytes output;           // raw: the signature; cades: DER CMS; pades: the signed PDF; xades: the signed XML
  std::string algorithm;  // the signature algorithm's name, e.g. "ecdsa-with-SHA256", "sha256WithRSAEncryption"
};

// Checked when a transaction is created, before anything is stored: a digest of the wrong length, a
// document that is not a PDF for pades, XML that is not well-formed (no external entity is ever loaded)...
// Errors are invalid_request with a message naming the problem (a level the format does not offer too); an XML
// document past its xml_limits is payload_too_large.
Status validate(const DocumentRequest& request);

// Phase one: the structure to sign for this credential and signing time, and its digest.
Result<Prepared> prepare(const DocumentRequest& request, const CredentialView& credential, Instant signing_time);

// Phase three: the final signature or signed document from the HSM's signature over prepared.dtbs_digest; for
// request.level T and up, with the signature time stamp long_term.timestamp makes, for LT the validation data, and
// for PAdES LTA a document time stamp (their errors are the document's: a TSA that is down is unavailable).
Result<Assembled> assemble(const DocumentRequest& request, const Prepared& prepared, const hsm::Signature& signature,
                           const CredentialView& credential, const LongTermServices& long_term = {});

}  // namespace firma::signer
