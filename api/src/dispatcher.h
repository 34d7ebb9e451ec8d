// The Pistache handler: frames requests (with an early size check), routes, authenticates, answers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <pistache/http.h>
#include <pistache/peer.h>

#include "api/http.h"
#include "api/routes.h"
#include "handler_pool.h"
#include "request_reader.h"
#include "route_table.h"

namespace firma::api::detail {

// Request line and headers larger than this are refused (nginx's default allows 4 x 8 KiB).
inline constexpr std::size_t kMaxHeadBytes = 32 * 1024;

// Shared by the handler copies Pistache makes for each I/O thread.
struct ServerState {
  std::unique_ptr<RouteTable> routes;
  Authenticator authenticate;
  std::size_t max_body_bytes = 0;
  std::atomic<bool> draining{false};
  // Handlers run here, never on the I/O threads (handler_pool.h); stopped by shutdown() before the endpoint.
  std::unique_ptr<HandlerPool> handlers;

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

struct ConnectionState;

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
  // Runs on a handler thread: answers the connection's queued requests one after the other, in the order they
  // came (HTTP/1.1 pipelining), until its queue is empty.
  void serve(const std::shared_ptr<ConnectionState>& conn, const std::shared_ptr<Pistache::Tcp::Peer>& peer);
  // Routes, authenticates and answers one complete request; never throws.
  void dispatch(ParsedRequest request, Pistache::Tcp::Peer& peer, Pistache::Http::ResponseWriter& writer,
                std::shared_ptr<InFlight> ticket);
  // The caller for a protected route, put on the request; or the 401/403/503 answer.
  std::optional<Response> authorize(const Route& route, Request& request) const;

  std::shared_ptr<ServerState> state_;
};

}  // namespace firma::api::detail
