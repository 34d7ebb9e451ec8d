// Small X.509 helpers over Botan shared by the CA, the CRL and the OCSP code: times, serials, key identifiers,
// extensions Botan 2 does not offer, and the translation of Botan's exceptions into Results.
#pragma once

#include <botan/asn1_obj.h>
#include <botan/pkix_types.h>
#include <botan/x509cert.h>

#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/random.h"
#include "core/result.h"
#include "hsm/algorithms.h"

namespace firma::certs::detail {

Botan::X509_Time x509_time(Instant at);
Instant instant_of(const Botan::X509_Time& time);
// "20261122100000Z": the GeneralizedTime text RFC 6960 4.2.1 (producedAt) and RFC 3161 2.4.2 (genTime) want.
std::string generalized_time(Instant at);

// The hash a CA key signs with: SHA-384 for P-384 (matching strength, RFC 5480 4), SHA-256 otherwise.
std::string botan_hash_for(hsm::KeyAlgorithm algorithm);
hsm::DigestAlgorithm digest_for(hsm::KeyAlgorithm algorithm);
Bytes digest(hsm::DigestAlgorithm algorithm, std::span<const std::uint8_t> data);
// The AlgorithmIdentifier of a signature by a key of `key` made over a `digest` hash (OCSP answers, time stamps).
Botan::AlgorithmIdentifier signature_algorithm(hsm::KeyAlgorithm key, hsm::DigestAlgorithm digest);

// A positive serial of 127 random bits, 16 octets without a leading zero (RFC 5280 4.1.2.2: at most 20 octets;
// CA/B Forum: at least 64 bits from a CSPRNG).
Bytes random_serial(Random& random);
// Upper-case hexadecimal of a serial's minimal big-endian octets: the CertSerial spelling everywhere.
CertSerial serial_of(std::span<const std::uint8_t> octets);
// The octets back from the spelling; nullopt when it is not hexadecimal.
std::optional<Bytes> serial_octets(const CertSerial& serial);

// The subjectPublicKey BIT STRING contents of a SubjectPublicKeyInfo, and the key identifier RFC 5280 4.2.1.2
// method (1) makes of it: the SHA-1 of those bits. Errors are invalid_request.
Result<Bytes> subject_public_key_bits(std::span<const std::uint8_t> spki);
Result<Bytes> key_identifier(std::span<const std::uint8_t> spki);

// An extension whose DER value is given as is: what Botan 2 cannot build itself.
class RawExtension final : public Botan::Certificate_Extension {
 public:
  RawExtension(Botan::OID oid, std::vector<std::uint8_t> value) : oid_(std::move(oid)), value_(std::move(value)) {}
  Botan::OID oid_of() const override { return oid_; }
  std::string oid_name() const override { return ""; }
  Botan::Certificate_Extension* copy() const override { return new RawExtension(oid_, value_); }
  void contents_to(Botan::Data_Store&, Botan::Data_Store&) const override {}

 private:
  std::vector<std::uint8_t> encode_inner() const override { return value_; }
  void decode_inner(const std::vector<std::uint8_t>& in) override { value_ = in; }
  Botan::OID oid_;
  std::vector<std::uint8_t> value_;
};

// cRLDistributionPoints with one distributionPoint fullName URI (RFC 5280 4.2.1.13).
RawExtension* crl_distribution_point(const std::string& url);
// authorityInfoAccess with id-ad-ocsp and id-ad-caIssuers URIs (RFC 5280 4.2.2.1); Botan 2 encodes only the first.
RawExtension* authority_information_access(const std::string& ocsp_url, const std::string& ca_issuers_url);
// id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1): the OCSP signer's own status is not checked.
RawExtension* ocsp_nocheck();
// id-kp-OCSPSigning (RFC 6960 4.2.2.2).
Botan::OID ocsp_signing_purpose();
// id-kp-timeStamping (RFC 3161 2.3, RFC 5280 4.2.1.12).
Botan::OID timestamping_purpose();

// A distinguished name from (attribute, value) pairs in encoding order, e.g. {"X520.Country", "ES"}.
Botan::X509_DN distinguished_name(const std::vector<std::pair<std::string, std::string>>& attributes);
// "CN=..., O=..., C=ES": the pairs in reverse order with their short names (RFC 4514 2.1), for people and logs.
std::string describe(const std::vector<std::pair<std::string, std::string>>& attributes);

// The Result of a Botan exception: a token refusal keeps its own error, anything else is internal with `what`.
Error error_of(const std::exception& e, std::string_view what);

}  // namespace firma::certs::detail
