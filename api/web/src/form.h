// HTML form bodies (application/x-www-form-urlencoded) and cookies (RFC 6265), both ways.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api/http/http.h"
#include "core/result.h"
#include "core/secret.h"

namespace firma::api::web {

// The fields of a submitted form. Each field is kept once: a repeated name is refused, so that no part of the
// code reads one value while another part reads the other.
class Form {
 public:
  // WHATWG URL Standard 5.1 (application/x-www-form-urlencoded parsing): '&'-separated name=value pairs,
  // '+' is a space, then percent-decoding. invalid_request for a repeated name, more than kMaxFields fields,
  // a name that is not printable ASCII, or a value that is not UTF-8 text without control characters
  // (other than tab). Empty pairs ("a=1&&b=2") are skipped as the standard says.
  static Result<Form> parse(std::string_view body);
  // The request's body, when its Content-Type is application/x-www-form-urlencoded (parameters ignored);
  // invalid_request for any other type.
  static Result<Form> of(const Request& request);

  static constexpr std::size_t kMaxFields = 16;
  static constexpr std::size_t kMaxValueBytes = 4096;

  // The value, or "" when absent.
  std::string value(std::string_view name) const;
  // The value trimmed of surrounding spaces (NIFs, codes and e-mail addresses typed or pasted).
  std::string trimmed(std::string_view name) const;
  // The value as a Secret (passwords, codes): never trimmed, since a space may be part of a password.
  Secret secret(std::string_view name) const;
  bool has(std::string_view name) const { return fields_.count(std::string(name)) > 0; }

  ~Form();
  Form() = default;
  Form(Form&&) noexcept = default;
  Form& operator=(Form&&) noexcept = default;
  Form(const Form&) = delete;
  Form& operator=(const Form&) = delete;

 private:
  std::map<std::string, std::string, std::less<>> fields_;
};

// Decodes one form-urlencoded component ('+' -> space, %XX).
std::string form_decode(std::string_view component);

// The cookies a request carries (RFC 6265 5.4 "Cookie" header: "a=1; b=2"). For a name sent more than once
// (several paths), the first, which RFC 6265 5.4 step 2 orders as the most specific path.
std::map<std::string, std::string> request_cookies(const Request& request);
std::optional<std::string> request_cookie(const Request& request, std::string_view name);

// A value as cookie-octets (RFC 6265 4.1.1): base64url (RFC 4648 5), which no client or proxy decodes on the way.
std::string cookie_encode(std::string_view value);
// nullopt when `text` is not base64url.
std::optional<std::string> cookie_decode(std::string_view text);

struct CookieOptions {
  std::string path = "/";
  bool secure = false;                            // under TLS (the public URL is https)
  std::string same_site = "Strict";               // Strict for anything that guards a form
  std::optional<std::chrono::seconds> max_age{};  // none: a session cookie
};

// A Set-Cookie value (RFC 6265 4.1): always HttpOnly. The value must be cookie-octets (callers encode).
std::string set_cookie(std::string_view name, std::string_view value, const CookieOptions& options);
// A Set-Cookie value that removes the cookie (Max-Age=0, same path).
std::string clear_cookie(std::string_view name, CookieOptions options);

}  // namespace firma::api::web
