// The server.* settings: where the HTTP server listens, how citizens reach it, TLS, threads and request size.
#pragma once

#include <cstddef>
#include <string>

#include "core/config.h"

namespace firma::api {

struct Settings {
  std::string listen = "127.0.0.1:8080";
  std::string public_url;  // base of confirm_url and AIA links; empty: http://LISTEN
  std::string tls_cert;    // PEM files; both set: HTTPS
  std::string tls_key;
  std::size_t threads = 64;  // handler threads: a password check waiting at the gate holds one (api/server.h)
  std::size_t max_body_bytes = 12 * 1024 * 1024;  // a whole request (FIRe's sample: 12 MB)
};

// server.listen, server.public_url, server.tls_cert, server.tls_key, server.threads, server.max_body_bytes.
const config::Keys<Settings>& setting_keys();

}  // namespace firma::api
