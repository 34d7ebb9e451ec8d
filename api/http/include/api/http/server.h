// The HTTP server: serves a route table over Pistache with problem+json errors, limits, metrics and logs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/http/routes.h"
#include "api/http/settings.h"
#include "core/result.h"

namespace firma::api {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT ("[::1]:8080" for IPv6); port 0 picks a free one
  std::size_t threads = 64;               // handler threads (the I/O threads are one per core)
  std::size_t max_body_bytes = 12 * 1024 * 1024;
  // PEM files; both set: HTTPS only. Pistache 0.0.5 does the TLS handshake on its one accept thread,
  // so a client that connects and stalls delays every new connection: in front of many clients,
  // terminate TLS at the proxy (deploy/ uses nginx) and serve plain HTTP on a private address.
  // With TLS, every client is asked for a certificate, none is required (Request::client_certificate), and TLS 1.2
  // and 1.3 are accepted.
  std::string tls_cert{};
  std::string tls_key{};
  // Whose `client_certificate_header` is believed (IP addresses); empty: nobody's.
  std::vector<std::string> trusted_proxies{};
  std::string client_certificate_header = "x-clientcert";
  std::chrono::milliseconds drain_timeout{30'000};  // how long shutdown() waits for in-flight requests
  // A request must arrive in full (head and body) within this time of its first byte, or it is answered
  // 408 and its connection closed.
  std::chrono::milliseconds request_timeout{60'000};
  // Fronts whose errors are not problem+json (CSC's {error, error_description}): the server's own refusals on
  // their paths (framing, 404, 405, 413, 503 while draining) are rendered by them.
  std::vector<ErrorDialect> error_dialects{};
};

ServerOptions server_options(const Settings& config);

namespace detail {
struct ServerState;
}

// Lifecycle: construct with the whole table, start() once, shutdown() (or the destructor) once or more.
// Pistache's I/O threads (one per core) frame requests and write answers; handlers run on `threads` threads of
// their own, a connection's requests one after the other, so that a handler that waits (a password check queued
// at the Argon2id gate) never holds up another connection. A handler that throws gets a 500 problem and is logged.
class Server {
 public:
  Server(ServerOptions options, std::vector<Route> routes, Authenticator authenticator);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Builds the router from the table and binds. An error line (bad table, bad address, port in use,
  // unreadable TLS files) when it cannot; never throws.
  Status start();
  // The bound port (useful with port 0); 0 before start().
  std::uint16_t port() const noexcept;
  // Stops taking requests (new ones get 503 unavailable), waits for in-flight requests to be answered
  // (up to drain_timeout), then closes every connection and joins the threads. Idempotent.
  void shutdown() noexcept;
  // True once shutdown() has begun.
  bool stopping() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace firma::api
