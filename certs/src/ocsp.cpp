// The OCSP responder: OpenSSL parses the request and builds each SingleResponse, the ResponseData is encoded and its
// digest signed on the token, and the BasicOCSPResponse and OCSPResponse are assembled around that signature.
#include "certs/ocsp.h"

#include <botan/bigint.h>
#include <botan/der_enc.h>
#include <botan/x509cert.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "certs/authority.h"
#include "core/log.h"
#include "hsm/token.h"
#include "ocsp_request.h"
#include "store/certificates.h"
#include "store/database.h"
#include "x509_util.h"

namespace firma::certs {
namespace {

using detail::der_of;
using detail::OpenSslFree;
using BasicPtr = std::unique_ptr<OCSP_BASICRESP, OpenSslFree<OCSP_BASICRESP_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslFree<X509_free>>;
using TimePtr = std::unique_ptr<ASN1_TIME, OpenSslFree<ASN1_TIME_free>>;

// OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED } for the error statuses (RFC 6960 4.2.1), unsigned.
Bytes error_response(int status) {
  return Bytes{0x30, 0x03, 0x0A, 0x01, static_cast<std::uint8_t>(status)};
}

TimePtr asn1_time(Instant at) {
  return TimePtr(ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(to_unix(at))));
}

}  // namespace

OcspResponder::OcspResponder(CertificateAuthority& authority, hsm::Token& token, store::Database& db,
                             const Clock& clock)
    : authority_(authority), token_(token), db_(db), clock_(clock) {}

Bytes OcspResponder::respond(std::span<const std::uint8_t> request_der) const {
  try {
    const CaCertificate& issuing = authority_.issuing();
    const unsigned char* issuer_cursor = issuing.der.data();
    X509Ptr issuer(d2i_X509(nullptr, &issuer_cursor, static_cast<long>(issuing.der.size())));
    if (!issuer) return error_response(OCSP_RESPONSE_STATUS_INTERNALERROR);

    // Phase zero: read the request (anything that is not an OCSPRequest is malformedRequest).
    const detail::OcspRequestRead read = detail::read_ocsp_request(request_der, issuer.get());
    if (read.status != OCSP_RESPONSE_STATUS_SUCCESSFUL) return error_response(read.status);
    const std::vector<detail::OcspQuestion>& questions = read.questions;

    // What the database says about each serial, in one transaction.
    using Answers = std::vector<std::optional<store::CertificateRecord>>;
    auto answers = db_.transact([&](store::Tx& tx) -> Result<Answers> {
      Answers out;
      for (const detail::OcspQuestion& q : questions) {
        auto found = store::CertificateRecords::find(tx, detail::serial_of(q.serial));
        if (!found) return std::move(found).error();
        // A certificate of another issuing CA is not this CA's to answer for.
        if (*found && (*found)->issuer_serial != issuing.serial) found->reset();
        out.push_back(std::move(*found));
      }
      return out;
    });
    if (!answers) {
      log::warn("pki.ocsp_database_failed", {{"error", answers.error().message}});
      return error_response(answers.error().code == ErrorCode::unavailable ? OCSP_RESPONSE_STATUS_TRYLATER
                                                                           : OCSP_RESPONSE_STATUS_INTERNALERROR);
    }

    // Phase one: the SingleResponses (OpenSSL) and the ResponseData around them.
    const Instant now = clock_.now();
    TimePtr this_update = asn1_time(now);
    TimePtr next_update = asn1_time(now + authority_.settings().ocsp_validity);
    BasicPtr scratch(OCSP_BASICRESP_new());
    if (!this_update || !next_update || !scratch) return error_response(OCSP_RESPONSE_STATUS_INTERNALERROR);
    for (std::size_t i = 0; i < questions.size(); ++i) {
      const auto& record = (*answers)[i];
      int status = V_OCSP_CERTSTATUS_UNKNOWN;
      int reason = OCSP_REVOKED_STATUS_NOSTATUS;
      TimePtr revoked_at;
      if (record && record->status == CertificateStatus::revoked) {
        status = V_OCSP_CERTSTATUS_REVOKED;
        revoked_at = asn1_time(record->revoked_at.value_or(record->created_at));
        auto parsed = record->revocation_reason ? parse_revocation_reason(*record->revocation_reason) : std::nullopt;
        reason = static_cast<int>(parsed.value_or(RevocationReason::unspecified));
      } else if (record) {
        // Not revoked: "good" (RFC 6960 2.2), expired or not.
        status = V_OCSP_CERTSTATUS_GOOD;
      }
      if (OCSP_basic_add1_status(scratch.get(), questions[i].id, status, reason, revoked_at.get(), this_update.get(),
                                 next_update.get()) == nullptr)
        return error_response(OCSP_RESPONSE_STATUS_INTERNALERROR);
    }

    const OcspResponderKey responder = authority_.ocsp_responder();
    const Botan::X509_Certificate responder_cert(responder.certificate);

    std::vector<std::uint8_t> tbs;
    Botan::DER_Encoder response_data(tbs);
    response_data
        .start_cons(Botan::SEQUENCE)
        // ResponderID byKey [2] EXPLICIT KeyHash: SHA-1 of the responder's subjectPublicKey bits (RFC 6960 4.2.1).
        .start_cons(Botan::ASN1_Tag(2), Botan::CONTEXT_SPECIFIC)
        .encode(responder_cert.subject_public_key_bitstring_sha1(), Botan::OCTET_STRING)
        .end_cons()
        .add_object(Botan::GENERALIZED_TIME, Botan::UNIVERSAL, detail::generalized_time(now))
        .start_cons(Botan::SEQUENCE);
    for (int i = 0; i < OCSP_resp_count(scratch.get()); ++i) {
      const Bytes single = der_of<OCSP_SINGLERESP, i2d_OCSP_SINGLERESP>(OCSP_resp_get0(scratch.get(), i));
      if (single.empty()) return error_response(OCSP_RESPONSE_STATUS_INTERNALERROR);
      response_data.raw_bytes(single);
    }
    response_data.end_cons();
    // RFC 8954 / RFC 6960 4.4.1: the nonce comes back as it was sent.
    if (!read.nonce_extension.empty()) {
      response_data.start_cons(Botan::ASN1_Tag(1), Botan::CONTEXT_SPECIFIC)
          .start_cons(Botan::SEQUENCE)
          .raw_bytes(read.nonce_extension)
          .end_cons()
          .end_cons();
    }
    response_data.end_cons();

    // Phase two: the digest of ResponseData signed on the token.
    const hsm::DigestAlgorithm digest_algorithm = detail::digest_for(responder.algorithm);
    // The delegated responder's key, or the issuing CA's when there is none.
    const hsm::KeyPurpose purpose =
        responder.delegated ? hsm::KeyPurpose::ocsp_signing : hsm::KeyPurpose::certificate_authority;
    auto signature =
        token_.sign_service_digest(purpose, responder.key_id, digest_algorithm, detail::digest(digest_algorithm, tbs));
    if (!signature) {
      log::warn("pki.ocsp_sign_failed", {{"error", signature.error().message}});
      return error_response(signature.error().code == ErrorCode::unavailable ? OCSP_RESPONSE_STATUS_TRYLATER
                                                                             : OCSP_RESPONSE_STATUS_INTERNALERROR);
    }

    // Phase three: BasicOCSPResponse (with the delegated responder's certificate) inside an OCSPResponse.
    std::vector<std::uint8_t> basic;
    Botan::DER_Encoder basic_der(basic);
    basic_der.start_cons(Botan::SEQUENCE)
        .raw_bytes(tbs)
        .encode(detail::signature_algorithm(responder.algorithm, digest_algorithm))
        .encode(signature->der, Botan::BIT_STRING);
    {
      // The responder's certificate: the delegated signer's (RFC 6960 4.2.2.2), or the issuing CA's, so that a
      // relying party holding only the root can check the signature.
      basic_der.start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC)
          .start_cons(Botan::SEQUENCE)
          .raw_bytes(responder.certificate)
          .end_cons()
          .end_cons();
    }
    basic_der.end_cons();

    std::vector<std::uint8_t> response;
    Botan::DER_Encoder(response)
        .start_cons(Botan::SEQUENCE)
        .encode(Botan::BigInt(std::uint64_t{OCSP_RESPONSE_STATUS_SUCCESSFUL}), Botan::ENUMERATED, Botan::UNIVERSAL)
        .start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC)
        .start_cons(Botan::SEQUENCE)
        .encode(Botan::OID("1.3.6.1.5.5.7.48.1.1"))  // id-pkix-ocsp-basic
        .encode(basic, Botan::OCTET_STRING)
        .end_cons()
        .end_cons()
        .end_cons();
    return Bytes(response.begin(), response.end());
  } catch (const std::exception& e) {
    log::error("pki.ocsp_failed", {{"error", e.what()}});
    return error_response(OCSP_RESPONSE_STATUS_INTERNALERROR);
  }
}

