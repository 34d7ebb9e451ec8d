// The framework-neutral request and response every handler sees, and the one error-to-status mapping.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "api/http/caller.h"
#include "core/encoding.h"
#include "core/result.h"

namespace firma::api {

struct Request {
  std::string method;                         // "GET", "POST", ...
  std::string path;                           // as sent, without the query
  std::map<std::string, std::string> params;  // path parameters by name (":nif" -> "nif"), percent-decoded
  std::map<std::string, std::string> query;   // percent-decoded; '+' is kept as '+' (RFC 3986, not forms)
  std::string raw_query;                      // as sent after '?', undecoded (for form-encoded queries: OAuth)
  std::string body;
  std::string client_address;    // peer IP address
  std::uint64_t connection = 0;  // identifies the TCP connection, for logs and tests
  std::optional<Caller> caller;  // set for routes that require authentication
  // The DER of the TLS client certificate the client presented: on this connection when firmad serves TLS, or in
  // the header a trusted proxy sets (server.trusted_proxies). Fronts that authenticate applications by their
  // certificate (FIRe's) read it; the others ignore it.
  std::optional<Bytes> client_certificate;

  // Header lookup, case-insensitive (RFC 9110 5.1). The Authorization header is removed by the server
  // once the caller is authenticated, so a handler cannot leak the token.
  std::optional<std::string> header(std::string_view name) const;
  void set_header(std::string_view name, std::string value);  // stores the name lower-cased
  const std::map<std::string, std::string, std::less<>>& headers() const { return headers_; }
  void remove_header(std::string_view name);

 private:
  std::map<std::string, std::string, std::less<>> headers_;
};

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// THE mapping from an error code to an HTTP status: one switch, documented in docs/openapi.yaml.
int http_status(ErrorCode code) noexcept;
// Short human title of a problem type (RFC 9457 3.1.3), fixed per code.
std::string_view problem_title(ErrorCode code) noexcept;
// The problem type URI for a code (RFC 9457 3.1.1); a tag URI, since it is an identifier, not a page.
std::string problem_type(ErrorCode code);

inline constexpr std::string_view kJson = "application/json";
inline constexpr std::string_view kProblemJson = "application/problem+json";

Response json_response(int status, const nlohmann::json& body);
// The problem+json object {type, title, status, detail, code}; callers may add extension members.
nlohmann::json problem_body(const Error& error);
Response problem(const Error& error);
Response problem(ErrorCode code, std::string detail);
Response text_response(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");

// Parses a request body that must be a JSON object. Malformed JSON, another JSON type, an empty body
// or nesting deeper than 32 levels is an invalid_request error; the message never quotes the body.
Result<nlohmann::json> parse_json_object(std::string_view body);

// A C0 control character other than tab, or DEL. None belongs in a field of this API: a NUL cannot be
// stored (PostgreSQL text), a CR or LF splits a log line or an SMS, the rest hide what a name says.
// Tab is let through, as in the web forms (api/web/src/form.cpp).
bool has_control_character(std::string_view text) noexcept;

namespace detail {
template <class T>
bool json_holds(const nlohmann::json& value) {
  if constexpr (std::is_same_v<T, nlohmann::json>) {
    return true;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return value.is_string();
  } else if constexpr (std::is_same_v<T, bool>) {
    return value.is_boolean();
  } else if constexpr (std::is_integral_v<T>) {
    if (value.is_number_unsigned())
      return value.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max());
    if (value.is_number_integer()) {
      auto v = value.get<std::int64_t>();
      return v >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
             (v < 0 || static_cast<std::uint64_t>(v) <= static_cast<std::uint64_t>(std::numeric_limits<T>::max()));
    }
    return false;
  } else if constexpr (std::is_floating_point_v<T>) {
    return value.is_number();
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    if (!value.is_array()) return false;
    for (const auto& item : value)
      if (!item.is_string()) return false;
    return true;
  } else {
    static_assert(!sizeof(T), "unsupported JSON field type");
  }
}
template <class T>
constexpr std::string_view expected_name() {
  if constexpr (std::is_same_v<T, std::string>)
    return "a string";
  else if constexpr (std::is_same_v<T, bool>)
    return "a boolean";
  else if constexpr (std::is_integral_v<T>)
    return "an integer in range";
  else if constexpr (std::is_floating_point_v<T>)
    return "a number";
  else if constexpr (std::is_same_v<T, std::vector<std::string>>)
    return "an array of strings";
  else
    return "a JSON value";
}
Error field_error(std::string_view field, std::string_view problem);
// A string field (or an array of strings) with a control character is refused by name, before any
// handler sees it.
template <class T>
std::optional<Error> control_character_error(const nlohmann::json& value, std::string_view field) {
  bool found = false;
  if constexpr (std::is_same_v<T, std::string>) {
    found = has_control_character(value.get_ref<const std::string&>());
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    for (const auto& item : value) found = found || has_control_character(item.get_ref<const std::string&>());
  }
  if (found) return field_error(field, "must not contain control characters");
  return std::nullopt;
}
}  // namespace detail

// A field of a JSON object as T (std::string, bool, integers, double, std::vector<std::string>,
// nlohmann::json). Missing, null, of another type, or a string with a control character (see
// has_control_character): invalid_request naming the field. Never throws.
template <class T>
Result<T> required_field(const nlohmann::json& object, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return detail::field_error(field, "is required");
  if (!detail::json_holds<T>(*it))
    return detail::field_error(field, std::string("must be ") + std::string(detail::expected_name<T>()));
  if (auto error = detail::control_character_error<T>(*it, field)) return std::move(*error);
  return it->template get<T>();
}

// As required_field, but a missing or null field is std::nullopt.
template <class T>
Result<std::optional<T>> optional_field(const nlohmann::json& object, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::optional<T>{};
  if (!detail::json_holds<T>(*it))
    return detail::field_error(field, std::string("must be ") + std::string(detail::expected_name<T>()));
  if (auto error = detail::control_character_error<T>(*it, field)) return std::move(*error);
  return std::optional<T>(it->template get<T>());
}

// RFC 3986 2.1 percent-decoding. Malformed escapes are kept as they are.
std::string percent_decode(std::string_view text);

}  // namespace firma::api
