// Phase zero of the OCSP responder: an OCSPRequest (RFC 6960 4.1) read into the serials it asks about, apart
// from the responder so that the fuzz targets (tests/fuzz) reach it without a CA, a database or a token.
#pragma once

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/encoding.h"

namespace firma::certs::detail {

// A deleter for an OpenSSL object: std::unique_ptr<OCSP_REQUEST, OpenSslFree<OCSP_REQUEST_free>>.
template <auto Free>
struct OpenSslFree {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using OcspRequestPtr = std::unique_ptr<OCSP_REQUEST, OpenSslFree<OCSP_REQUEST_free>>;

// The DER of an OpenSSL object through its i2d function (der_of<OCSP_REQUEST, i2d_OCSP_REQUEST>); empty on failure.
template <class T, int (*Encode)(const T*, unsigned char**)>
Bytes der_of(const T* object) {
  unsigned char* out = nullptr;
  const int length = Encode(object, &out);
  if (length <= 0) return {};
  Bytes bytes(out, out + length);
  OPENSSL_free(out);
  return bytes;
}

// One CertID of the request that names `issuer`, with its serial as minimal big-endian octets.
struct OcspQuestion {
  OCSP_CERTID* id;  // owned by the request
  Bytes serial;
};

// The request's questions, or the error status to answer instead (`status` is then not successful).
struct OcspRequestRead {
  int status = OCSP_RESPONSE_STATUS_SUCCESSFUL;
  OcspRequestPtr request;
  std::vector<OcspQuestion> questions;
  Bytes nonce_extension;  // DER of the nonce extension (RFC 8954), empty when the request has none
};

// More CertIDs than this in one request is not a relying party checking a chain.
inline constexpr int kMaxOcspQuestions = 32;

// malformedRequest for anything that is not exactly one DER OCSPRequest, that asks about no certificate or more
// than kMaxOcspQuestions, or whose nonce cannot be re-encoded; unauthorized when a CertID names another issuer or
// a hash this responder does not know (RFC 5019 2.2.3, RFC 6960 2.3). Never throws.
OcspRequestRead read_ocsp_request(std::span<const std::uint8_t> der, X509* issuer);

}  // namespace firma::certs::detail
