// The public PKI endpoints: the CA chain, the CRL, the OCSP responder and the TSA (no bearer: relying parties call
// them).
#pragma once

#include <vector>

#include "api/http/routes.h"

namespace firma::certs {
class CertificateAuthority;
class CrlService;
class OcspResponder;
class TimeStampAuthority;
}  // namespace firma::certs

namespace firma::api {

// GET  /pki/ca.pem            the chain, PEM (issuing CA, then root)
// GET  /pki/ca.cer            the issuing CA certificate, DER (the AIA caIssuers link, RFC 5280 4.2.2.1)
// GET  /pki/crl               the current CRL of the issuing CA, DER
// GET  /pki/root.crl          the current CRL of the root (the issuing CA's status), DER
// POST /pki/ocsp              OCSP over POST (RFC 6960 A.1.1), body application/ocsp-request
// GET  /pki/ocsp/{request}    OCSP over GET: the DER request, base64, percent-encoded
// POST /tsa                  RFC 3161 3.4: application/timestamp-query -> application/timestamp-reply
// OCSP answers are always 200 application/ocsp-response; a malformed request gets the malformedRequest status.
// Time-stamp replies are always 200 application/timestamp-reply; a bad request gets a rejection with its failInfo.
std::vector<Route> pki_routes(certs::CertificateAuthority& authority, certs::CrlService& crl,
                              certs::CrlService& root_crl, certs::OcspResponder& ocsp, certs::TimeStampAuthority& tsa);

}  // namespace firma::api
