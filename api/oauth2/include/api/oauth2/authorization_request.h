// OAuth 2.0 on the wire: the authorisation request's parameters (query or pushed form) read into the signer's
// words, the refusals in OAuth's own shape, and the authorization_details the token endpoint echoes.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.h"
#include "hsm/algorithms.h"
#include "signer/application_authorisations.h"

namespace firma::api::oauth2 {

using Parameters = std::map<std::string, std::string>;

// An OAuth error (RFC 6749 4.1.2.1 and 5.2): the code a client acts on and words for its developer.
struct OAuthError {
  std::string error;  // invalid_request, unsupported_response_type, invalid_scope, ...
  std::string description;
};

// RFC 9126 2.2: the request_uri a pushed request is named by is this prefix and the request's id.
inline constexpr std::string_view kRequestUriPrefix = "urn:ietf:params:oauth:request_uri:";
// The authorization_details types of a CSC credential authorisation: v2.0's and v2.2's (CSC.md 3).
inline constexpr std::string_view kCredentialType = "credential";
inline constexpr std::string_view kCredentialTypeUri = "https://cloudsignatureconsortium.org/2025/credential";

// An application/x-www-form-urlencoded body (RFC 6749 appendix B): '+' is a space, then percent-decoding. A
// parameter sent twice is invalid_request (RFC 6749 3.1 and 3.2).
Result<Parameters> parse_form(std::string_view body);
// `uri` with the parameters added to its query (RFC 6749 4.1.2: "using the application/x-www-form-urlencoded
// format"), keeping the query it has; empty values are left out.
std::string with_query(std::string_view uri, const std::vector<std::pair<std::string, std::string>>& parameters);

// The request's parameters (RFC 6749 4.1.1, RFC 7636 4.3, CSC v2 8.4.2, RFC 9396 2) in the signer's words.
// client_id and redirect_uri are copied as given: the caller checks them first, since only a request whose client
// and redirect URI are right may be refused by redirection. Refusals:
// - unsupported_response_type: response_type is not "code";
// - invalid_scope: a scope other than "service" or "credential";
// - invalid_request: no code_challenge, a code_challenge_method other than S256 (plain is refused), or anything
//   wrong in the credential's parameters or authorization_details (which say what).
std::variant<signer::AuthorisationAsked, OAuthError> read_authorization_request(const Parameters& parameters);

// The digest algorithm an OID names (2.16.840.1.101.3.4.2.1/2/3) and back.
std::optional<hsm::DigestAlgorithm> digest_algorithm_of_oid(std::string_view oid);
std::string_view oid_of(hsm::DigestAlgorithm algorithm);

// A base64 value in either alphabet, with or without padding (CSC.md 6.1: the same hash comes in both).
std::optional<Bytes> decode_any_base64(std::string_view text);

// What the token endpoint answers for a redeemed signing authorisation: the authorization_details it echoes
// (RFC 9396 7.1; CSC v2 8.4.3), with the type the client used, and whether the client spoke CSC v1 (whose
// credential token is of type "SAD").
nlohmann::json authorization_details(const signer::RedeemedAuthorisation& redeemed);
bool asked_in_v1(const signer::RedeemedAuthorisation& redeemed);

}  // namespace firma::api::oauth2
