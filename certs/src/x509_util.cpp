// Times, serials, key identifiers, raw extensions and exception translation for the certs module.
#include "x509_util.h"

#include <botan/ber_dec.h>
#include <botan/der_enc.h>
#include <botan/hash.h>
#include <botan/x509_dn.h>

#include <map>

#include "hsm/botan_key.h"

namespace firma::certs::detail {

Botan::X509_Time x509_time(Instant at) {
  return Botan::X509_Time(std::chrono::system_clock::time_point(at.time_since_epoch()));
}

Instant instant_of(const Botan::X509_Time& time) {
  return from_unix(static_cast<std::int64_t>(time.time_since_epoch()));
}

std::string botan_hash_for(hsm::KeyAlgorithm algorithm) {
  return algorithm == hsm::KeyAlgorithm::ec_p384 ? "SHA-384" : "SHA-256";
}

hsm::DigestAlgorithm digest_for(hsm::KeyAlgorithm algorithm) {
  return algorithm == hsm::KeyAlgorithm::ec_p384 ? hsm::DigestAlgorithm::sha384 : hsm::DigestAlgorithm::sha256;
}

Bytes digest(hsm::DigestAlgorithm algorithm, std::span<const std::uint8_t> data) {
  switch (algorithm) {
    case hsm::DigestAlgorithm::sha256: return sha256(data);
    case hsm::DigestAlgorithm::sha384: return sha384(data);
    case hsm::DigestAlgorithm::sha512: return sha512(data);
  }
  return sha256(data);
}

// sha256WithRSAEncryption (RFC 4055 5) with NULL parameters, or ecdsa-with-SHAxxx (RFC 5758 3.2) with none.
Botan::AlgorithmIdentifier signature_algorithm(hsm::KeyAlgorithm key, hsm::DigestAlgorithm digest) {
  if (hsm::is_rsa(key)) {
    const char* oid = digest == hsm::DigestAlgorithm::sha384   ? "1.2.840.113549.1.1.12"
                      : digest == hsm::DigestAlgorithm::sha512 ? "1.2.840.113549.1.1.13"
                                                               : "1.2.840.113549.1.1.11";
    return Botan::AlgorithmIdentifier(Botan::OID(oid), Botan::AlgorithmIdentifier::USE_NULL_PARAM);
  }
  const char* oid = digest == hsm::DigestAlgorithm::sha384   ? "1.2.840.10045.4.3.3"
                    : digest == hsm::DigestAlgorithm::sha512 ? "1.2.840.10045.4.3.4"
                                                             : "1.2.840.10045.4.3.2";
  return Botan::AlgorithmIdentifier(Botan::OID(oid), Botan::AlgorithmIdentifier::USE_EMPTY_PARAM);
}

std::string generalized_time(Instant at) {
  std::string out;
  for (char c : to_rfc3339(at))
    if (c != '-' && c != ':' && c != 'T') out += c;
  return out;
}

Bytes random_serial(Random& random) {
  Bytes serial = random.bytes(16);
  // Positive (top bit clear) and 16 octets long (second-highest bit set): 126 random bits plus the fixed one.
  serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7F) | 0x40);
  return serial;
}

CertSerial serial_of(std::span<const std::uint8_t> octets) {
  std::size_t first = 0;
  while (first + 1 < octets.size() && octets[first] == 0) ++first;  // minimal form, as the DER INTEGER's value
  return CertSerial(to_hex_upper(octets.subspan(first)));
}

std::optional<Bytes> serial_octets(const CertSerial& serial) {
  std::string hex = serial.str();
  if (hex.empty()) return std::nullopt;
  if (hex.size() % 2 != 0) hex.insert(hex.begin(), '0');
  return from_hex(hex);
}

Result<Bytes> subject_public_key_bits(std::span<const std::uint8_t> spki) {
  try {
    Botan::AlgorithmIdentifier algorithm;
    std::vector<std::uint8_t> bits;
    Botan::BER_Decoder(spki.data(), spki.size())
        .start_cons(Botan::SEQUENCE)
        .decode(algorithm)
        .decode(bits, Botan::BIT_STRING)
        .end_cons()
        .verify_end();
    return Bytes(bits.begin(), bits.end());
  } catch (const std::exception& e) {
    return make_error(ErrorCode::invalid_request, std::string("not a SubjectPublicKeyInfo: ") + e.what());
  }
}

