// Form bodies, URL components and cookies for the web pages.
#include "form.h"

#include <cctype>
#include <cstdint>

#include "api/http/text.h"
#include "core/encoding.h"

namespace firma::api::web {
namespace {

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Well-formed UTF-8 (RFC 3629 4) without C0 controls (except tab), DEL or C1 controls.
bool clean_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t') || c == 0x7F) return false;
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0)
      n = 1, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
      n = 2, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
      n = 3, cp = c & 0x07;
    else
      return false;
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    const bool overlong = (n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp <= 0x9F)) return false;
    i += n + 1;
  }
  return true;
}

bool printable_ascii(std::string_view s) {
  for (char c : s)
    if (c <= 0x20 || c >= 0x7F) return false;
  return !s.empty();
}

}  // namespace

Form::~Form() {
  // The values include passwords and codes: wipe them before the memory is returned.
  for (auto& [name, value] : fields_) secure_wipe(value.data(), value.size());
}

std::string form_decode(std::string_view component) {
  std::string out;
  out.reserve(component.size());
  for (std::size_t i = 0; i < component.size(); ++i) {
    const char c = component[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < component.size() && hex_digit(component[i + 1]) >= 0 &&
               hex_digit(component[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(component[i + 1]) * 16 + hex_digit(component[i + 2]));
      i += 2;
    } else {
      out += c;  // a stray '%' stays as it is (WHATWG URL 1.3 percent-decode)
    }
  }
  return out;
}

Result<Form> Form::parse(std::string_view body) {
  Form form;
  std::size_t count = 0;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const auto pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    if (++count > kMaxFields) return make_error(ErrorCode::invalid_request, "the form has too many fields");
    const auto eq = pair.find('=');
    std::string name = form_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string() : form_decode(pair.substr(eq + 1));
    if (!printable_ascii(name)) return make_error(ErrorCode::invalid_request, "a form field has an invalid name");
    // The name only: the value may be a password.
    if (value.size() > kMaxValueBytes || !clean_utf8(value)) {
      secure_wipe(value.data(), value.size());
      return make_error(ErrorCode::invalid_request, "form field '" + name + "' is not acceptable text");
    }
    if (form.fields_.count(name) > 0) {
      secure_wipe(value.data(), value.size());
      return make_error(ErrorCode::invalid_request, "form field '" + name + "' is repeated");
    }
    form.fields_.emplace(std::move(name), std::move(value));
  }
  return form;
}

Result<Form> Form::of(const Request& request) {
  const auto type = request.header("content-type").value_or("");
  const auto media = detail::ascii_lower(detail::trim_ows(std::string_view(type).substr(0, type.find(';'))));
  if (media != "application/x-www-form-urlencoded")
    return make_error(ErrorCode::invalid_request, "a form (application/x-www-form-urlencoded) is expected");
  return parse(request.body);
}

std::string Form::value(std::string_view name) const {
  auto it = fields_.find(name);
  return it == fields_.end() ? std::string() : it->second;
}

std::string Form::trimmed(std::string_view name) const {
  auto v = value(name);
  const auto begin = v.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  const auto end = v.find_last_not_of(" \t");
  return v.substr(begin, end - begin + 1);
}

Secret Form::secret(std::string_view name) const {
  auto it = fields_.find(name);
  return it == fields_.end() ? Secret() : Secret(std::string_view(it->second));
}

std::map<std::string, std::string> request_cookies(const Request& request) {
  std::map<std::string, std::string> out;
  auto header = request.header("cookie");
  if (!header) return out;
  std::string_view rest(*header);
  while (!rest.empty()) {
    const auto semi = rest.find(';');
    auto pair = detail::trim_ows(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    auto name = detail::trim_ows(pair.substr(0, eq));
    auto value = detail::trim_ows(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    out.emplace(std::string(name), std::string(value));  // emplace keeps the first of a repeated name
  }
  return out;
}

std::optional<std::string> request_cookie(const Request& request, std::string_view name) {
  auto cookies = request_cookies(request);
  auto it = cookies.find(std::string(name));
  if (it == cookies.end()) return std::nullopt;
  return it->second;
}

std::string cookie_encode(std::string_view value) {
  return to_base64url(as_bytes(value));
}

std::optional<std::string> cookie_decode(std::string_view text) {
  auto bytes = from_base64url(text);
  if (!bytes) return std::nullopt;
  return to_string(*bytes);
}

std::string set_cookie(std::string_view name, std::string_view value, const CookieOptions& options) {
  std::string out = std::string(name) + "=" + std::string(value) + "; Path=" + options.path;
  if (options.max_age) out += "; Max-Age=" + std::to_string(options.max_age->count());
  out += "; HttpOnly; SameSite=" + options.same_site;
  if (options.secure) out += "; Secure";
  return out;
}

std::string clear_cookie(std::string_view name, CookieOptions options) {
  options.max_age = std::chrono::seconds(0);
  return set_cookie(name, "", options);
}

}  // namespace firma::api::web
