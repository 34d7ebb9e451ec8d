// RFC 3161 time stamps: requests read with OpenSSL's TS API, TSTInfo and the CMS SignedData around it encoded with
// Botan and signed on the token; the outside TSA reached with cpp-httplib.
#include "certs/timestamp.h"

#include <botan/asn1_str.h>
#include <botan/bigint.h>
#include <botan/der_enc.h>
#include <botan/x509cert.h>
#include <httplib.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "certs/authority.h"
#include "core/log.h"
#include "hsm/token.h"
#include "ocsp_request.h"  // OpenSslFree
#include "x509_util.h"

namespace firma::certs {
namespace {

using detail::der_of;
using detail::OpenSslFree;
using RequestPtr = std::unique_ptr<TS_REQ, OpenSslFree<TS_REQ_free>>;
using ResponsePtr = std::unique_ptr<TS_RESP, OpenSslFree<TS_RESP_free>>;

// RFC 5652 / RFC 3161 / RFC 5035 object identifiers.
constexpr const char* kIdSignedData = "1.2.840.113549.1.7.2";
constexpr const char* kIdContentType = "1.2.840.113549.1.9.3";
constexpr const char* kIdMessageDigest = "1.2.840.113549.1.9.4";
constexpr const char* kIdCtTstInfo = "1.2.840.113549.1.9.16.1.4";
constexpr const char* kIdSigningCertificateV2 = "1.2.840.113549.1.9.16.2.47";

// PKIFailureInfo bits (RFC 3161 2.4.2).
enum class Failure {
  bad_alg = 0,
  bad_request = 2,
  bad_data_format = 5,
  unaccepted_policy = 15,
  unaccepted_extension = 16,
  system_failure = 25
};

// RFC 5754 2: SHA-2 AlgorithmIdentifiers without parameters.
const char* digest_oid(hsm::DigestAlgorithm algorithm) {
  switch (algorithm) {
    case hsm::DigestAlgorithm::sha256: return "2.16.840.1.101.3.4.2.1";
    case hsm::DigestAlgorithm::sha384: return "2.16.840.1.101.3.4.2.2";
    case hsm::DigestAlgorithm::sha512: return "2.16.840.1.101.3.4.2.3";
  }
  return "2.16.840.1.101.3.4.2.1";
}

std::optional<hsm::DigestAlgorithm> digest_of_nid(int nid) {
  switch (nid) {
    case NID_sha256: return hsm::DigestAlgorithm::sha256;
    case NID_sha384: return hsm::DigestAlgorithm::sha384;
    case NID_sha512: return hsm::DigestAlgorithm::sha512;
    default: return std::nullopt;
  }
}

void digest_algorithm(Botan::DER_Encoder& der, hsm::DigestAlgorithm algorithm) {
  der.start_cons(Botan::SEQUENCE).encode(Botan::OID(digest_oid(algorithm))).end_cons();
}

// MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }.
Bytes message_imprint(hsm::DigestAlgorithm algorithm, std::span<const std::uint8_t> digest) {
  Bytes out;
  Botan::DER_Encoder der(out);
  der.start_cons(Botan::SEQUENCE);
  digest_algorithm(der, algorithm);
  der.encode(digest.data(), digest.size(), Botan::OCTET_STRING).end_cons();
  return out;
}

// TimeStampResp with status granted (RFC 3161 2.4.2) around a token.
Bytes granted(const Bytes& token) {
  Bytes out;
  Botan::DER_Encoder(out)
      .start_cons(Botan::SEQUENCE)
      .start_cons(Botan::SEQUENCE)
      .encode(std::size_t{0})
      .end_cons()
      .raw_bytes(token)
      .end_cons();
  return out;
}

// TimeStampResp with status rejection, a statusString and the failInfo bit (a DER named-bit BIT STRING: no
// trailing zero bits, X.690 11.2.2).
Bytes rejected(Failure failure, std::string_view why) {
  const auto bit = static_cast<std::size_t>(failure);
  std::vector<std::uint8_t> bits(bit / 8 + 2, 0);
  bits[0] = static_cast<std::uint8_t>(7 - bit % 8);
  bits[1 + bit / 8] = static_cast<std::uint8_t>(0x80 >> (bit % 8));
  Bytes out;
  Botan::DER_Encoder(out)
      .start_cons(Botan::SEQUENCE)
      .start_cons(Botan::SEQUENCE)
      .encode(std::size_t{2})
      .start_cons(Botan::SEQUENCE)
      .encode(Botan::ASN1_String(std::string(why), Botan::UTF8_STRING))
      .end_cons()
      .add_object(Botan::BIT_STRING, Botan::UNIVERSAL, bits)
      .end_cons()
      .end_cons();
  return out;
}

// What a granted request asks to be stamped.
struct Stamp {
  Bytes imprint;               // DER MessageImprint, echoed as sent (RFC 3161 2.4.2)
  std::optional<Bytes> nonce;  // DER INTEGER, echoed as sent
  bool certificate = false;    // certReq
};

// The token: ContentInfo { id-signedData, SignedData v3 { id-ct-TSTInfo content, the TSA's certificate when asked,
// one SignerInfo with content-type, message-digest and signing-certificate-v2 (RFC 5816 2.2.1) } }.
Result<Bytes> make_token(const CertificateAuthority& authority, hsm::Token& token, Instant now, Random& random,
                         const Stamp& stamp) {
  const CaSettings& settings = authority.settings();
  const ServiceKey tsa = authority.tsa_signer();
  if (tsa.certificate.empty()) return make_error(ErrorCode::unavailable, "the TSA has no certificate yet");
  const Botan::X509_Certificate certificate(tsa.certificate);
  const hsm::DigestAlgorithm digest = detail::digest_for(tsa.algorithm);
  const Bytes serial = detail::random_serial(random);

  Bytes tst_info;
  {
    Botan::DER_Encoder der(tst_info);
    der.start_cons(Botan::SEQUENCE)
        .encode(std::size_t{1})
        .encode(Botan::OID(settings.tsa_policy_oid))
        .raw_bytes(stamp.imprint)
        .encode(Botan::BigInt(serial.data(), serial.size()))
        .add_object(Botan::GENERALIZED_TIME, Botan::UNIVERSAL, detail::generalized_time(now))
        // Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0], micros [1] }: genTime is whole seconds.
        .start_cons(Botan::SEQUENCE)
        .encode(static_cast<std::size_t>(settings.tsa_accuracy.count()))
        .end_cons();
    if (stamp.nonce) der.raw_bytes(*stamp.nonce);
    der.end_cons();
  }

  // IssuerSerial (RFC 5035 4): GeneralNames with the issuer as directoryName ([4], explicit: Name is a CHOICE).
  Bytes issuer_serial;
  Botan::DER_Encoder(issuer_serial)
      .start_cons(Botan::SEQUENCE)
      .start_cons(Botan::SEQUENCE)
      .start_cons(Botan::ASN1_Tag(4), Botan::CONTEXT_SPECIFIC)
      .raw_bytes(certificate.raw_issuer_dn())
      .end_cons()
      .end_cons()
      .encode(Botan::BigInt(certificate.serial_number()))
      .end_cons();

  Bytes attributes;
  {
    const Bytes content_digest = detail::digest(digest, tst_info);
    const Bytes certificate_hash = detail::digest(hsm::DigestAlgorithm::sha256, tsa.certificate);
    Botan::DER_Encoder der(attributes);
    der.start_cons(Botan::SET);
    der.start_cons(Botan::SEQUENCE).encode(Botan::OID(kIdContentType));
    der.start_cons(Botan::SET).encode(Botan::OID(kIdCtTstInfo)).end_cons().end_cons();
    der.start_cons(Botan::SEQUENCE).encode(Botan::OID(kIdMessageDigest)).start_cons(Botan::SET);
    der.encode(content_digest.data(), content_digest.size(), Botan::OCTET_STRING).end_cons().end_cons();
    // SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { certHash (SHA-256, the default), issuerSerial } }.
    der.start_cons(Botan::SEQUENCE).encode(Botan::OID(kIdSigningCertificateV2)).start_cons(Botan::SET);
    der.start_cons(Botan::SEQUENCE).start_cons(Botan::SEQUENCE).start_cons(Botan::SEQUENCE);
    der.encode(certificate_hash.data(), certificate_hash.size(), Botan::OCTET_STRING).raw_bytes(issuer_serial);
    der.end_cons().end_cons().end_cons().end_cons().end_cons();
    der.end_cons();
  }

  auto signature =
      token.sign_service_digest(hsm::KeyPurpose::timestamping, tsa.key_id, digest, detail::digest(digest, attributes));
  if (!signature) return std::move(signature).error();

  Bytes out;
  Botan::DER_Encoder der(out);
  der.start_cons(Botan::SEQUENCE).encode(Botan::OID(kIdSignedData)).start_explicit(0);
  // version 3: the content type is not id-data (RFC 5652 5.1).
  der.start_cons(Botan::SEQUENCE).encode(std::size_t{3});
  der.start_cons(Botan::SET);
  digest_algorithm(der, digest);
  der.end_cons();
  der.start_cons(Botan::SEQUENCE).encode(Botan::OID(kIdCtTstInfo)).start_explicit(0);
  der.encode(tst_info, Botan::OCTET_STRING).end_explicit().end_cons();
  if (stamp.certificate) {
    // RFC 3161 2.4.1: with certReq, the TSA's certificate is in the SignedData's certificates.
    der.start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC).raw_bytes(tsa.certificate).end_cons();
  }
  der.start_cons(Botan::SET).start_cons(Botan::SEQUENCE).encode(std::size_t{1});
  der.start_cons(Botan::SEQUENCE)
      .raw_bytes(certificate.raw_issuer_dn())
      .encode(Botan::BigInt(certificate.serial_number()))
      .end_cons();
  digest_algorithm(der, digest);
  // signedAttrs [0] IMPLICIT: the octets that were hashed, retagged (RFC 5652 5.4).
  Bytes implicit = attributes;
  implicit[0] = 0xA0;
  der.raw_bytes(implicit);
  der.encode(detail::signature_algorithm(tsa.algorithm, digest));
  der.encode(signature->der, Botan::OCTET_STRING);
  der.end_cons().end_cons();  // SignerInfo, signerInfos
  der.end_cons();             // SignedData
  der.end_explicit().end_cons();
  return out;
}

// What to stamp, or the rejection to answer.
struct Read {
  std::optional<Stamp> stamp;
  Failure failure = Failure::bad_request;
  std::string why;
};

Read read_request(std::span<const std::uint8_t> der, const std::string& policy_oid) {
  const auto refuse = [](Failure failure, std::string why) { return Read{std::nullopt, failure, std::move(why)}; };
  const unsigned char* cursor = der.data();
  RequestPtr request(d2i_TS_REQ(nullptr, &cursor, static_cast<long>(der.size())));
  if (!request || der.empty()) return refuse(Failure::bad_data_format, "not a DER TimeStampReq");
  if (cursor != der.data() + der.size()) return refuse(Failure::bad_data_format, "bytes after the TimeStampReq");
  if (TS_REQ_get_version(request.get()) != 1) return refuse(Failure::bad_data_format, "only version 1 is known");

  TS_MSG_IMPRINT* imprint = TS_REQ_get_msg_imprint(request.get());
  const ASN1_OBJECT* algorithm = nullptr;
  int parameter_type = V_ASN1_UNDEF;
  X509_ALGOR_get0(&algorithm, &parameter_type, nullptr, TS_MSG_IMPRINT_get_algo(imprint));
  const auto hash = digest_of_nid(OBJ_obj2nid(algorithm));
  // Parameters absent or NULL (RFC 5754 2 allows either on reading).
  if (!hash || (parameter_type != V_ASN1_UNDEF && parameter_type != V_ASN1_NULL))
    return refuse(Failure::bad_alg, "the message imprint must be SHA-256, SHA-384 or SHA-512");
  const ASN1_OCTET_STRING* message = TS_MSG_IMPRINT_get_msg(imprint);
  if (static_cast<std::size_t>(ASN1_STRING_length(message)) != hsm::digest_size(*hash))
    return refuse(Failure::bad_data_format, "the hashed message is not as long as its algorithm's digests");

  if (const ASN1_OBJECT* policy = TS_REQ_get_policy_id(request.get())) {
    char text[128] = {};
    OBJ_obj2txt(text, sizeof text, policy, 1);
    if (policy_oid != text) return refuse(Failure::unaccepted_policy, "this TSA stamps under policy " + policy_oid);
  }
  if (const auto* extensions = TS_REQ_get_exts(request.get()); extensions && sk_X509_EXTENSION_num(extensions) > 0)
    return refuse(Failure::unaccepted_extension, "this TSA accepts no request extensions");

  Stamp stamp;
  stamp.imprint = der_of<TS_MSG_IMPRINT, i2d_TS_MSG_IMPRINT>(imprint);
  if (const ASN1_INTEGER* nonce = TS_REQ_get_nonce(request.get()))
    stamp.nonce = der_of<ASN1_INTEGER, i2d_ASN1_INTEGER>(nonce);
  stamp.certificate = TS_REQ_get_cert_req(request.get()) != 0;
  if (stamp.imprint.empty() || (stamp.nonce && stamp.nonce->empty()))
    return refuse(Failure::bad_data_format, "the request cannot be re-encoded");
  return Read{std::move(stamp), Failure::bad_request, {}};
}

}  // namespace

