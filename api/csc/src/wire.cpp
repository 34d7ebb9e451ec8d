// CSC error bodies and the mapping from Firma's errors; request-body helpers.
#include "wire.h"

#include "algorithms.h"

namespace firma::api::csc {
namespace {

// The SAD refusals of CitizenKeySigner, in the words CSC gives them (v2 11.9 signHash errors).
std::string sad_words(const std::string& message) {
  if (message.find("not authorised") != std::string::npos) return "Hash is not authorized by the SAD";
  if (message.find("already used") != std::string::npos) return "Hash already signed with this SAD";
  if (message.find("expired") != std::string::npos || message.find("ended") != std::string::npos) return "SAD expired";
  if (message.find("budget") != std::string::npos) return "Numbers of signatures is too high for this SAD";
  if (message.find("not on record") != std::string::npos) return "Invalid SAD";
  if (message.find("another") != std::string::npos) return "SAD is for another credential or application";
  return message;
}

}  // namespace

Response error_response(int status, std::string_view error, std::string_view description) {
  Response r = json_response(status, {{"error", error}, {"error_description", description}});
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="firma", error="invalid_token")");
  return r;
}

Response from_error(const Error& e, Version version, Step step) {
  const bool v1 = version == Version::v1;
  switch (e.code) {
    case ErrorCode::unauthorized: return error_response(401, "invalid_token", e.message);
    case ErrorCode::invalid_credentials:
      if (step == Step::login) return error_response(400, "authentication_error", "Invalid userID or password");
      return error_response(400, v1 ? "invalid_pin" : "invalid_authentication_data", "Invalid PIN");
    case ErrorCode::otp_invalid:
    case ErrorCode::otp_expired:
      return error_response(
          400, v1 ? "invalid_otp" : "invalid_authentication_data",
          e.code == ErrorCode::otp_expired ? "The OTP has expired or was used: ask for a new one" : "Invalid OTP");
    case ErrorCode::account_locked:
    case ErrorCode::otp_exhausted: return error_response(400, "invalid_request", "Credential locked");
    case ErrorCode::forbidden: return error_response(400, "invalid_request", sad_words(e.message));
    case ErrorCode::rate_limited: return error_response(429, "invalid_request", e.message);
    case ErrorCode::payload_too_large: return error_response(413, "invalid_request", e.message);
    case ErrorCode::unavailable: return error_response(503, "temporarily_unavailable", e.message);
    case ErrorCode::internal: return error_response(500, "server_error", "internal error");
    case ErrorCode::not_found: return error_response(400, "invalid_request", "Invalid parameter credentialID");
    default: return error_response(400, "invalid_request", e.message);
  }
}

Result<nlohmann::json> body_of(const Request& request) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  return parse_json_object(request.body);
}

Result<std::optional<std::vector<Bytes>>> hashes_of(const nlohmann::json& body) {
  const char* name = body.contains("hashes") && !body["hashes"].is_null() ? "hashes" : "hash";
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::optional<std::vector<Bytes>>{};
  std::vector<std::string> texts;
  if (it->is_string()) {
    texts.push_back(it->get<std::string>());
  } else {
    auto list = required_field<std::vector<std::string>>(body, name);
    if (!list) return std::move(list).error();
    texts = std::move(*list);
  }
  std::vector<Bytes> out;
  out.reserve(texts.size());
  for (const std::string& t : texts) {
    auto decoded = decode_hash(t);
    if (!decoded) return make_error(ErrorCode::invalid_request, std::string(name) + ": a hash is not Base64");
    out.push_back(std::move(*decoded));
  }
  return std::optional<std::vector<Bytes>>(std::move(out));
}

Result<std::optional<std::string>> hash_algorithm_of(const nlohmann::json& body) {
  auto v2 = optional_field<std::string>(body, "hashAlgorithmOID");
  if (!v2 || *v2) return v2;
  return optional_field<std::string>(body, "hashAlgo");
}

}  // namespace firma::api::csc
