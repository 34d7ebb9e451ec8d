// Request framing, routing, caller authentication, handler isolation, response headers, metrics and logs.
#include "dispatcher.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>

#include <pistache/http_header.h>

#include "core/log.h"
#include "request_reader.h"
#include "text.h"

namespace firma::api::detail {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kConnectionKey = "firma.connection";

}  // namespace

// A complete request waiting for a handler thread, or a refusal to send once the answers before it are out.
struct Pending {
  std::optional<ParsedRequest> request;
  std::optional<Response> refusal;
  std::string refused_method;
  Pistache::Http::Version version = Pistache::Http::Version::Http11;
  std::shared_ptr<InFlight> ticket;
};

// What the server remembers about one TCP connection between reads. The reader and `closing` belong to the
// connection's I/O thread; the queue is shared with the handler thread serving it.
struct ConnectionState {
  explicit ConnectionState(std::size_t max_body) : reader(kMaxHeadBytes, max_body) {}
  RequestReader reader;
  bool closing = false;  // refused or "Connection: close": ignore whatever else arrives
  std::shared_ptr<InFlight> in_flight;

  std::mutex mutex;
  std::deque<Pending> queue;
  bool serving = false;  // a handler thread is answering this connection's queue
};

namespace {

std::shared_ptr<ConnectionState> connection_state(Pistache::Tcp::Peer& peer, std::size_t max_body) {
  auto data = peer.tryGetData(kConnectionKey);
  if (data) return std::static_pointer_cast<ConnectionState>(data);
  auto state = std::make_shared<ConnectionState>(max_body);
  peer.putData(kConnectionKey, state);
  return state;
}

// A response header written as given. Pistache writes only typed headers, so every header we send
// goes through this one type.
class TextHeader final : public Pistache::Http::Header::Header {
 public:
  TextHeader(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
  uint64_t hash() const override { return Pistache::Http::Header::detail::hash(name_.c_str()); }

 private:
  std::string name_;
  std::string value_;
};

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

struct Exchange {
  std::string method;
  std::string path;
  std::string client;
  std::uint64_t connection = 0;
  std::size_t bytes_in = 0;
  bool keep_alive = false;
  Clock::time_point started;
};

// The exchange of a request refused while it was being read (it has no route).
Exchange refused_exchange(std::string method, const Pistache::Tcp::Peer& peer) {
  Exchange exchange;
  exchange.method = std::move(method);
  exchange.client = peer.address().host();
  exchange.connection = peer.getID();
  exchange.started = Clock::now();
  return exchange;
}

// Writes the response with the server's headers, then records it. The in-flight ticket is released
// when Pistache reports the write done (or drops it with the connection). `transport` is given on the
// connection's I/O thread only: the write is then flushed at once; from a handler thread it is queued, and the
// I/O thread, woken by the queue, writes it.
void answer(Pistache::Tcp::Transport* transport, Pistache::Http::ResponseWriter& writer, Response response,
            RouteStats& stats, const Exchange& exchange, std::shared_ptr<InFlight> ticket) {
  if (response.status < 100 || response.status > 599) {
    log::error("http_bad_status", {{"route", stats.name()}, {"status", response.status}});
    response = problem(ErrorCode::internal, "internal error");
  }
  auto& headers = writer.headers();
  auto add = [&headers](std::string name, std::string value) {
    headers.add(std::make_shared<TextHeader>(std::move(name), std::move(value)));
  };
  // Security headers first: the collection keeps the first header of a name, so a handler cannot
  // weaken them.
  add("X-Content-Type-Options", "nosniff");
  add("Referrer-Policy", "no-referrer");
  const bool private_path = exchange.path.rfind("/v1/", 0) == 0 || exchange.path == "/v1" || exchange.path.rfind("/sign/", 0) == 0;
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
  const std::size_t bytes_out = response.body.size();
  // Counted before the write: a client that has its answer must find it in /metrics.
  const double seconds = std::chrono::duration<double>(Clock::now() - exchange.started).count();
  stats.record(status, seconds);
  try {
    auto keep = ticket;
    writer.send(static_cast<Pistache::Http::Code>(status), response.body)
        .then([keep](ssize_t) {}, [keep](std::exception_ptr) {});
    // Write now, on this I/O thread. Left queued, Pistache 0.0.5 waits for an edge-triggered
    // "writable" event, which it ignores when the same event also says "readable": an answer given
    // while the client is still sending (an early 413) could then wait forever.
    if (transport != nullptr) transport->flush();
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

}  // namespace

InFlight::InFlight(std::shared_ptr<ServerState> state) : state_(std::move(state)) {
  std::lock_guard lock(state_->mutex);
  ++state_->in_flight;
}

InFlight::~InFlight() {
  std::lock_guard lock(state_->mutex);
  if (--state_->in_flight == 0) state_->idle.notify_all();
}

void Dispatcher::onInput(const char* buffer, size_t len, const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  auto conn = connection_state(*peer, state_->max_body_bytes);
  std::string_view input(buffer, len);
  while (!input.empty() && !conn->closing) {
    if (!conn->in_flight) {
      conn->in_flight = std::make_shared<InFlight>(state_);
      peer->setIdle(false);  // Pistache's timers: header/body timeout now, not the keep-alive one
    }
    const auto progress = conn->reader.feed(input);
    if (progress == RequestReader::State::need_more) {
      if (conn->reader.take_continue()) {
        // RFC 9110 10.1.1: the declared body is acceptable; say so, or the client waits.
        static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        peer->send(Pistache::RawBuffer(kContinue, kContinue.size()));
        transport()->flush();
      }
      return;
    }
    if (progress == RequestReader::State::refused) {
      // The client is told "Connection: close" and the rest of what it sends is ignored; the server does
      // not close first, so a client still sending a body reads this answer rather than a reset.
      const Refusal& refusal = conn->reader.refusal();
      conn->closing = true;
      Response response = refusal.status == 411
                              ? framing_problem(411, "Length required", refusal.error.message)
                              : problem(refusal.error);
      {
        std::lock_guard lock(conn->mutex);
        if (conn->serving) {
          // Answers to earlier requests are still being made: this one goes after them.
          conn->queue.push_back(Pending{std::nullopt, std::move(response), refusal.method,
                                        Pistache::Http::Version::Http11, std::move(conn->in_flight)});
          return;
        }
      }
      const Exchange exchange = refused_exchange(refusal.method, *peer);
      Pistache::Http::ResponseWriter writer(Pistache::Http::Version::Http11, transport(), this, peer);
      answer(transport(), writer, std::move(response), state_->routes->unmatched(exchange.method), exchange,
             std::move(conn->in_flight));
      return;
    }
    ParsedRequest request = conn->reader.take();
    if (!request.keep_alive) conn->closing = true;
    const auto version = request.http11 ? Pistache::Http::Version::Http11 : Pistache::Http::Version::Http10;
    bool start = false;
    {
      std::lock_guard lock(conn->mutex);
      conn->queue.push_back(Pending{std::move(request), std::nullopt, {}, version, std::move(conn->in_flight)});
      start = !std::exchange(conn->serving, true);
    }
    // The handler runs on a thread of the pool; this I/O thread goes on serving its other connections.
    if (start) state_->handlers->post([this, conn, peer] { serve(conn, peer); });
    // Restarts Pistache's idle clock for this connection (its parser is otherwise unused).
    getParser(peer)->reset();
  }
}

void Dispatcher::serve(const std::shared_ptr<ConnectionState>& conn, const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  for (;;) {
    Pending next;
    {
      std::lock_guard lock(conn->mutex);
      if (conn->queue.empty()) {
        conn->serving = false;
        return;
      }
      next = std::move(conn->queue.front());
      conn->queue.pop_front();
    }
    Pistache::Http::ResponseWriter writer(next.version, transport(), this, peer);
    if (next.request) {
      dispatch(std::move(*next.request), *peer, writer, std::move(next.ticket));
      continue;
    }
    const Exchange exchange = refused_exchange(std::move(next.refused_method), *peer);
    answer(nullptr, writer, std::move(*next.refusal), state_->routes->unmatched(exchange.method), exchange,
           std::move(next.ticket));
  }
}

void Dispatcher::onRequest(const Pistache::Http::Request&, Pistache::Http::ResponseWriter writer) {
  // Unused: onInput frames requests itself and calls dispatch(). Kept answerable all the same.
  writer.send(Pistache::Http::Code::Internal_Server_Error);
}

void Dispatcher::dispatch(ParsedRequest parsed, Pistache::Tcp::Peer& peer, Pistache::Http::ResponseWriter& writer,
                          std::shared_ptr<InFlight> ticket) {
  Exchange exchange;
  exchange.started = Clock::now();
  RouteStats* stats = nullptr;
  Response response;
  try {
    Request request;
    request.method = std::move(parsed.method);
    request.path = std::move(parsed.path);
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
    request.client_address = peer.address().host();
    request.connection = peer.getID();

    exchange.method = request.method;
    exchange.path = request.path;
    exchange.client = request.client_address;
    exchange.connection = request.connection;
    exchange.bytes_in = request.body.size();
    exchange.keep_alive = parsed.keep_alive;
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
    answer(nullptr, writer, std::move(response), *stats, exchange, std::move(ticket));
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
  const bool role_ok = route.access != Access::operator_role || route.roles.empty() ||
                       std::any_of(route.roles.begin(), route.roles.end(),
                                   [&caller](const std::string& role) { return caller->has_role(role); });
  if (!role_ok) return problem(ErrorCode::forbidden, "the caller lacks a role this endpoint requires");
  request.caller = std::move(caller).value();
  return std::nullopt;
}

}  // namespace firma::api::detail