TimeStampAuthority::TimeStampAuthority(const CertificateAuthority& authority, hsm::Token& token, const Clock& clock,
                                       Random& random)
    : authority_(authority), token_(token), clock_(clock), random_(random) {}

Bytes TimeStampAuthority::respond(std::span<const std::uint8_t> request) const {
  try {
    Read read = read_request(request, authority_.settings().tsa_policy_oid);
    if (!read.stamp) return rejected(read.failure, read.why);
    auto token = make_token(authority_, token_, clock_.now(), random_, *read.stamp);
    if (!token) {
      log::warn("pki.tsa_sign_failed", {{"error", token.error().message}});
      return rejected(Failure::system_failure, "the time-stamping unit cannot sign now");
    }
    return granted(*token);
  } catch (const std::exception& e) {
    log::error("pki.tsa_failed", {{"error", e.what()}});
    return rejected(Failure::system_failure, "the time-stamping unit failed");
  }
}

Result<Bytes> TimeStampAuthority::timestamp(hsm::DigestAlgorithm algorithm, std::span<const std::uint8_t> digest,
                                            std::span<const std::uint8_t> nonce) {
  if (digest.size() != hsm::digest_size(algorithm))
    return make_error(ErrorCode::invalid_request, "the digest to stamp is not as long as its algorithm's digests");
  try {
    std::optional<Bytes> nonce_der;
    if (!nonce.empty()) {
      nonce_der.emplace();
      Botan::DER_Encoder(*nonce_der).encode(Botan::BigInt(nonce.data(), nonce.size()));
    }
    return make_token(authority_, token_, clock_.now(), random_,
                      Stamp{message_imprint(algorithm, digest), std::move(nonce_der), true});
  } catch (const std::exception& e) {
    return make_error(ErrorCode::internal, std::string("cannot make the time stamp: ") + e.what());
  }
}

