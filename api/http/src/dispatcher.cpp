// Request framing, routing, caller authentication, throttling, handler isolation, response headers, metrics and logs.
#include "dispatcher.h"

#include <openssl/ssl.h>
#include <pistache/async.h>
#include <pistache/http_defs.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>

#include "api/http/text.h"
#include "api/http/throttle.h"
#include "client_certificate.h"
#include "core/log.h"
#include "request_reader.h"

namespace firma::api::detail {

using Clock = std::chrono::steady_clock;

// A complete request on its way to a handler thread, with what the handler needs of its connection: the
// peer itself is touched on the connection's I/O thread only.
struct PendingRequest {
  ParsedRequest request;
  std::string client;
  std::uint64_t connection = 0;
  std::optional<Bytes> client_certificate;  // from the TLS handshake
  std::shared_ptr<InFlight> ticket;
};

// What the server remembers about one TCP connection between reads. Touched only on the connection's
// I/O thread, except `exchange`, which the watchdog reads, and `requests` and `serving`, which the handler
// threads share under `mutex`.
struct ConnectionState {
  ConnectionState(std::size_t max_body, Pistache::Tcp::Transport* io, std::weak_ptr<Pistache::Tcp::Peer> p)
      : reader(kMaxHeadBytes, max_body), transport(io), peer(std::move(p)) {}
  RequestReader reader;
  Pistache::Tcp::Transport* transport;  // the I/O thread that owns the connection
  std::weak_ptr<Pistache::Tcp::Peer> peer;
  std::optional<Bytes> client_certificate;  // what the client presented in the TLS handshake, read once

  // Complete requests not yet taken by a handler thread; `serving` while one takes them, one after the
  // other, so that a connection's handlers run in the order of its requests.
  std::mutex mutex;
  std::deque<PendingRequest> requests;
  bool serving = false;

  // Answers go out in the order of the requests (HTTP/1.1 pipelining): `handed` requests went to the
  // handler threads and `answered` of their answers are written; what the I/O thread writes itself (a
  // 100 Continue, a refusal, a 408) waits in `waiting` for the answers before it (`handed` when it came).
  std::uint64_t handed = 0;
  std::uint64_t answered = 0;
  std::deque<std::pair<std::uint64_t, std::function<void()>>> waiting;

