// Request/response helpers, the error-code-to-status mapping and never-throwing JSON body parsing.
#include "api/http/http.h"

#include <algorithm>

#include "api/http/text.h"

namespace firma::api {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr int kMaxJsonDepth = 32;

}  // namespace

std::optional<std::string> Request::header(std::string_view name) const {
  auto it = headers_.find(detail::ascii_lower(name));
  if (it == headers_.end()) return std::nullopt;
  return it->second;
}

void Request::set_header(std::string_view name, std::string value) {
  headers_[detail::ascii_lower(name)] = std::move(value);
}

void Request::remove_header(std::string_view name) {
  headers_.erase(detail::ascii_lower(name));
}

int http_status(ErrorCode code) noexcept {
  // One switch, no default: adding an ErrorCode without a status is a compile warning (-Wswitch).
  switch (code) {
    case ErrorCode::invalid_request: return 400;
    case ErrorCode::unauthorized: return 401;
    case ErrorCode::forbidden: return 403;
    case ErrorCode::not_found: return 404;
    case ErrorCode::conflict: return 409;
    case ErrorCode::password_policy: return 422;      // well-formed, but the password breaks the policy
    case ErrorCode::invalid_credentials: return 401;  // wrong NIF/password or API key
    case ErrorCode::account_locked: return 423;       // five failures: only a reset unlocks (RFC 4918 11.3)
    case ErrorCode::password_expired: return 403;     // must reset before going on
    case ErrorCode::registration_level: return 403;   // basic registration cannot sign
    case ErrorCode::account_not_active: return 403;
    case ErrorCode::otp_invalid: return 401;    // a wrong code is a wrong credential; tries remain
    case ErrorCode::otp_expired: return 410;    // the challenge is gone: start again
    case ErrorCode::otp_exhausted: return 403;  // no tries left: this challenge refuses every code
    case ErrorCode::transaction_expired: return 410;
    case ErrorCode::payload_too_large: return 413;
    case ErrorCode::rate_limited: return 429;
    case ErrorCode::unavailable: return 503;
    case ErrorCode::internal: return 500;
  }
  return 500;
}

std::string_view problem_title(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::invalid_request: return "Invalid request";
    case ErrorCode::unauthorized: return "Authentication required";
    case ErrorCode::forbidden: return "Forbidden";
    case ErrorCode::not_found: return "Not found";
    case ErrorCode::conflict: return "Conflict";
    case ErrorCode::password_policy: return "Password does not meet the policy";
    case ErrorCode::invalid_credentials: return "Invalid credentials";
    case ErrorCode::account_locked: return "Account locked";
    case ErrorCode::password_expired: return "Password expired";
    case ErrorCode::registration_level: return "Registration level does not allow this";
    case ErrorCode::account_not_active: return "Account not active";
    case ErrorCode::otp_invalid: return "Invalid one-time code";
    case ErrorCode::otp_expired: return "One-time code expired";
    case ErrorCode::otp_exhausted: return "No one-time code attempts left";
    case ErrorCode::transaction_expired: return "Transaction expired";
    case ErrorCode::payload_too_large: return "Payload too large";
    case ErrorCode::rate_limited: return "Too many requests";
    case ErrorCode::unavailable: return "Service unavailable";
    case ErrorCode::internal: return "Internal error";
  }
  return "Internal error";
}

std::string problem_type(ErrorCode code) {
  return "tag:firma,2024:problem:" + std::string(to_string(code));
}

Response json_response(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.content_type = std::string(kJson);
  // Invalid UTF-8 in a string is replaced rather than thrown: rendering must not fail.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

nlohmann::json problem_body(const Error& error) {
  nlohmann::json body{{"type", problem_type(error.code)},
                      {"title", std::string(problem_title(error.code))},
                      {"status", http_status(error.code)},
                      {"detail", error.message},
                      {"code", std::string(to_string(error.code))}};
  if (error.attempts_left) body["attempts_left"] = *error.attempts_left;
  return body;
}

Response problem(const Error& error) {
  Response r = json_response(http_status(error.code), problem_body(error));
  r.content_type = std::string(kProblemJson);
  if (error.retry_after) r.headers.emplace_back("Retry-After", std::to_string(error.retry_after->count()));
  return r;
}

Response problem(ErrorCode code, std::string detail) {
  return problem(Error{code, std::move(detail)});
}

Response text_response(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Result<nlohmann::json> parse_json_object(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return make_error(ErrorCode::invalid_request, "a JSON object body is required");
  bool too_deep = false;
  // The callback sees every parse event with its depth; past the limit the value is dropped and the
  // request refused, so a hostile body cannot build an arbitrarily deep tree.
  auto limit = [&too_deep](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMaxJsonDepth) too_deep = true;
    return !too_deep;
  };
  try {
    auto value = nlohmann::json::parse(body.begin(), body.end(), limit, true, false);
    if (too_deep) return make_error(ErrorCode::invalid_request, "request body is nested too deeply");
    if (!value.is_object()) return make_error(ErrorCode::invalid_request, "request body must be a JSON object");
    return value;
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() quotes the bytes it read last, which may be a password: report the position only.
    return make_error(ErrorCode::invalid_request,
                      "request body is not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::exception&) {
    return make_error(ErrorCode::invalid_request, "request body is not valid JSON");
  }
}

bool has_control_character(std::string_view text) noexcept {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7F;
  });
}

namespace detail {

Error field_error(std::string_view field, std::string_view problem) {
  return make_error(ErrorCode::invalid_request, "field '" + std::string(field) + "' " + std::string(problem));
}

}  // namespace detail

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace firma::api
