// Server lifecycle: validate and compile the table, bind a Pistache endpoint, drain and stop it.
#include "api/http/server.h"

#include <arpa/inet.h>
#include <pistache/endpoint.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "api/http/text.h"
#include "client_certificate.h"
#include "core/log.h"
#include "dispatcher.h"

namespace firma::api {

ServerOptions server_options(const Settings& config) {
  ServerOptions options;
  options.listen = config.listen;
  options.threads = config.threads;
  options.max_body_bytes = config.max_body_bytes;
  options.tls_cert = config.tls_cert;
  options.tls_key = config.tls_key;
  // Checked when the setting was read.
  if (auto proxies = detail::parse_trusted_proxies(config.trusted_proxies))
    options.trusted_proxies = std::move(*proxies);
  options.client_certificate_header = config.client_certificate_header;
  return options;
}

namespace {

// HOST:PORT with HOST an IP literal (IPv6 in brackets) or localhost. Pistache would resolve other names
// itself and, when that fails in a release build, bind to whatever its default address is.
Status check_listen(const std::string& listen) {
  const auto bad = [&listen](const std::string& why) {
    return make_error(ErrorCode::invalid_request, "listen address '" + listen + "': " + why);
  };
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad("expected HOST:PORT");
  const std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) || std::stoul(port) > 65535)
    return bad("port must be a number from 0 to 65535");
  unsigned char buf[16];
  if (host == "localhost") return {};
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) == 1) return {};
    return bad("not an IPv6 address");
  }
  if (inet_pton(AF_INET, host.c_str(), buf) == 1) return {};
  return bad("HOST must be an IP address or localhost");
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  std::vector<Route> routes;
  Authenticator authenticator;

  std::mutex lifecycle;  // start() and shutdown() one at a time
  bool started = false;
  std::shared_ptr<detail::ServerState> state;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint;
  std::atomic<std::uint16_t> port{0};
  std::atomic<bool> stopping{false};

  // The watchdog: answers 408 to requests that do not arrive in time and ends lingering closes
  // (detail::expire_deadlines). Pistache's own header and body timeouts answer 408 without a body.
  std::thread watchdog;
  std::mutex watchdog_mutex;
  std::condition_variable watchdog_wake;
  bool watchdog_stop = false;

  void run_watchdog() {
    const auto tick = std::clamp<std::chrono::milliseconds>(options.request_timeout / 4, std::chrono::milliseconds(10),
                                                            std::chrono::milliseconds(250));
    std::unique_lock lock(watchdog_mutex);
    while (!watchdog_wake.wait_for(lock, tick, [this] { return watchdog_stop; })) {
      lock.unlock();
      detail::expire_deadlines(state, std::chrono::steady_clock::now());
      lock.lock();
    }
  }
  void stop_watchdog() {
    if (!watchdog.joinable()) return;
    {
      std::lock_guard lock(watchdog_mutex);
      watchdog_stop = true;
    }
    watchdog_wake.notify_all();
    watchdog.join();
  }
};

Server::Server(ServerOptions options, std::vector<Route> routes, Authenticator authenticator)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->routes = std::move(routes);
  impl_->authenticator = std::move(authenticator);
}

Server::~Server() {
  shutdown();
}