  bool closing = false;  // refused, timed out or "Connection: close": ignore whatever else arrives
  bool ended = false;    // the answer that closes the connection is written: nothing goes out after it
  std::shared_ptr<InFlight> in_flight;
  std::atomic<std::uint64_t> exchange{0};  // bumped when a request begins and when it ends
  bool deadline_set = false;               // for the request in progress
  Clock::time_point started;               // first byte of the request in progress
  Clock::time_point last_input;
  Clock::time_point half_closed;
};

namespace {

constexpr const char* kConnectionKey = "firma.connection";

std::shared_ptr<ConnectionState> connection_state(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                                                  std::size_t max_body, Pistache::Tcp::Transport* transport) {
  auto data = peer->tryGetData(kConnectionKey);
  if (data) return std::static_pointer_cast<ConnectionState>(data);
  auto state = std::make_shared<ConnectionState>(max_body, transport, peer);
  state->client_certificate = peer_certificate(peer->ssl());
  peer->putData(kConnectionKey, state);
  return state;
}

void add_deadline(ServerState& state, Deadline deadline) {
  std::lock_guard lock(state.deadlines_mutex);
  state.deadlines.push_back(std::move(deadline));
}

// RFC 9112 9.6: the server closes its sending side first and goes on reading for a while (kLinger), so
// that bytes the client is still sending do not turn the close into a reset that would destroy the
// answer in the client's buffers. The client reads the answer, then the end of the stream.
void half_close(ServerState& state, const std::shared_ptr<ConnectionState>& connection) {
  auto peer = connection->peer.lock();
  if (!peer) return;
  // TLS first says close_notify (RFC 8446 6.1), so that the end of the stream is not taken for truncation.
  if (peer->ssl() != nullptr) SSL_shutdown(static_cast<SSL*>(peer->ssl()));
  ::shutdown(peer->fd(), SHUT_WR);
  connection->half_closed = Clock::now();
  add_deadline(state, {Deadline::Kind::linger, connection, 0, connection->half_closed + kLinger});
}

// Runs `work` on the I/O thread of `transport`, where a connection may be touched, at once and in the
// order asked. Pistache 0.0.5 has no call for this, but it takes timer requests from any thread through a
// queue that the transport's own thread drains in order, and there it refuses a timer that is no file
// (fd -1) at once, without a system timer: the refusal runs `work`. Every server test fails if that changes.
void on_io_thread(Pistache::Tcp::Transport& transport, std::function<void()> work) {
  Pistache::Async::Deferred<std::uint64_t> request;
  Pistache::Async::Promise<std::uint64_t> promise(
      [&request](Pistache::Async::Deferred<std::uint64_t> deferred) { request = std::move(deferred); });
  // Attached before the request is queued, so that it runs where the request is refused, never here.
  promise.then([](std::uint64_t) {},
               [work = std::move(work)](std::exception_ptr) {
                 try {
                   work();
                 } catch (const std::exception& e) {
                   log::error("http_io_work_failed", {{"exception", e.what()}});
                 }
               });
  transport.armTimer(-1, std::chrono::milliseconds(1), std::move(request));
}

// On the I/O thread: runs `write` once the answers to the requests that came before it are written.
void in_turn(ConnectionState& connection, std::function<void()> write) {
  if (connection.answered == connection.handed)
    write();
  else
    connection.waiting.emplace_back(connection.handed, std::move(write));
}

bool valid_header(std::string_view name, std::string_view value) {
  if (!is_token(name)) return false;
  // CR or LF in a value would let a handler inject headers (response splitting).
  return value.find_first_of("\r\n") == std::string_view::npos && value.find('\0') == std::string_view::npos;
}

// Framing headers belong to the server, never to a handler.
bool reserved_header(std::string_view name) {
  const auto n = ascii_lower(name);
  return n == "content-length" || n == "transfer-encoding" || n == "connection" || n == "content-type";
}

std::string http_date() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);  // RFC 9110 5.6.7
  return std::string(buf, n);
}

// 405 and 411 are HTTP framing answers with no ErrorCode of their own: the problem keeps code
// invalid_request and the real status, which RFC 9457 3.1.2 requires to match the response's.
Response framing_problem(int status, std::string title, std::string detail) {
  auto body = problem_body(make_error(ErrorCode::invalid_request, std::move(detail)));
  body["status"] = status;
  body["title"] = std::move(title);
  Response r = json_response(status, body);
  r.content_type = std::string(kProblemJson);
  return r;
}

Response method_not_allowed(const std::vector<std::string>& allowed) {
  Response r = framing_problem(405, "Method not allowed", "this method is not allowed on this resource");
  std::string allow;
  for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
  r.headers.emplace_back("Allow", allow);
  return r;
}

Response unauthorized(std::string detail, bool invalid_token) {
  Response r = problem(ErrorCode::unauthorized, std::move(detail));
  // RFC 6750 3: the challenge, with error="invalid_token" when a token was given but refused.
  r.headers.emplace_back("WWW-Authenticate",
                         invalid_token ? R"(Bearer realm="firma", error="invalid_token")" : R"(Bearer realm="firma")");
  return r;
}

