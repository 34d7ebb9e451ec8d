// The server.* keys.
#include "api/http/settings.h"

namespace firma::api {

const config::Keys<Settings>& setting_keys() {
  static const config::Keys<Settings> keys = {
      config::text("server.listen", &Settings::listen),
      config::text("server.public_url", &Settings::public_url),
      config::text("server.tls_cert", &Settings::tls_cert),
      config::text("server.tls_key", &Settings::tls_key),
      config::count("server.threads", &Settings::threads, 1, 256),
      config::count("server.max_body_bytes", &Settings::max_body_bytes, 1024, 256u << 20),
  };
  return keys;
}

}  // namespace firma::api
