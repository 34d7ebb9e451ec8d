// The CSC wire: its error bodies and statuses (CSC v2 section 10, v1 section 11), the request bodies and the
// bearer a call comes with.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/http.h"
#include "core/result.h"
#include "core/secret.h"
#include "signer/applications.h"
#include "signer/sad.h"

namespace firma::api::csc {

enum class Version { v1, v2 };

// What a refusal is about, where the same Firma error has different CSC words.
enum class Step { other, authorize, login };

// {error, error_description} with the status, as CSC answers every failure.
Response error_response(int status, std::string_view error, std::string_view description);
// A Firma error in CSC's words (CSC.md section 7): wrong password -> invalid_pin (v1) or
// invalid_authentication_data (v2); wrong code -> invalid_otp (v1) / invalid_authentication_data (v2); locked
// -> "Credential locked"; SAD refusals -> invalid_request with the spec's sentence; unauthorized -> 401
// invalid_token; rate_limited -> 429; unavailable -> 503; internal -> 500 server_error.
Response from_error(const Error& error, Version version, Step step = Step::other);

// The request body as a JSON object; an empty body is {} (CSC v2 section 7: every method takes a JSON body).
Result<nlohmann::json> body_of(const Request& request);

// A list of Base64 hashes under either name (`hashes`, v2; `hash`, v1 and pyHanko at v2), decoded; a lone string
// is one hash (Laverca's extendTransaction). nullopt when neither is present.
Result<std::optional<std::vector<Bytes>>> hashes_of(const nlohmann::json& body);
// hashAlgorithmOID (v2) or hashAlgo (v1).
Result<std::optional<std::string>> hash_algorithm_of(const nlohmann::json& body);

// Who calls, from the Authorization header (RFC 6750): an application's API key (service access), a citizen's
// access token, or a SAD (credential scope: that SAD's credential only).
struct Bearer {
  enum class Kind { application, citizen, sad };
  Kind kind = Kind::application;
  signer::Application app;           // the application the call acts for
  std::optional<CitizenId> citizen;  // citizen and sad
  std::optional<Secret> sad;         // sad: the bearer itself
  std::optional<signer::SadBinding> sad_binding;
};

}  // namespace firma::api::csc