std::optional<std::string> bearer_token(const std::optional<std::string>& header) {
  if (!header) return std::nullopt;
  std::string_view value = trim_ows(*header);
  auto space = value.find(' ');
  if (space == std::string_view::npos || ascii_lower(value.substr(0, space)) != "bearer") return std::nullopt;
  auto token = trim_ows(value.substr(space + 1));
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

// Percent-decoding can put any byte in a path parameter or a query value; a control character (a NUL,
// which no store can hold, a CR or LF that would split a log line) is refused here, by name.
std::optional<Response> refuse_control_characters(const Request& request) {
  for (const auto& [name, value] : request.params)
    if (has_control_character(value))
      return problem(ErrorCode::invalid_request, "path parameter '" + name + "' must not contain control characters");
  for (const auto& [name, value] : request.query) {
    if (has_control_character(name))
      return problem(ErrorCode::invalid_request, "query parameter names must not contain control characters");
    if (has_control_character(value))
      return problem(ErrorCode::invalid_request, "query parameter '" + name + "' must not contain control characters");
  }
  return std::nullopt;
}

std::optional<ErrorCode> parse_error_code(std::string_view text) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::internal); ++i)
    if (to_string(static_cast<ErrorCode>(i)) == text) return static_cast<ErrorCode>(i);
  return std::nullopt;
}

// A problem+json answer on a path whose front has its own error shape, in that shape.
Response in_dialect(const ServerState& state, const std::string& path, Response problem_response) {
  for (const ErrorDialect& d : state.error_dialects) {
    if (path.rfind(d.path_prefix, 0) != 0) continue;
    const auto body = nlohmann::json::parse(problem_response.body, nullptr, false);
    const std::string code = body.is_object() ? body.value("code", std::string()) : std::string();
    const std::string detail = body.is_object() ? body.value("detail", std::string()) : std::string();
    Response r = d.render(problem_response.status,
                          make_error(parse_error_code(code).value_or(ErrorCode::invalid_request), detail));
    for (auto& header : problem_response.headers)
      if (ascii_lower(header.first) == "allow" || ascii_lower(header.first) == "retry-after")
        r.headers.push_back(std::move(header));
    return r;
  }
  return problem_response;
}

struct Exchange {
  std::string method;
  std::string path;
  std::string client;
  std::uint64_t connection = 0;
  std::size_t bytes_in = 0;
  bool keep_alive = false;
  bool head = false;  // HEAD: the headers of the answer, without its body (RFC 9110 9.3.2)
  Clock::time_point started;
};

// The answer as bytes: status line, header fields, and the body unless the request was HEAD. Written
// here rather than by Pistache's ResponseWriter, which cannot send a HEAD answer's Content-Length.
std::string serialize(const Response& response, const std::vector<std::pair<std::string, std::string>>& headers,
                      bool head) {
  const auto code = static_cast<Pistache::Http::Code>(response.status);
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + Pistache::Http::codeString(code) + "\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  // RFC 9110 8.6: no Content-Length (and no content) in a 1xx, 204 or 304 answer.
  const bool no_content = response.status < 200 || response.status == 204 || response.status == 304;
  if (!no_content) out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  out += "\r\n";
  if (!no_content && !head) out += response.body;
  return out;
}

