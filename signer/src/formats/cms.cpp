// CMS SignedData with Botan's DER encoder: the signed attributes first (phase one), the rest around the
// HSM's signature (phase three).
#include "formats/cms.h"

#include <botan/asn1_obj.h>
#include <botan/der_enc.h>

#include <chrono>
#include <string>

#include "formats/crypto.h"

namespace firma::signer::formats::cms {
namespace {

// RFC 5652 and RFC 5035 object identifiers.
constexpr const char* kIdData = "1.2.840.113549.1.7.1";
constexpr const char* kIdSignedData = "1.2.840.113549.1.7.2";
constexpr const char* kIdContentType = "1.2.840.113549.1.9.3";
constexpr const char* kIdMessageDigest = "1.2.840.113549.1.9.4";
constexpr const char* kIdSigningTime = "1.2.840.113549.1.9.5";
constexpr const char* kIdSigningCertificateV2 = "1.2.840.113549.1.9.16.2.47";
constexpr const char* kIdSignatureTimeStampToken = "1.2.840.113549.1.9.16.2.14";
constexpr const char* kIdRiOcspResponse = "1.3.6.1.5.5.7.16.2";

// AlgorithmIdentifier; SHA-2 digests go without parameters (RFC 5754 2), sha*WithRSAEncryption with NULL
// (RFC 4055 5), ECDSA without (RFC 5758 3.2).
void algorithm_identifier(Botan::DER_Encoder& der, const std::string& oid, bool null_parameters) {
  der.start_cons(Botan::SEQUENCE).encode(Botan::OID(oid));
  if (null_parameters) der.encode_null();
  der.end_cons();
}

void octet_string(Botan::DER_Encoder& der, std::span<const std::uint8_t> bytes) {
  der.encode(bytes.data(), bytes.size(), Botan::OCTET_STRING);
}

}  // namespace

Result<Bytes> issuer_serial(std::span<const std::uint8_t> certificate) {
  auto facts = certificate_facts(certificate);
  if (!facts) return std::move(facts).error();
  Bytes out;
  Botan::DER_Encoder der(out);
  der.start_cons(Botan::SEQUENCE);
  // GeneralNames with one directoryName: [4] is explicit because Name is a CHOICE (X.680 31.2.7).
  der.start_cons(Botan::SEQUENCE).start_cons(static_cast<Botan::ASN1_Tag>(4), Botan::CONTEXT_SPECIFIC);
  der.raw_bytes(facts->issuer);
  der.end_cons().end_cons();
  der.raw_bytes(facts->serial);
  der.end_cons();
  return out;
}

Result<Bytes> signed_attributes(const CredentialView& credential, hsm::DigestAlgorithm digest,
                                std::span<const std::uint8_t> content_digest, std::optional<Instant> signing_time) {
  auto issuer = issuer_serial(credential.certificate);
  if (!issuer) return std::move(issuer).error();
  const Bytes certificate_hash = formats::digest(digest, credential.certificate);

  Bytes out;
  Botan::DER_Encoder der(out);
  // A DER SET OF: Botan sorts the encoded attributes (X.690 11.6), as verifiers re-encode them to hash.
  der.start_cons(Botan::SET);

  der.start_cons(Botan::SEQUENCE).encode(Botan::OID(kIdContentType));
  der.start_cons(Botan::SET).encode(Botan::OID(kIdData)).end_cons();
  der.end_cons();

  der.start_cons(Botan::SEQUENCE).encode(Botan::OID(kIdMessageDigest)).start_cons(Botan::SET);
  octet_string(der, content_digest);
  der.end_cons().end_cons();

  if (signing_time) {
    // UTCTime until 2049, GeneralizedTime after (RFC 5652 11.3).
    const std::chrono::system_clock::time_point at{signing_time->time_since_epoch()};
    der.start_cons(Botan::SEQUENCE).encode(Botan::OID(kIdSigningTime));
    der.start_cons(Botan::SET).encode(Botan::ASN1_Time(at)).end_cons();
    der.end_cons();
  }

  // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }; ESSCertIDv2 ::= SEQUENCE {
  // hashAlgorithm DEFAULT id-sha256, certHash, issuerSerial IssuerSerial { GeneralNames, serial } }.
  der.start_cons(Botan::SEQUENCE).encode(Botan::OID(kIdSigningCertificateV2)).start_cons(Botan::SET);
  der.start_cons(Botan::SEQUENCE).start_cons(Botan::SEQUENCE).start_cons(Botan::SEQUENCE);
  if (digest != hsm::DigestAlgorithm::sha256) algorithm_identifier(der, digest_algorithm_oid(digest), false);
  octet_string(der, certificate_hash);
  der.raw_bytes(*issuer);
  der.end_cons().end_cons().end_cons();  // ESSCertIDv2, certs, SigningCertificateV2
  der.end_cons().end_cons();             // SET, Attribute

  der.end_cons();
  return out;
}

Result<Bytes> signed_data(const CredentialView& credential, hsm::DigestAlgorithm digest,
                          std::span<const std::uint8_t> signed_attributes,
                          std::span<const std::uint8_t> signature_value,
                          std::optional<std::span<const std::uint8_t>> content,
                          const std::optional<Bytes>& signature_time_stamp,
                          const std::optional<ValidationData>& validation) {
  auto facts = certificate_facts(credential.certificate);
  if (!facts) return std::move(facts).error();
  for (const Bytes& ca : credential.chain) {
    if (auto parsed = certificate_facts(ca); !parsed)
      return make_error(ErrorCode::invalid_request, "a certificate of the signer's chain is not DER X.509");
  }
  if (signed_attributes.empty() || signed_attributes[0] != 0x31)
    return make_error(ErrorCode::internal, "the signed attributes are not a DER SET");

  Bytes out;
  Botan::DER_Encoder der(out);
  der.start_cons(Botan::SEQUENCE).encode(Botan::OID(kIdSignedData)).start_explicit(0);
  // version 1: no attribute certificates, id-data content, issuerAndSerialNumber; 5 with an `other` revocation
  // info format (the OCSP responses of level LT) (RFC 5652 5.1).
  const bool other_revocation = validation && !validation->ocsp_responses.empty();
  der.start_cons(Botan::SEQUENCE).encode(static_cast<std::size_t>(other_revocation ? 5 : 1));
  der.start_cons(Botan::SET);
  algorithm_identifier(der, digest_algorithm_oid(digest), false);
  der.end_cons();

  der.start_cons(Botan::SEQUENCE).encode(Botan::OID(kIdData));
  if (content) {
    der.start_explicit(0);
    octet_string(der, *content);
    der.end_explicit();
  }
  der.end_cons();

  // certificates [0] IMPLICIT CertificateSet: the signer's first, then its chain (ETSI EN 319 122-1 5.2.2).
  der.start_cons(static_cast<Botan::ASN1_Tag>(0), Botan::CONTEXT_SPECIFIC);
  der.raw_bytes(credential.certificate);
  for (const Bytes& ca : credential.chain) der.raw_bytes(ca);
  if (validation)
    for (const Bytes& certificate : validation->certificates) der.raw_bytes(certificate);
  der.end_cons();
  if (validation && (!validation->crls.empty() || other_revocation)) {
    // crls [1] IMPLICIT RevocationInfoChoices: CertificateLists as they are, OCSP responses as
    // other [1] IMPLICIT OtherRevocationInfoFormat { id-ri-ocsp-response, OCSPResponse } (RFC 5940 2.1).
    der.start_cons(static_cast<Botan::ASN1_Tag>(1), Botan::CONTEXT_SPECIFIC);
    for (const Bytes& crl : validation->crls) der.raw_bytes(crl);
    for (const Bytes& ocsp : validation->ocsp_responses) {
      der.start_cons(static_cast<Botan::ASN1_Tag>(1), Botan::CONTEXT_SPECIFIC).encode(Botan::OID(kIdRiOcspResponse));
      der.raw_bytes(ocsp).end_cons();
    }
    der.end_cons();
  }

  der.start_cons(Botan::SET).start_cons(Botan::SEQUENCE).encode(static_cast<std::size_t>(1));
  der.start_cons(Botan::SEQUENCE).raw_bytes(facts->issuer).raw_bytes(facts->serial).end_cons();
  algorithm_identifier(der, digest_algorithm_oid(digest), false);
  // signedAttrs [0] IMPLICIT: the same octets as the SET that was hashed, under tag [0] (RFC 5652 5.4).
  Bytes implicit(signed_attributes.begin(), signed_attributes.end());
  implicit[0] = 0xA0;
  der.raw_bytes(implicit);
  algorithm_identifier(der, signature_algorithm_oid(credential.algorithm, digest), hsm::is_rsa(credential.algorithm));
  octet_string(der, signature_value);
  if (signature_time_stamp) {
    // unsignedAttrs [1] IMPLICIT SET OF Attribute: { id-aa-signatureTimeStampToken, SET { TimeStampToken } }.
    der.start_cons(static_cast<Botan::ASN1_Tag>(1), Botan::CONTEXT_SPECIFIC);
    der.start_cons(Botan::SEQUENCE).encode(Botan::OID(kIdSignatureTimeStampToken));
    der.start_cons(Botan::SET).raw_bytes(*signature_time_stamp).end_cons();
    der.end_cons().end_cons();
  }
  der.end_cons().end_cons();  // SignerInfo, signerInfos

  der.end_cons();  // SignedData
  der.end_explicit().end_cons();
  return out;
}

}  // namespace firma::signer::formats::cms