RemoteTimeStamper::RemoteTimeStamper(std::string url, std::chrono::seconds timeout, Random& random)
    : url_(std::move(url)), timeout_(timeout), random_(random) {}

namespace {

struct Origin {
  std::string origin;  // scheme://host[:port]
  std::string path;
};

std::optional<Origin> split(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  if (url.substr(0, scheme) != "http" && url.substr(0, scheme) != "https") return std::nullopt;
  const auto path = url.find('/', scheme + 3);
  const std::string_view authority = url.substr(scheme + 3, path == url.npos ? url.npos : path - scheme - 3);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  return Origin{std::string(url.substr(0, path == url.npos ? url.size() : path)),
                path == url.npos ? std::string("/") : std::string(url.substr(path))};
}

}  // namespace

Result<Bytes> RemoteTimeStamper::timestamp(hsm::DigestAlgorithm algorithm, std::span<const std::uint8_t> digest,
                                           std::span<const std::uint8_t> given_nonce) {
  const auto down = [&](const std::string& why) {
    return make_error(ErrorCode::unavailable, "the time-stamping authority " + url_ + " " + why);
  };
  const auto where = split(url_);
  if (!where) return down("is not an http(s) URL");
  // TimeStampReq { version 1, messageImprint, nonce (the caller's, or 64 random bits), certReq TRUE } (RFC 3161 2.4.1).
  Bytes nonce(given_nonce.begin(), given_nonce.end());
  if (nonce.empty()) {
    nonce = random_.bytes(8);
    nonce[0] &= 0x7F;
    nonce[0] |= 0x01;
  }
  Bytes request;
  Botan::DER_Encoder(request)
      .start_cons(Botan::SEQUENCE)
      .encode(std::size_t{1})
      .raw_bytes(message_imprint(algorithm, digest))
      .encode(Botan::BigInt(nonce.data(), nonce.size()))
      .encode(true)
      .end_cons();

  httplib::Client client(where->origin);
  client.set_tcp_nodelay(true);
  client.set_connection_timeout(timeout_);
  client.set_read_timeout(timeout_);
  client.set_write_timeout(timeout_);
  client.set_follow_location(false);
  auto answer = client.Post(where->path, std::string(request.begin(), request.end()), "application/timestamp-query");
  if (!answer) return down("did not answer (" + httplib::to_string(answer.error()) + ")");
  if (answer->status != 200) return down("answered HTTP " + std::to_string(answer->status));

  const auto* cursor = reinterpret_cast<const unsigned char*>(answer->body.data());
  ResponsePtr response(d2i_TS_RESP(nullptr, &cursor, static_cast<long>(answer->body.size())));
  if (!response) return down("answered something that is not a TimeStampResp");
  const long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(response.get())));
  if (status != 0 && status != 1) return down("refused to stamp (PKIStatus " + std::to_string(status) + ")");
  PKCS7* token = TS_RESP_get_token(response.get());
  TS_TST_INFO* info = TS_RESP_get_tst_info(response.get());
  if (!token || !info) return down("granted without a token");
  // The token must be over this digest and answer this request (RFC 3161 2.4.2: imprint and nonce echoed).
  const Bytes sent_imprint = message_imprint(algorithm, digest);
  TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(info);
  const ASN1_OCTET_STRING* message = TS_MSG_IMPRINT_get_msg(imprint);
  const ASN1_OBJECT* hash = nullptr;
  X509_ALGOR_get0(&hash, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(imprint));
  const ASN1_INTEGER* echoed = TS_TST_INFO_get_nonce(info);
  Bytes nonce_der;
  Botan::DER_Encoder(nonce_der).encode(Botan::BigInt(nonce.data(), nonce.size()));
  if (digest_of_nid(OBJ_obj2nid(hash)) != algorithm ||
      static_cast<std::size_t>(ASN1_STRING_length(message)) != digest.size() ||
      std::memcmp(ASN1_STRING_get0_data(message), digest.data(), digest.size()) != 0 || !echoed ||
      der_of<ASN1_INTEGER, i2d_ASN1_INTEGER>(echoed) != nonce_der)
    return down("answered with a token for another request");
  Bytes der = der_of<PKCS7, i2d_PKCS7>(token);
  if (der.empty()) return down("answered with a token that cannot be re-encoded");
  return der;
}

Result<std::unique_ptr<RemoteTimeStamper>> remote_time_stamper(const TimestampSettings& settings, Random& random) {
  if (settings.url.empty()) return std::unique_ptr<RemoteTimeStamper>();
  if (!split(settings.url))
    return make_error(ErrorCode::invalid_request,
                      "timestamp.url: expected http(s)://HOST[:PORT]/PATH, got '" + settings.url + "'");
  return std::make_unique<RemoteTimeStamper>(settings.url, std::chrono::seconds(settings.timeout_seconds), random);
}

}  // namespace firma::certs