// On the I/O thread: writes the response with the server's headers, records it, and closes the connection
// after it when the exchange ends it. The in-flight ticket is released when the write is done (or the
// connection gone).
void answer(const std::shared_ptr<ServerState>& state, const std::shared_ptr<ConnectionState>& connection,
            const std::shared_ptr<Pistache::Tcp::Peer>& peer, Response response, RouteStats& stats,
            const Exchange& exchange, std::shared_ptr<InFlight> ticket) {
  if (response.status < 100 || response.status > 599) {
    log::error("http_bad_status", {{"route", stats.name()}, {"status", response.status}});
    response = problem(ErrorCode::internal, "internal error");
  }
  if (response.content_type == kProblemJson) response = in_dialect(*state, exchange.path, std::move(response));
  std::vector<std::pair<std::string, std::string>> headers;
  // The first header of a name wins, and the server's come first, so a handler cannot weaken them.
  auto add = [&headers](std::string name, std::string value) {
    const auto lower = ascii_lower(name);
    for (const auto& h : headers)
      if (ascii_lower(h.first) == lower) return;
    headers.emplace_back(std::move(name), std::move(value));
  };
  add("X-Content-Type-Options", "nosniff");
  add("Referrer-Policy", "no-referrer");
  const bool private_path =
      exchange.path.rfind("/v1/", 0) == 0 || exchange.path == "/v1" || exchange.path.rfind("/sign/", 0) == 0;
  if (private_path) add("Cache-Control", "no-store");
  add("Connection", exchange.keep_alive ? "keep-alive" : "close");
  add("Date", http_date());
  if (!response.content_type.empty()) add("Content-Type", response.content_type);
  for (auto& [name, value] : response.headers) {
    if (reserved_header(name)) continue;
    if (!valid_header(name, value)) {
      log::error("http_bad_header", {{"route", stats.name()}, {"header", name}});
      continue;
    }
    add(std::move(name), std::move(value));
  }

  const int status = response.status;
  const std::size_t bytes_out = exchange.head ? 0 : response.body.size();
  // Counted before the write: a client that has its answer must find it in /metrics.
  const double seconds = std::chrono::duration<double>(Clock::now() - exchange.started).count();
  stats.record(status, seconds);
  try {
    std::string wire = serialize(response, headers, exchange.head);
    const std::size_t size = wire.size();
    if (!connection->in_flight) {
      // No next request being read: Pistache's timers count the keep-alive timeout from now on.
      peer->setIdle(true);
      Pistache::Http::Handler::getParser(peer)->reset();
    }
    std::weak_ptr<ConnectionState> weak = connection;
    const bool close = !exchange.keep_alive;
    if (close) connection->closing = connection->ended = true;
    peer->send(Pistache::RawBuffer(std::move(wire), size))
        .then(
            [ticket, weak, state, close](ssize_t) {
              if (auto c = weak.lock(); c && close) half_close(*state, c);
            },
            [ticket](std::exception_ptr) {});
    // Write now, on this I/O thread. Left queued, Pistache 0.0.5 waits for an edge-triggered
    // "writable" event, which it ignores when the same event also says "readable": an answer given
    // while the client is still sending (an early 413) could then wait forever.
    connection->transport->flush();
  } catch (const std::exception& e) {
    log::warn("http_write_failed", {{"route", stats.name()}, {"error", e.what()}});
  }
  // Never the body, the query or the headers (Authorization): method, route name, status, timing.
  log::info("http_request", {{"method", exchange.method},
                             {"route", stats.name()},
                             {"status", status},
                             {"duration_ms", seconds * 1e3},
                             {"bytes_in", static_cast<std::uint64_t>(exchange.bytes_in)},
                             {"bytes_out", static_cast<std::uint64_t>(bytes_out)},
                             {"client", exchange.client},
                             {"connection", exchange.connection}});
}

// On the I/O thread: a handler's answer, in its turn (answers come back from the handler threads in the
// order of the requests), then whatever waited for it. Nothing is written after the answer that closes
// the connection, nor to a connection that is gone.
void deliver(const std::shared_ptr<ServerState>& state, const std::shared_ptr<ConnectionState>& connection,
             Response response, RouteStats& stats, const Exchange& exchange, std::shared_ptr<InFlight> ticket) {
  ++connection->answered;
  if (auto peer = connection->peer.lock(); peer && !connection->ended)
    answer(state, connection, peer, std::move(response), stats, exchange, std::move(ticket));
  while (!connection->waiting.empty() && connection->waiting.front().first <= connection->answered) {
    auto write = std::move(connection->waiting.front().second);
    connection->waiting.pop_front();
    write();
  }
}

