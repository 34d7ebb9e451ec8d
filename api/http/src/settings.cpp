// The server.* keys.
#include "api/http/settings.h"

#include "api/http/text.h"
#include "client_certificate.h"

namespace firma::api {

const config::Keys<Settings>& setting_keys() {
  static const config::Keys<Settings> keys = {
      config::text("server.listen", &Settings::listen),
      config::text("server.public_url", &Settings::public_url),
      config::text("server.tls_cert", &Settings::tls_cert),
      config::text("server.tls_key", &Settings::tls_key),
      config::count("server.threads", &Settings::threads, 1, 256),
      config::count("server.max_body_bytes", &Settings::max_body_bytes, 1024, 256u << 20),
      {"server.trusted_proxies",
       [](Settings& s, std::string_view v) -> Status {
         if (auto proxies = detail::parse_trusted_proxies(v); !proxies) return std::move(proxies).error();
         s.trusted_proxies = std::string(v);
         return {};
       }},
      {"server.client_certificate_header",
       [](Settings& s, std::string_view v) -> Status {
         if (!detail::is_token(v)) return make_error(ErrorCode::invalid_request, "expected a header name");
         s.client_certificate_header = detail::ascii_lower(v);
         return {};
       }},
  };
  return keys;
}

}  // namespace firma::api
