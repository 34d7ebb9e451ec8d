// Reading an OCSPRequest with OpenSSL: which CertIDs name the issuing CA, and the nonce to echo.
#include "ocsp_request.h"

namespace firma::certs::detail {
namespace {

using CertIdPtr = std::unique_ptr<OCSP_CERTID, OpenSslFree<OCSP_CERTID_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslFree<BN_free>>;

OcspRequestRead refused(int status) {
  OcspRequestRead out;
  out.status = status;
  return out;
}

}  // namespace

OcspRequestRead read_ocsp_request(std::span<const std::uint8_t> der, X509* issuer) {
  OcspRequestRead out;
  const unsigned char* cursor = der.data();
  out.request.reset(d2i_OCSP_REQUEST(nullptr, &cursor, static_cast<long>(der.size())));
  if (!out.request || cursor != der.data() + der.size()) return refused(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
  const int count = OCSP_request_onereq_count(out.request.get());
  if (count <= 0 || count > kMaxOcspQuestions) return refused(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);

  // Which CertIDs name this CA (RFC 6960 4.1.1: issuerNameHash and issuerKeyHash under the request's hash).
  for (int i = 0; i < count; ++i) {
    OCSP_CERTID* id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(out.request.get(), i));
    ASN1_OBJECT* hash_oid = nullptr;
    ASN1_INTEGER* serial = nullptr;
    if (id == nullptr || OCSP_id_get0_info(nullptr, &hash_oid, nullptr, &serial, id) != 1)
      return refused(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
    // The response copies each CertID (OCSP_basic_add1_status): one OpenSSL reads but cannot write again (odd
    // hash algorithm parameters, found by tests/fuzz) would end in internalError; it is the request's fault.
    if (CertIdPtr copy(OCSP_CERTID_dup(id)); !copy) return refused(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
    const EVP_MD* md = hash_oid != nullptr ? EVP_get_digestbyobj(hash_oid) : nullptr;
    bool ours = false;
    Bytes octets;
    if (md != nullptr && serial != nullptr) {
      CertIdPtr expected(OCSP_cert_to_id(md, nullptr, issuer));
      BignumPtr number(ASN1_INTEGER_to_BN(serial, nullptr));
      if (expected && number && OCSP_id_issuer_cmp(expected.get(), id) == 0 && !BN_is_negative(number.get())) {
        octets.resize(static_cast<std::size_t>(BN_num_bytes(number.get())));
        BN_bn2bin(number.get(), octets.data());
        ours = true;
      }
    }
    // A CertID of another issuer is not this responder's to answer; an answer signed here would not verify for it.
    if (!ours) return refused(OCSP_RESPONSE_STATUS_UNAUTHORIZED);
    out.questions.push_back(OcspQuestion{id, std::move(octets)});
  }

  // RFC 8954 / RFC 6960 4.4.1: the nonce comes back as it was sent.
  const int nonce_at = OCSP_REQUEST_get_ext_by_NID(out.request.get(), NID_id_pkix_OCSP_Nonce, -1);
  if (nonce_at >= 0) {
    unsigned char* encoded = nullptr;
    const int length = i2d_X509_EXTENSION(OCSP_REQUEST_get_ext(out.request.get(), nonce_at), &encoded);
    if (length <= 0) return refused(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
    out.nonce_extension.assign(encoded, encoded + length);
    OPENSSL_free(encoded);
  }
  return out;
}

}  // namespace firma::certs::detail