// On the I/O thread: the last answer on a connection that the I/O thread makes itself (a refusal, a 408),
// written once the answers before it are.
void answer_in_turn(const std::shared_ptr<ServerState>& state, const std::shared_ptr<ConnectionState>& connection,
                    Response response, const Exchange& exchange, std::shared_ptr<InFlight> ticket) {
  in_turn(*connection,
          [state, connection, response = std::move(response), exchange, ticket = std::move(ticket)]() mutable {
            if (auto peer = connection->peer.lock(); peer && !connection->ended)
              answer(state, connection, peer, std::move(response), state->routes->unmatched(exchange.method), exchange,
                     std::move(ticket));
          });
}

// The watchdog's deadline, back on the connection's I/O thread: a request still incomplete is answered
// 408 and the connection closed; a lingering connection stops being read (Pistache then closes it).
void deadline_passed(const std::shared_ptr<ServerState>& state, const Deadline& deadline) {
  auto connection = deadline.connection.lock();
  if (!connection) return;
  auto peer = connection->peer.lock();
  if (!peer) return;
  const auto now = Clock::now();
  if (deadline.kind == Deadline::Kind::linger) {
    const auto quiet_until = connection->last_input + kLinger;
    if (quiet_until > now && now - connection->half_closed < kMaxLinger) {
      add_deadline(*state, {Deadline::Kind::linger, connection, 0, quiet_until});
      return;
    }
    // Shutting the receiving side makes the socket readable with nothing to read: Pistache sees the end
    // of the stream and closes the connection on its own thread.
    ::shutdown(peer->fd(), SHUT_RD);
    return;
  }
  if (connection->closing || !connection->in_flight || connection->exchange.load() != deadline.exchange) return;
  connection->closing = true;
  connection->exchange.fetch_add(1);
  Exchange exchange;
  exchange.method = connection->reader.refusal().method;
  exchange.client = peer->address().host();
  exchange.connection = peer->getID();
  exchange.started = connection->started;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(state->request_timeout).count();
  Response response = framing_problem(408, "Request timeout",
                                      "the request did not arrive in full within " + std::to_string(seconds) + " s");
  answer_in_turn(state, connection, std::move(response), exchange, std::move(connection->in_flight));
}

}  // namespace

InFlight::InFlight(std::shared_ptr<ServerState> state) : state_(std::move(state)) {
  std::lock_guard lock(state_->mutex);
  ++state_->in_flight;
}

InFlight::~InFlight() {
  std::lock_guard lock(state_->mutex);
  if (--state_->in_flight == 0) state_->idle.notify_all();
}

void expire_deadlines(const std::shared_ptr<ServerState>& state, Clock::time_point now) {
  std::vector<Deadline> due;
  {
    std::lock_guard lock(state->deadlines_mutex);
    auto& all = state->deadlines;
    auto passed = std::partition(all.begin(), all.end(), [now](const Deadline& d) { return d.at > now; });
    due.assign(std::make_move_iterator(passed), std::make_move_iterator(all.end()));
    all.erase(passed, all.end());
  }
  for (auto& deadline : due) {
    auto connection = deadline.connection.lock();
    if (!connection) continue;  // the client closed: the usual end of a lingering close
    if (deadline.kind == Deadline::Kind::request && connection->exchange.load() != deadline.exchange) continue;
    on_io_thread(*connection->transport, [state, deadline] { deadline_passed(state, deadline); });
  }
}