Status Server::start() {
  std::lock_guard lock(impl_->lifecycle);
  auto& o = impl_->options;
  if (impl_->started) return make_error(ErrorCode::internal, "server already started");
  impl_->started = true;

  if (o.threads == 0) return make_error(ErrorCode::invalid_request, "server threads must be at least 1");
  if (o.max_body_bytes == 0)
    return make_error(ErrorCode::invalid_request, "server max body size must be at least 1 byte");
  if (o.request_timeout <= std::chrono::milliseconds(0))
    return make_error(ErrorCode::invalid_request, "server request timeout must be positive");
  if (o.tls_cert.empty() != o.tls_key.empty())
    return make_error(ErrorCode::invalid_request, "TLS needs both a certificate and a key file");
  if (auto s = check_listen(o.listen); !s) return s;

  auto table = detail::RouteTable::build(std::move(impl_->routes));
  if (!table) return std::move(table).error();
  if ((*table)->needs_authentication() && !impl_->authenticator)
    return make_error(ErrorCode::internal, "the route table has protected routes but no authenticator");

  auto state = std::make_shared<detail::ServerState>();
  state->routes = std::move(*table);
  state->authenticate = std::move(impl_->authenticator);
  state->max_body_bytes = o.max_body_bytes;
  state->request_timeout = o.request_timeout;
  state->error_dialects = o.error_dialects;
  state->trusted_proxies = o.trusted_proxies;
  state->client_certificate_header = detail::ascii_lower(o.client_certificate_header);
  state->handlers = std::make_unique<detail::HandlerPool>(o.threads);
  // The I/O threads only frame requests and write answers: one per core is plenty.
  const std::size_t io_threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, o.threads);

  try {
    auto endpoint = std::make_unique<Pistache::Http::Endpoint>(Pistache::Address(o.listen));
    auto flags = Pistache::Flags<Pistache::Tcp::Options>(Pistache::Tcp::Options::ReuseAddr);
    flags.setFlag(Pistache::Tcp::Options::NoDelay);
    flags.setFlag(Pistache::Tcp::Options::CloseOnExec);
    // Request size limits are the dispatcher's (it frames requests itself); Pistache's parser is idle.
    // Its header and body timeouts stay as a backstop behind the watchdog's, which answers first.
    const auto backstop = o.request_timeout + std::chrono::seconds(30);
    auto opts = Pistache::Http::Endpoint::options()
                    .threads(static_cast<int>(io_threads))
                    .threadsName("firma-http")
                    .flags(flags)
                    .headerTimeout(backstop)
                    .bodyTimeout(backstop);
    endpoint->init(opts);
    endpoint->setHandler(std::make_shared<detail::Dispatcher>(state));
    if (!o.tls_cert.empty()) {
      try {
        if (Status s = detail::request_client_certificates([&] { endpoint->useSSL(o.tls_cert, o.tls_key); }); !s)
          return s;
      } catch (const std::exception& e) {
        return make_error(ErrorCode::invalid_request,
                          "cannot use TLS certificate " + o.tls_cert + " and key " + o.tls_key + ": " + e.what());
      }
    }
    endpoint->serveThreaded();
    impl_->port = endpoint->getPort();
    impl_->endpoint = std::move(endpoint);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::unavailable, "cannot listen on " + o.listen + ": " + e.what());
  }
  impl_->state = std::move(state);
  impl_->watchdog = std::thread([impl = impl_.get()] { impl->run_watchdog(); });
  log::info("http_listening", {{"listen", o.listen},
                               {"port", static_cast<unsigned>(impl_->port.load())},
                               {"tls", !o.tls_cert.empty()},
                               {"threads", static_cast<std::uint64_t>(o.threads)},
                               {"io_threads", static_cast<std::uint64_t>(io_threads)}});
  return {};
}

std::uint16_t Server::port() const noexcept {
  return impl_->port.load();
}

bool Server::stopping() const noexcept {
  return impl_->stopping.load();
}

void Server::shutdown() noexcept {
  try {
    std::lock_guard lock(impl_->lifecycle);
    if (!impl_->endpoint) return;
    impl_->stopping = true;
    auto& state = *impl_->state;
    state.draining = true;
    {
      std::unique_lock wait(state.mutex);
      if (!state.idle.wait_for(wait, impl_->options.drain_timeout, [&state] { return state.in_flight == 0; }))
        log::warn("http_drain_timeout", {{"in_flight", static_cast<std::uint64_t>(state.in_flight)}});
    }
    // Before the endpoint goes: the watchdog and the handler threads hand work to its I/O threads. Handlers
    // still running finish, and their answers are written while the endpoint still exists.
    impl_->stop_watchdog();
    state.handlers->stop();
    impl_->endpoint->shutdown();
    impl_->endpoint.reset();  // joins the accept and I/O threads, closes every connection
    log::info("http_stopped", {{"port", static_cast<unsigned>(impl_->port.load())}});
  } catch (const std::exception& e) {
    log::error("http_shutdown_failed", {{"exception", e.what()}});
  } catch (...) {
    log::error("http_shutdown_failed", {{"exception", "unknown"}});
  }
}

}  // namespace firma::api