Result<Bytes> key_identifier(std::span<const std::uint8_t> spki) {
  auto bits = subject_public_key_bits(spki);
  if (!bits) return std::move(bits).error();
  auto sha1 = Botan::HashFunction::create_or_throw("SHA-1");
  sha1->update(bits->data(), bits->size());
  auto out = sha1->final();
  return Bytes(out.begin(), out.end());
}

RawExtension* crl_distribution_point(const std::string& url) {
  // DistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName } and
  // DistributionPointName ::= CHOICE { fullName [0] GeneralNames }; GeneralName uniformResourceIdentifier [6].
  // The module uses implicit tags, but a CHOICE is always tagged explicitly (X.680 31.2.7): both [0] constructed.
  std::vector<std::uint8_t> value;
  Botan::DER_Encoder(value)
      .start_cons(Botan::SEQUENCE)
      .start_cons(Botan::SEQUENCE)
      .start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC)
      .start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC)
      .add_object(Botan::ASN1_Tag(6), Botan::CONTEXT_SPECIFIC, url)
      .end_cons()
      .end_cons()
      .end_cons()
      .end_cons();
  return new RawExtension(Botan::OID("2.5.29.31"), std::move(value));
}

RawExtension* authority_information_access(const std::string& ocsp_url, const std::string& ca_issuers_url) {
  // AuthorityInfoAccessSyntax ::= SEQUENCE OF AccessDescription { accessMethod OID, accessLocation GeneralName }.
  std::vector<std::uint8_t> value;
  Botan::DER_Encoder(value)
      .start_cons(Botan::SEQUENCE)
      .start_cons(Botan::SEQUENCE)
      .encode(Botan::OID("1.3.6.1.5.5.7.48.1"))  // id-ad-ocsp
      .add_object(Botan::ASN1_Tag(6), Botan::CONTEXT_SPECIFIC, ocsp_url)
      .end_cons()
      .start_cons(Botan::SEQUENCE)
      .encode(Botan::OID("1.3.6.1.5.5.7.48.2"))  // id-ad-caIssuers
      .add_object(Botan::ASN1_Tag(6), Botan::CONTEXT_SPECIFIC, ca_issuers_url)
      .end_cons()
      .end_cons();
  return new RawExtension(Botan::OID("1.3.6.1.5.5.7.1.1"), std::move(value));
}

RawExtension* ocsp_nocheck() {
  std::vector<std::uint8_t> value;
  Botan::DER_Encoder(value).encode_null();
  return new RawExtension(Botan::OID("1.3.6.1.5.5.7.48.1.5"), std::move(value));
}

Botan::OID ocsp_signing_purpose() {
  return Botan::OID("1.3.6.1.5.5.7.3.9");
}

Botan::OID timestamping_purpose() {
  return Botan::OID("1.3.6.1.5.5.7.3.8");
}

Botan::X509_DN distinguished_name(const std::vector<std::pair<std::string, std::string>>& attributes) {
  Botan::X509_DN dn;
  for (const auto& [type, value] : attributes) dn.add_attribute(type, value);
  return dn;
}

std::string describe(const std::vector<std::pair<std::string, std::string>>& attributes) {
  static const std::map<std::string, std::string> short_names = {{"X520.Country", "C"},
                                                                 {"X520.Organization", "O"},
                                                                 {"X520.CommonName", "CN"},
                                                                 {"X520.SerialNumber", "serialNumber"},
                                                                 {"X520.GivenName", "GN"},
                                                                 {"X520.Surname", "SN"},
                                                                 {"X520.OrganizationalUnit", "OU"}};
  std::string text;
  for (auto it = attributes.rbegin(); it != attributes.rend(); ++it) {
    auto name = short_names.find(it->first);
    if (!text.empty()) text += ", ";
    text += (name == short_names.end() ? it->first : name->second) + "=" + it->second;
  }
  return text;
}

Error error_of(const std::exception& e, std::string_view what) {
  if (const auto* refused = dynamic_cast<const hsm::TokenSigningError*>(&e)) return refused->error();
  return make_error(ErrorCode::internal, std::string(what) + ": " + e.what());
}

}  // namespace firma::certs::detail
