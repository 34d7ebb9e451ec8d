// The shared parts of every web page: language, CSRF, layout, security headers, errors in the citizen's words.
#include "page.h"

#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "api/http/text.h"
#include "core/percent_encoding.h"
#include "core/secret.h"
#include "policies/password_policy.h"
#include "resources.h"

namespace firma::api::web {
namespace {

constexpr std::size_t kCsrfBytes = 32;
constexpr std::chrono::seconds kLangCookieAge{365L * 24 * 3600};

bool well_formed_token(std::string_view token) {
  if (token.size() != kCsrfBytes * 2) return false;
  for (char c : token)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::optional<ErrorCode> parse_code(std::string_view text) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::internal); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    if (to_string(code) == text) return code;
  }
  return std::nullopt;
}

// The query string of a request without `lang`, re-encoded ("" when nothing is left).
std::string query_without_lang(const Request& request) {
  std::string out;
  for (const auto& [name, value] : request.query) {
    if (name == "lang") continue;
    out += (out.empty() ? "?" : "&") + percent_encode(name) + "=" + percent_encode(value);
  }
  return out;
}

}  // namespace

int PageError::status() const noexcept {
  return http_status(code);
}

bool code_spent(const Error& error) noexcept {
  return error.code == ErrorCode::otp_expired || error.code == ErrorCode::otp_exhausted ||
         (error.code == ErrorCode::otp_invalid && error.attempts_left == 0);
}

PageError page_error(const Error& error, bool password_step) {
  PageError e{error.code, "error." + std::string(to_string(error.code)), error.retry_after, error.attempts_left};
  // "{attempts}" in the words; none and one try left are worded apart.
  auto counted = [&e](const std::string& base) {
    if (!e.attempts_left) return;
    e.key = base + (*e.attempts_left <= 0 ? ".none" : *e.attempts_left == 1 ? ".one" : ".many");
  };
  switch (error.code) {
    case ErrorCode::invalid_credentials:
      e.key = password_step ? "error.invalid_credentials.password" : "error.invalid_credentials.data";
      if (password_step && e.attempts_left && *e.attempts_left > 0) counted("error.invalid_credentials.attempts");
      break;
    case ErrorCode::otp_invalid: counted("error.otp_invalid.attempts"); break;
    case ErrorCode::password_policy:
      for (auto rule : {policies::PasswordRule::too_short, policies::PasswordRule::too_few_groups,
                        policies::PasswordRule::contains_personal_data, policies::PasswordRule::invalid_encoding})
        if (error.message.find(policies::PasswordPolicy::describe(rule)) != std::string::npos)
          e.key = "error.password_policy." + std::string(policies::to_string(rule));
      break;
    default: break;
  }
  return e;
}

PageError page_error(const Response& refusal) {
  auto body = nlohmann::json::parse(refusal.body, nullptr, false);
  std::optional<ErrorCode> code;
  if (body.is_object() && body.contains("code") && body["code"].is_string())
    code = parse_code(body["code"].get<std::string>());
  PageError e = page_error(
      Error{code.value_or(refusal.status == 429 ? ErrorCode::rate_limited : ErrorCode::unavailable), ""}, false);
  for (const auto& [name, value] : refusal.headers)
    if (detail::ascii_lower(name) == "retry-after") e.retry_after = std::chrono::seconds(std::atoll(value.c_str()));
  return e;
}

Lang negotiate_lang(const Request& request) {
  if (auto cookie = request_cookie(request, kLangCookie))
    if (auto lang = parse_lang(*cookie)) return *lang;
  auto header = request.header("accept-language");
  if (!header) return kDefaultLang;
  // The first language range with the highest weight that we speak ("en-GB" matches en; "*" the default).
  std::optional<Lang> best;
  double best_q = 0;
  std::string_view rest(*header);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    auto item = detail::trim_ows(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    double q = 1.0;
    const auto semi = item.find(';');
    if (semi != std::string_view::npos) {
      auto params = item.substr(semi + 1);
      item = detail::trim_ows(item.substr(0, semi));
      const auto qpos = params.find("q=");
      if (qpos != std::string_view::npos) q = std::atof(std::string(params.substr(qpos + 2)).c_str());
    }
    auto primary = item.substr(0, item.find('-'));
    std::optional<Lang> lang = primary == "*" ? std::optional<Lang>(kDefaultLang) : parse_lang(primary);
    if (lang && q > best_q) {
      best = lang;
      best_q = q;
    }
  }
  return best.value_or(kDefaultLang);
}

std::string content_security_policy(std::optional<std::string_view> form_action_extra) {
  std::string csp = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";
  if (form_action_extra) {
    csp += "; form-action 'self'";
    if (!form_action_extra->empty()) csp += " " + std::string(*form_action_extra);
  }
  return csp;
}

Page::Page(const PageSettings& settings, const Request& request)
    : settings_(settings), request_(request), lang_(negotiate_lang(request)) {
  auto cookie = request_cookie(request, kCsrfCookie);
  if (cookie && well_formed_token(*cookie)) {
    csrf_ = *cookie;
  } else {
    csrf_ = settings.random.hex_token(kCsrfBytes);
    csrf_new_ = true;
  }
}

