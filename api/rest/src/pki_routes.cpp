// Handlers for /pki/*: the CA chain and certificate, the CRL, and OCSP over POST and GET; /tsa.
#include "api/rest/pki_routes.h"

#include "certs/authority.h"
#include "certs/crl.h"
#include "certs/ocsp.h"
#include "certs/timestamp.h"
#include "core/encoding.h"

namespace firma::api {
namespace {

constexpr std::size_t kMaxOcspRequest = 64 * 1024;     // a request for a handful of CertIDs is a few hundred bytes
constexpr std::size_t kMaxTimestampQuery = 16 * 1024;  // an imprint, a policy and a nonce: about a hundred bytes

Response binary(std::string content_type, const Bytes& der) {
  Response r;
  r.status = 200;
  r.content_type = std::move(content_type);
  r.body.assign(der.begin(), der.end());
  return r;
}

Response crl_answer(certs::CrlService& crl) {
  auto current = crl.current();
  if (!current) return problem(current.error());
  return binary("application/pkix-crl", current->der);
}

Response ocsp_answer(const Bytes& der) {
  return binary("application/ocsp-response", der);
}

// The path segment of GET /pki/ocsp/{request} (already percent-decoded): base64, or base64url from clients that
// use it (RFC 6960 A.1 asks for base64 then URL encoding).
std::optional<Bytes> decode_request(const std::string& text) {
  if (auto standard = from_base64(text)) return standard;
  std::string url(text);
  while (!url.empty() && url.back() == '=') url.pop_back();
  return from_base64url(url);
}

}  // namespace

std::vector<Route> pki_routes(certs::CertificateAuthority& authority, certs::CrlService& crl,
                              certs::CrlService& root_crl, certs::OcspResponder& ocsp, certs::TimeStampAuthority& tsa) {
  return {
      {"GET",
       "/pki/ca.pem",
       Access::anyone,
       {},
       [&authority](const Request&) { return text_response(200, authority.chain_pem(), "application/x-pem-file"); },
       "pki.ca_pem"},
      {"GET",
       "/pki/ca.cer",
       Access::anyone,
       {},
       [&authority](const Request&) { return binary("application/pkix-cert", authority.issuing().der); },
       "pki.ca_cer"},
      {"GET", "/pki/crl", Access::anyone, {}, [&crl](const Request&) { return crl_answer(crl); }, "pki.crl"},
      {"GET",
       "/pki/root.crl",
       Access::anyone,
       {},
       [&root_crl](const Request&) { return crl_answer(root_crl); },
       "pki.root_crl"},
      {"POST",
       "/pki/ocsp",
       Access::anyone,
       {},
       [&ocsp](const Request& request) -> Response {
         if (request.body.size() > kMaxOcspRequest) return ocsp_answer(ocsp.respond({}));
         return ocsp_answer(ocsp.respond(as_bytes(request.body)));
       },
       "pki.ocsp"},
      {"GET",
       "/pki/ocsp/:request",
       Access::anyone,
       {},
       [&ocsp](const Request& request) -> Response {
         auto it = request.params.find("request");
         std::optional<Bytes> der;
         if (it != request.params.end() && it->second.size() <= kMaxOcspRequest * 2) der = decode_request(it->second);
         // Not base64: as malformed as a request can be (RFC 6960 4.2.1 malformedRequest).
         return ocsp_answer(ocsp.respond(der ? std::span<const std::uint8_t>(*der) : std::span<const std::uint8_t>()));
       },
       "pki.ocsp_get"},
      {"POST",
       "/tsa",
       Access::anyone,
       {},
       [&tsa](const Request& request) -> Response {
         // Too large to be a TimeStampReq: answered as one that does not parse (badDataFormat).
         const auto query =
             request.body.size() > kMaxTimestampQuery ? std::span<const std::uint8_t>() : as_bytes(request.body);
         return binary("application/timestamp-reply", tsa.respond(query));
       },
       "pki.tsa"},
  };
}

}  // namespace firma::api
