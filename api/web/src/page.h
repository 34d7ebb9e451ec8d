// What every web page shares: the language, the CSRF token, the layout, the security headers, citizen-worded
// errors and the one cookie a response may set.
#pragma once

#include <chrono>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http/http.h"
#include "api/http/throttle.h"
#include "api/web/web_routes.h"
#include "catalogue.h"
#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "form.h"
#include "html.h"

namespace firma::signer {
class TransactionService;
class ApplicationAuthorisations;
}  // namespace firma::signer
namespace firma::identity {
class CitizenService;
}

namespace firma::api::web {

inline constexpr std::string_view kCsrfCookie = "firma_csrf";
inline constexpr std::string_view kCsrfField = "csrf";
inline constexpr std::string_view kLangCookie = "lang";
inline constexpr std::string_view kStylesheetPath = "/static/firma.css";

// What a page needs beyond its request: randomness for CSRF tokens and the options.
struct PageSettings {
  Random& random;
  WebOptions options;

  bool secure_cookies() const { return options.public_url.rfind("https://", 0) == 0; }
};

// What the pages are built over; shared by every handler of web_routes().
struct WebContext {
  signer::TransactionService& transactions;
  identity::CitizenService& citizens;
  signer::ApplicationAuthorisations& authorisations;
  std::shared_ptr<const CitizenThrottle> throttle;
  PageSettings settings;
};

// A failure as the citizen reads it: the catalogue key, the HTTP status (from http_status, the one mapping)
// and the values its text names.
struct PageError {
  ErrorCode code = ErrorCode::internal;
  std::string key;                                    // "error.otp_invalid", ...
  std::optional<std::chrono::seconds> retry_after{};  // rate_limited: also sent as Retry-After
  std::optional<int> attempts_left{};                 // a wrong password or code, when the service counts
  int status() const noexcept;
};

// The SMS code can no longer be used (expired, used up, or wrong with no tries left): the citizen starts again.
bool code_spent(const Error& error) noexcept;

// The words for a service's error. `password_step` picks the NIF-and-password wording of invalid_credentials
// (the account-data wording otherwise); the tries left, when the service tells them, have their own words; the
// password policy's rule, when the message names one, gets its own key.
PageError page_error(const Error& error, bool password_step);
// A throttle's refusal (429 with Retry-After, or the database's error) as a page error.
PageError page_error(const Response& refusal);

// The language of a request: the "lang" cookie, then Accept-Language (RFC 9110 12.5.4, q-values), then Spanish.
Lang negotiate_lang(const Request& request);

// Content-Security-Policy of every page: nothing but our stylesheet; forms post to this origin (plus
// `form_action_extra`, an origin a form's redirect goes to: Chromium applies form-action to the redirects that
// follow a submission); never framed (frame-ancestors 'none', CSP 3 7.2); no <base>.
std::string content_security_policy(std::optional<std::string_view> form_action_extra = "");

// One page being answered.
class Page {
 public:
  Page(const PageSettings& settings, const Request& request);

  Lang lang() const noexcept { return lang_; }
  // The message of `key`, escaped, with its "{name}" values filled in.
  Html t(std::string_view key, std::initializer_list<std::pair<std::string_view, Html>> values = {}) const;

  // GET ...?lang=xx: 303 to the same page without it, setting the "lang" cookie; nullopt otherwise.
  std::optional<Response> language_redirect() const;

  // <input type="hidden" name="csrf"> with this browser's token (a new one is made and set as the cookie when
  // the request has none).
  Html csrf_field();
  // The form's token equals the cookie's (constant-time compare); both present and well-formed.
  bool csrf_ok(const Form& form) const;

  // The one cookie this response sets (Pistache 0.0.5 keeps one header of a name, so one Set-Cookie per
  // response): a later call replaces an earlier one. A new CSRF token's cookie goes only when no other is set.
  void set_cookie(std::string set_cookie_value) { cookie_ = std::move(set_cookie_value); }
  CookieOptions cookie_options(std::string path = "/") const;

  // The whole document: <html lang>, one <h1> (title_key), <main>, the language switch, the stylesheet; with
  // the security headers and the cookie.
  Response render(int status, std::string_view title_key, const Html& body);
  // An error page of its own (404, 403, ...): title, the error in role="alert" and a way back.
  Response error_page(const PageError& error, std::string_view title_key = "page.error.title");
  // 303 See Other (RFC 9110 15.4.4), with the security headers and the cookie.
  Response redirect(const std::string& location);
  // <div id="error" role="alert"> with the error's words, and the way out when there is one (a link to reset
  // a locked account's password, ...). Empty Html for no error.
  Html error_box(const std::optional<PageError>& error) const;

  // CSP form-action beyond 'self' for this response (see content_security_policy); nullopt drops the directive.
  void form_action_extra(std::optional<std::string> origin) { form_action_extra_ = std::move(origin); }

  const Request& request() const noexcept { return request_; }
  const PageSettings& settings() const noexcept { return settings_; }

 private:
  void finish(Response& response) const;

  const PageSettings& settings_;
  const Request& request_;
  Lang lang_;
  std::string csrf_;       // the token forms carry
  bool csrf_new_ = false;  // made for this response: set its cookie
  std::optional<std::string> cookie_;
  std::optional<std::string> form_action_extra_ = std::string();
};

// "2024-05-01T10:00:00Z" as the citizen reads it, in UTC ("1/5/2024 10:00 UTC" / "5/1/2024 10:00 UTC").
std::string display_time(Lang lang, Instant at);

}  // namespace firma::api::web