void Dispatcher::onInput(const char* buffer, size_t len, const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  auto conn = connection_state(peer, state_->max_body_bytes, transport());
  conn->last_input = Clock::now();
  std::string_view input(buffer, len);
  while (!input.empty() && !conn->closing) {
    if (!conn->in_flight) {
      conn->in_flight = std::make_shared<InFlight>(state_);
      conn->started = Clock::now();
      conn->exchange.fetch_add(1);
      conn->deadline_set = false;
      peer->setIdle(false);      // Pistache's timers: header/body timeout now, not the keep-alive one
      getParser(peer)->reset();  // ... counted from this request's first byte (a backstop: see server.cpp)
    }
    const auto progress = conn->reader.feed(input);
    if (progress == RequestReader::State::need_more) {
      if (conn->reader.take_continue()) {
        // RFC 9110 10.1.1: the declared body is acceptable; say so, or the client waits.
        in_turn(*conn, [conn] {
          static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          auto live = conn->peer.lock();
          if (!live || conn->ended) return;
          live->send(Pistache::RawBuffer(kContinue, kContinue.size()));
          conn->transport->flush();
        });
      }
      if (!conn->deadline_set) {
        // The rest of the request has until request_timeout after its first byte (408 after that).
        conn->deadline_set = true;
        add_deadline(*state_,
                     {Deadline::Kind::request, conn, conn->exchange.load(), conn->started + state_->request_timeout});
      }
      return;
    }
    conn->exchange.fetch_add(1);
    if (progress == RequestReader::State::refused) {
      // The framing is beyond repair: the answer says "Connection: close" and the connection is closed
      // after it (lingering, so that a client still sending a body reads this answer rather than a reset).
      const Refusal& refusal = conn->reader.refusal();
      conn->closing = true;
      Exchange exchange;
      exchange.method = refusal.method;
      exchange.path = refusal.path;
      exchange.client = peer->address().host();
      exchange.connection = peer->getID();
      exchange.started = Clock::now();
      Response response = refusal.status == 411 ? framing_problem(411, "Length required", refusal.error.message)
                                                : problem(refusal.error);
      answer_in_turn(state_, conn, std::move(response), exchange, std::move(conn->in_flight));
      return;
    }
    ParsedRequest request = conn->reader.take();
    if (!request.keep_alive) conn->closing = true;
    ++conn->handed;
    bool start = false;
    {
      std::lock_guard lock(conn->mutex);
      conn->requests.push_back({std::move(request), peer->address().host(), peer->getID(), conn->client_certificate,
                                std::move(conn->in_flight)});
      start = !std::exchange(conn->serving, true);
    }
    // The handler runs on a thread of the pool; this I/O thread goes on serving its other connections.
    if (start) state_->handlers->post([this, conn] { serve(conn); });
    // Pistache's timers: no request being read; restarts its idle clock (its parser is otherwise unused).
    peer->setIdle(true);
    getParser(peer)->reset();
  }
}

void Dispatcher::serve(const std::shared_ptr<ConnectionState>& connection) {
  for (;;) {
    PendingRequest next;
    {
      std::lock_guard lock(connection->mutex);
      if (connection->requests.empty()) {
        connection->serving = false;
        return;
      }
      next = std::move(connection->requests.front());
      connection->requests.pop_front();
    }
    dispatch(std::move(next), connection);
  }
}

void Dispatcher::onRequest(const Pistache::Http::Request&, Pistache::Http::ResponseWriter writer) {
  // Unused: onInput frames requests itself and calls dispatch(). Kept answerable all the same.
  writer.send(Pistache::Http::Code::Internal_Server_Error);
}