Result<Bytes> OcspResponder::status_of(std::span<const std::uint8_t> certificate) const {
  const CaCertificate& issuing = authority_.issuing();
  const unsigned char* issuer_cursor = issuing.der.data();
  X509Ptr issuer(d2i_X509(nullptr, &issuer_cursor, static_cast<long>(issuing.der.size())));
  const unsigned char* cursor = certificate.data();
  X509Ptr subject(d2i_X509(nullptr, &cursor, static_cast<long>(certificate.size())));
  if (!issuer || !subject) return make_error(ErrorCode::invalid_request, "not a DER X.509 certificate");
  detail::OcspRequestPtr request(OCSP_REQUEST_new());
  OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), subject.get(), issuer.get());
  if (!request || !id || !OCSP_request_add0_id(request.get(), id)) {
    OCSP_CERTID_free(id);
    return make_error(ErrorCode::internal, "cannot build the OCSP request");
  }
  const Bytes der = der_of<OCSP_REQUEST, i2d_OCSP_REQUEST>(request.get());
  Bytes answer = respond(der);
  // Anything but `successful` is an unsigned error status (RFC 6960 4.2.1): nothing a validator can use.
  const unsigned char* read = answer.data();
  std::unique_ptr<OCSP_RESPONSE, OpenSslFree<OCSP_RESPONSE_free>> parsed(
      d2i_OCSP_RESPONSE(nullptr, &read, static_cast<long>(answer.size())));
  if (!parsed || OCSP_response_status(parsed.get()) != OCSP_RESPONSE_STATUS_SUCCESSFUL)
    return make_error(ErrorCode::unavailable, "the OCSP responder cannot answer about the certificate now");
  return answer;
}

}  // namespace firma::certs
