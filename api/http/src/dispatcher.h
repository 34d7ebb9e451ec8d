// The Pistache handler: frames requests (with an early size check), routes, authenticates, answers.
#pragma once

#include <pistache/http.h>
#include <pistache/peer.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/http/http.h"
#include "api/http/routes.h"
#include "handler_pool.h"
#include "request_reader.h"
#include "route_table.h"

namespace firma::api::detail {

// Request line and headers larger than this are refused (nginx's default allows 4 x 8 KiB).
inline constexpr std::size_t kMaxHeadBytes = 32 * 1024;

// After the server half-closes a connection (RFC 9112 9.6), how long it keeps reading, so that a client
// still sending (a refused upload) reads its answer rather than a reset: this long after the last byte
// that arrived, and never longer than kMaxLinger in all.
inline constexpr std::chrono::milliseconds kLinger{2'000};
inline constexpr std::chrono::milliseconds kMaxLinger{30'000};

struct ConnectionState;  // dispatcher.cpp
struct PendingRequest;   // dispatcher.cpp

// A connection the watchdog must come back to: a request that has not arrived in full by `at` (it is
// answered 408), or a half-closed connection whose client has not closed its side by `at`.
struct Deadline {
  enum class Kind { request, linger };
  Kind kind = Kind::request;
  std::weak_ptr<ConnectionState> connection;
  std::uint64_t exchange = 0;  // for a request: the connection's exchange number when it began
  std::chrono::steady_clock::time_point at;
};

// Shared by the handler copies Pistache makes for each I/O thread.
struct ServerState {
  std::unique_ptr<RouteTable> routes;
  Authenticator authenticate;
  std::size_t max_body_bytes = 0;
  std::chrono::milliseconds request_timeout{60'000};
  std::vector<ErrorDialect> error_dialects;
  std::vector<std::string> trusted_proxies;  // whose client_certificate_header is believed
  std::string client_certificate_header;     // lower case
  std::atomic<bool> draining{false};
  // Handlers run here, never on the I/O threads (handler_pool.h); stopped by shutdown() before the endpoint.
  std::unique_ptr<HandlerPool> handlers;

  // Filled on the I/O threads, emptied by the watchdog thread (expire_deadlines).
  std::mutex deadlines_mutex;
  std::vector<Deadline> deadlines;

  // Requests from their first byte until their response is written or their connection is gone;
  // shutdown() waits for this to reach zero.
  std::mutex mutex;
  std::condition_variable idle;
  std::size_t in_flight = 0;
};

// One in-flight request, counted while this object lives.
class InFlight {
 public:
  explicit InFlight(std::shared_ptr<ServerState> state);
  ~InFlight();
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  std::shared_ptr<ServerState> state_;
};

// Run by the server's watchdog thread: hands each connection whose deadline has passed back to its own
// I/O thread (through a one-shot Pistache timer), which answers 408 or ends the lingering close there.
void expire_deadlines(const std::shared_ptr<ServerState>& state, std::chrono::steady_clock::time_point now);

class Dispatcher final : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(Dispatcher)

  explicit Dispatcher(std::shared_ptr<ServerState> state) : state_(std::move(state)) {}

  // Unused (onInput frames requests itself); Pistache requires it.
  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter writer) override;

 private:
  // Replaces Pistache's framing (see request_reader.h) so that an oversize or malformed request gets a
  // problem+json answer before its body is read, and the connection then ignores the rest of it.
  void onInput(const char* buffer, size_t len, const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
  // Runs on a handler thread: answers the connection's complete requests one after the other, in the order
  // they came (HTTP/1.1 pipelining), until none is left.
  void serve(const std::shared_ptr<ConnectionState>& connection);
  // On a handler thread: routes, authenticates and runs the handler, then gives the answer to the
  // connection's I/O thread, which writes it in its turn. Never throws.
  void dispatch(PendingRequest request, const std::shared_ptr<ConnectionState>& connection);
  // The caller for a protected route, put on the request; or the 401/403/503 answer.
  std::optional<Response> authorize(const Route& route, Request& request) const;

  std::shared_ptr<ServerState> state_;
};

}  // namespace firma::api::detail