void Dispatcher::dispatch(PendingRequest pending, const std::shared_ptr<ConnectionState>& connection) {
  ParsedRequest& parsed = pending.request;
  Exchange exchange;
  exchange.started = Clock::now();
  exchange.keep_alive = parsed.keep_alive;
  exchange.head = parsed.method == "HEAD";
  RouteStats* stats = nullptr;
  Response response;
  try {
    Request request;
    request.method = std::move(parsed.method);
    request.path = std::move(parsed.path);
    request.raw_query = parsed.query;
    if (!parsed.query.empty()) {
      std::string_view query(parsed.query);
      while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        auto eq = pair.find('=');
        if (!pair.empty())
          request.query.emplace(percent_decode(pair.substr(0, eq)),
                                eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1)));
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
      }
    }
    for (auto& [name, value] : parsed.headers) request.set_header(name, std::move(value));
    request.body = std::move(parsed.body);
    request.client_address = std::move(pending.client);
    request.connection = pending.connection;
    request.client_certificate = std::move(pending.client_certificate);
    // A proxy that terminates TLS passes the client's certificate in a header; from anyone else the header is a
    // claim anybody can make, so it is dropped unread.
    if (auto forwarded = request.header(state_->client_certificate_header)) {
      request.remove_header(state_->client_certificate_header);
      if (is_trusted_proxy(request.client_address, state_->trusted_proxies))
        request.client_certificate = certificate_from_header(*forwarded);
    }

    exchange.method = request.method;
    exchange.path = request.path;
    exchange.client = request.client_address;
    exchange.connection = request.connection;
    exchange.bytes_in = request.body.size();
    stats = &state_->routes->unmatched(request.method);

    if (state_->draining.load()) {
      exchange.keep_alive = false;
      response = problem(ErrorCode::unavailable, "the server is shutting down");
    } else if (auto match = state_->routes->find(request.method, request.path); match.route != nullptr) {
      const Route& route = match.route->route;
      stats = match.route->stats.get();
      request.params = std::move(match.params);
      try {
        std::optional<Response> refusal;
        if (route.access != Access::anyone) refusal = authorize(route, request);
        if (!refusal) refusal = refuse_control_characters(request);
        if (!refusal && route.throttle.buckets) refusal = route.throttle.buckets->admit(route.throttle, request);
        response = refusal ? std::move(*refusal) : route.handler(request);
      } catch (const std::exception& e) {
        log::error("http_handler_exception", {{"route", stats->name()}, {"exception", e.what()}});
        response = problem(ErrorCode::internal, "internal error");
      } catch (...) {
        log::error("http_handler_exception", {{"route", stats->name()}, {"exception", "unknown"}});
        response = problem(ErrorCode::internal, "internal error");
      }
    } else if (!match.allowed.empty()) {
      response = method_not_allowed(match.allowed);
    } else {
      response = problem(ErrorCode::not_found, "no resource at this path");
    }
  } catch (const std::exception& e) {
    // Building the request failed (allocation): answer if we still can.
    log::error("http_dispatch_failed", {{"exception", e.what()}});
    response = problem(ErrorCode::internal, "internal error");
  }
  if (stats == nullptr) stats = &state_->routes->unmatched("OTHER");
  try {
    // The I/O thread that owns the connection (and its TLS session) writes the answer.
    on_io_thread(*connection->transport, [state = state_, connection, response = std::move(response), stats, exchange,
                                          ticket = std::move(pending.ticket)]() mutable {
      deliver(state, connection, std::move(response), *stats, exchange, std::move(ticket));
    });
  } catch (const std::exception& e) {
    log::error("http_answer_failed", {{"route", stats->name()}, {"exception", e.what()}});
  }
}

std::optional<Response> Dispatcher::authorize(const Route& route, Request& request) const {
  auto token = bearer_token(request.header("authorization"));
  request.remove_header("authorization");
  if (!token) return unauthorized("a bearer token is required", false);
  auto caller = state_->authenticate(route.access, *token);
  if (!caller.ok()) {
    const auto code = caller.error().code;
    // Why a token was refused is not the client's business; an outage is.
    if (code == ErrorCode::unauthorized || code == ErrorCode::invalid_credentials || code == ErrorCode::not_found)
      return unauthorized("the bearer token is not valid", true);
    return problem(caller.error());
  }
  const bool wanted_kind = route.access == Access::operator_role ? caller->kind == Caller::Kind::operator_
                                                                 : caller->kind == Caller::Kind::application;
  if (!wanted_kind) return problem(ErrorCode::forbidden, "this endpoint is not for this kind of caller");
  const bool role_ok =
      route.access != Access::operator_role || route.roles.empty() ||
      std::any_of(route.roles.begin(), route.roles.end(), [&caller](Role role) { return caller->has_role(role); });
  if (!role_ok) return problem(ErrorCode::forbidden, "the caller lacks a role this endpoint requires");
  request.caller = std::move(caller).value();
  return std::nullopt;
}

}  // namespace firma::api::detail