Html Page::t(std::string_view key, std::initializer_list<std::pair<std::string_view, Html>> values) const {
  const Html escaped = text(message(lang_, key));
  if (values.size() == 0) return escaped;
  return fill(escaped.str(), values);
}

std::optional<Response> Page::language_redirect() const {
  auto it = request_.query.find("lang");
  if (it == request_.query.end()) return std::nullopt;
  auto lang = parse_lang(it->second);
  Response r;
  r.status = 303;
  r.headers.emplace_back("Location", request_.path + query_without_lang(request_));
  if (lang) {
    // Lax, not Strict: a citizen arriving from the application's site keeps the language chosen before.
    auto options = cookie_options();
    options.same_site = "Lax";
    options.max_age = kLangCookieAge;
    r.headers.emplace_back("Set-Cookie", web::set_cookie(kLangCookie, lang_tag(*lang), options));
  }
  r.headers.emplace_back("Content-Security-Policy", content_security_policy());
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Html Page::csrf_field() {
  return fill(R"(<input type="hidden" name="csrf" value="{token}">)", {{"token", text(csrf_)}});
}

bool Page::csrf_ok(const Form& form) const {
  auto cookie = request_cookie(request_, kCsrfCookie);
  if (!cookie || !well_formed_token(*cookie)) return false;
  const auto sent = form.value(kCsrfField);
  if (sent.size() != cookie->size()) return false;
  return constant_time_equal(sent, *cookie);
}

CookieOptions Page::cookie_options(std::string path) const {
  CookieOptions options;
  options.path = std::move(path);
  options.secure = settings_.secure_cookies();
  return options;
}

void Page::finish(Response& response) const {
  auto& h = response.headers;
  h.emplace_back("Content-Security-Policy", content_security_policy(form_action_extra_));
  h.emplace_back("X-Frame-Options", "DENY");  // for browsers without CSP frame-ancestors (RFC 7034)
  h.emplace_back("Cache-Control", "no-store");
  h.emplace_back("Referrer-Policy", "no-referrer");  // the transaction id in /sign/{id} is a capability
  h.emplace_back("X-Content-Type-Options", "nosniff");
  h.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  h.emplace_back("Content-Language", std::string(lang_tag(lang_)));
  if (cookie_) {
    h.emplace_back("Set-Cookie", *cookie_);
  } else if (csrf_new_) {
    h.emplace_back("Set-Cookie", web::set_cookie(kCsrfCookie, csrf_, cookie_options()));
  }
}

Response Page::render(int status, std::string_view title_key, const Html& body) {
  const std::string other = lang_ == Lang::es ? "en" : "es";
  const Html page = fill(page_template("layout"), {{"lang", text(lang_tag(lang_))},
                                                   {"title", t(title_key)},
                                                   {"brand", t("site.brand")},
                                                   {"skip", t("site.skip")},
                                                   {"lang_nav", t("site.language")},
                                                   {"other", text(other)},
                                                   {"other_name", t("site.other_language")},
                                                   {"body", body},
                                                   {"footer", t("site.footer")}});
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = page.str();
  finish(r);
  return r;
}

Html Page::error_box(const std::optional<PageError>& error) const {
  if (!error) return {};
  Html words =
      t(error->key, {{"seconds", text(std::to_string(error->retry_after.value_or(std::chrono::seconds(60)).count()))},
                     {"attempts", text(std::to_string(error->attempts_left.value_or(0)))}});
  Html way_out;
  switch (error->code) {
    case ErrorCode::account_locked:
      way_out = fill(R"(<p><a href="/password/reset">{link}</a></p>)", {{"link", t("link.password_reset")}});
      break;
    case ErrorCode::account_not_active:
      way_out = fill(R"(<p><a href="/activate">{link}</a></p>)", {{"link", t("link.activate")}});
      break;
    case ErrorCode::password_expired:
      way_out = fill(R"(<p><a href="/password/change">{link}</a></p>)", {{"link", t("link.password_change")}});
      break;
    default: break;
  }
  return fill(page_template("error_box"), {{"words", words}, {"way_out", way_out}});
}

Response Page::error_page(const PageError& error, std::string_view title_key) {
  Html body = error_box(error);
  body += fill(R"(<p><a href="/">{home}</a></p>)", {{"home", t("link.home")}});
  Response r = render(error.status(), title_key, body);
  if (error.retry_after) r.headers.emplace_back("Retry-After", std::to_string(error.retry_after->count()));
  return r;
}

Response Page::redirect(const std::string& location) {
  Response r;
  r.status = 303;
  r.headers.emplace_back("Location", location);
  finish(r);
  return r;
}

std::string display_time(Lang lang, Instant at) {
  const std::time_t t = static_cast<std::time_t>(to_unix(at));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  const char* format = lang == Lang::es ? "%d/%m/%Y %H:%M UTC" : "%Y-%m-%d %H:%M UTC";
  const std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

}  // namespace firma::api::web
