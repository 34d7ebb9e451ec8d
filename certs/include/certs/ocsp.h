// The OCSP responder (RFC 6960): good, revoked or unknown for the issuing CA's certificates, signed in the HSM.
#pragma once

#include <cstdint>
#include <span>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/result.h"

namespace firma::store {
class Database;
}
namespace firma::hsm {
class Token;
}

namespace firma::certs {

class CertificateAuthority;

// Thread-safe; never throws.
class OcspResponder {
 public:
  OcspResponder(CertificateAuthority& authority, hsm::Token& token, store::Database& db, const Clock& clock);

  // Always a DER OCSPResponse (RFC 6960 4.2.1). For a well-formed request about this CA's certificates:
  // `successful`, with one SingleResponse per requested CertID (good; revoked with its time and reason; unknown
  // for serials this CA never issued a citizen certificate under), the request's nonce echoed (RFC 8954),
  // thisUpdate now and nextUpdate now + ocsp_validity, signed in the HSM by the delegated responder or the issuing
  // CA (the signer's certificate included). Built in three phases: ResponseData encoded, its digest signed on the
  // token, BasicOCSPResponse assembled.
  // Otherwise an unsigned error status: malformedRequest for anything that does not parse as an OCSPRequest (or
  // asks about no certificate, or more than 32), unauthorized when a CertID names another issuer (RFC 5019 2.2.3),
  // internalError when the database or the token fails, tryLater when they are unavailable.
  Bytes respond(std::span<const std::uint8_t> request) const;

  // The answer a relying party would get about `certificate` (DER, issued by the issuing CA), asked in-process:
  // what level LT signatures carry (ETSI EN 319 122-1 5.5). invalid_request when it is not such a certificate;
  // unavailable when the answer is not `successful`.
  Result<Bytes> status_of(std::span<const std::uint8_t> certificate) const;

 private:
  CertificateAuthority& authority_;
  hsm::Token& token_;
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace firma::certs
