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
  // Behind a TLS-terminating proxy: the addresses of the proxies (comma-separated IPs) whose client-certificate
  // header is believed; empty: the header is never believed. And the header (nginx: $ssl_client_escaped_cert).
  std::string trusted_proxies;
  std::string client_certificate_header = "x-clientcert";
};

// server.listen, server.public_url, server.tls_cert, server.tls_key, server.threads, server.max_body_bytes,
// server.trusted_proxies, server.client_certificate_header.
const config::Keys<Settings>& setting_keys();

}  // namespace firma::api
