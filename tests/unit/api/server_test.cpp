// The server over real HTTP on 127.0.0.1 (port 0), driven with cpp-httplib and a raw socket.
#include "api/http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "api/rest/system_routes.h"
#include "client_certificate.h"
#include "core/encoding.h"
#include "core/log.h"
#include "core/percent_encoding.h"
#include "support/temp_dir.h"

namespace firma::api {
namespace {

// Stands in for the operator/application token services of later issues.
Result<Caller> fake_authenticator(Access, std::string_view token) {
  if (token == "admin-token") return Caller{Caller::Kind::operator_, "op-admin", {Role::admin}};
  if (token == "auditor-token") return Caller{Caller::Kind::operator_, "op-auditor", {Role::auditor}};
  if (token == "app-key") return Caller{Caller::Kind::application, "app-1", {}};
  if (token == "outage") return make_error(ErrorCode::unavailable, "token store unreachable");
  return make_error(ErrorCode::unauthorized, "unknown token");
}

// Captures log lines written from the server's threads.
class LogCapture {
 public:
  LogCapture() {
    log::set_sink([this](std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    });
  }
  ~LogCapture() { log::set_sink(nullptr); }
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

std::optional<std::uint64_t> metric_value(const std::string& text, const std::string& series) {
  auto at = text.find(series + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stoull(text.substr(at + series.size() + 1));
}

class ApiServer : public ::testing::Test {
 protected:
  static constexpr std::size_t kMaxBody = 1024;

  std::vector<Route> routes() {
    ReadinessProbe fake_database{"fake_database", [this]() -> Status {
                                   if (fake_database_up) return {};
                                   return make_error(ErrorCode::unavailable, "password=swordfish host unreachable");
                                 }};
    auto table = system_routes({fake_database}, openapi_text);
    table.push_back({"POST",
                     "/test/echo",
                     Access::anyone,
                     {},
                     [](const Request& r) {
                       auto body = parse_json_object(r.body);
                       if (!body) return problem(body.error());
                       auto name = required_field<std::string>(*body, "name");
                       if (!name) return problem(name.error());
                       return json_response(200, {{"name", *name}, {"bytes", r.body.size()}});
                     },
                     "echo"});
    table.push_back({"GET",
                     "/test/throw",
                     Access::anyone,
                     {},
                     [](const Request&) -> Response { throw std::runtime_error("handler bug"); },
                     "throw"});
    table.push_back({"GET",
                     "/test/connection",
                     Access::anyone,
                     {},
                     [](const Request& r) {
                       return json_response(200, {{"connection", r.connection}});
                     },
                     ""});
    table.push_back({"GET",
                     "/test/slow",
                     Access::anyone,
                     {},
                     [this](const Request&) {
                       slow_entered.set_value();
                       slow_release.get_future().wait();
                       return text_response(200, "finished");
                     },
                     "slow"});
    table.push_back({"GET",
                     "/v1/admin/things/:id",
                     Access::operator_role,
                     {Role::admin},
                     [](const Request& r) {
                       return json_response(200, {{"caller", r.caller ? r.caller->id : ""},
                                                  {"id", r.params.at("id")},
                                                  {"x", r.query.count("x") ? r.query.at("x") : ""},
                                                  {"saw_authorization", r.header("authorization").has_value()}});
                     },
                     "admin_thing"});
    table.push_back({"GET",
                     "/v1/apps/ping",
                     Access::application,
                     {},
                     [](const Request& r) {
                       return json_response(200, {{"caller", r.caller->id}});
                     },
                     "app_ping"});
    table.push_back({"GET",
                     "/test/certificate",
                     Access::anyone,
                     {},
                     [](const Request& r) {
                       return json_response(
                           200, {{"sha256", r.client_certificate ? to_hex(sha256(*r.client_certificate)) : "none"},
                                 {"saw_header", r.header("x-clientcert").has_value()}});
                     },
                     "certificate"});
    return table;
  }

  void start(ServerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    options.request_timeout = request_timeout;
    options.max_body_bytes = kMaxBody;
    options.threads = 2;
    server = std::make_unique<Server>(options, routes(), fake_authenticator);
    auto status = server->start();
    ASSERT_TRUE(status.ok()) << status.error().message;
    ASSERT_NE(server->port(), 0);
  }

  httplib::Client client() {
    httplib::Client c("127.0.0.1", server->port());
    c.set_tcp_nodelay(true);
    c.set_connection_timeout(5);
    c.set_read_timeout(10);
    c.set_write_timeout(10);
    return c;
  }

  static void expect_problem(const httplib::Result& res, int status, const std::string& code) {
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json");
    auto body = nlohmann::json::parse(res->body);
    EXPECT_EQ(body["code"], code) << res->body;
    EXPECT_EQ(body["status"], status);
    EXPECT_TRUE(body.contains("type") && body.contains("title") && body.contains("detail")) << res->body;
  }

  std::string openapi_text = "openapi: 3.0.3\ninfo: {title: test, version: '1'}\npaths: {}\n";
  std::chrono::milliseconds request_timeout{60'000};
  std::atomic<bool> fake_database_up{true};
  std::promise<void> slow_entered, slow_release;
  std::unique_ptr<Server> server;
};

TEST_F(ApiServer, HealthAnswersOkWithSecurityHeaders) {
  start();
  auto res = client().Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(nlohmann::json::parse(res->body), (nlohmann::json{{"status", "ok"}}));
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(res->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_FALSE(res->get_header_value("Date").empty());
}

TEST_F(ApiServer, ReadinessFollowsTheProbes) {
  start();
  auto c = client();
  auto ready = c.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(nlohmann::json::parse(ready->body),
            (nlohmann::json{{"status", "ready"}, {"checks", {{"fake_database", "ok"}}}}));

  fake_database_up = false;
  auto down = c.Get("/readyz");
  expect_problem(down, 503, "unavailable");
  auto body = nlohmann::json::parse(down->body);
  EXPECT_NE(body["detail"].get<std::string>().find("fake_database"), std::string::npos);
  EXPECT_EQ(body["checks"]["fake_database"], "failing");
  EXPECT_EQ(down->body.find("swordfish"), std::string::npos) << "a probe's reason must not reach the client";

  fake_database_up = true;
  EXPECT_EQ(c.Get("/readyz")->status, 200);
}

TEST_F(ApiServer, MetricsCountRequestsPerRouteMethodAndStatus) {
  start();
  auto c = client();
  const std::string series = R"(firma_http_requests_total{route="healthz",method="GET",status="200"})";
  auto before = c.Get("/metrics");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto base = metric_value(before->body, series).value_or(0);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(c.Get("/healthz")->status, 200);
  auto after = c.Get("/metrics");
  ASSERT_TRUE(after);
  EXPECT_EQ(metric_value(after->body, series), base + 3) << after->body;
  EXPECT_NE(after->body.find(R"(firma_http_request_duration_seconds_count{route="healthz"})"), std::string::npos);
  EXPECT_NE(after->body.find("# TYPE firma_http_request_duration_seconds histogram"), std::string::npos);

  ASSERT_EQ(c.Get("/no/such/thing")->status, 404);
  auto unmatched = c.Get("/metrics");
  EXPECT_NE(unmatched->body.find(R"(firma_http_requests_total{route="unmatched",method="GET",status="404"})"),
            std::string::npos);
  EXPECT_EQ(unmatched->body.find("/no/such/thing"), std::string::npos) << "raw paths must not become labels";
}

TEST_F(ApiServer, ServesTheOpenApiDocument) {
  auto text = load_openapi(std::filesystem::path(FIRMA_SOURCE_DIR) / "docs" / "openapi.yaml");
  ASSERT_TRUE(text.ok()) << text.error().message;
  ASSERT_NE(text->find("\nopenapi: 3.0.3\n"), std::string::npos);
  openapi_text = *text;
  start();
  auto res = client().Get("/openapi.yaml");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/yaml");
  EXPECT_EQ(res->body, *text);
}

TEST(ApiLoadOpenApi, NamesEveryPlaceItLooked) {
  testing::TempDir dir;
  auto missing = load_openapi(std::vector<std::filesystem::path>{dir.path() / "a.yaml", dir.path() / "b.yaml"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("a.yaml"), std::string::npos);
  EXPECT_NE(missing.error().message.find("b.yaml"), std::string::npos);
  testing::write_file(dir.path() / "b.yaml", "openapi: 3.0.3\n");
  auto found = load_openapi(std::vector<std::filesystem::path>{dir.path() / "a.yaml", dir.path() / "b.yaml"});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, "openapi: 3.0.3\n");
  auto candidates = openapi_candidates("/opt/firma/bin");
  ASSERT_FALSE(candidates.empty());
  EXPECT_EQ(candidates.front(), std::filesystem::path("/opt/firma/bin/openapi.yaml"));
}

TEST_F(ApiServer, UnknownRouteIsNotFoundProblem) {
  start();
  expect_problem(client().Get("/v1/nothing/here"), 404, "not_found");
  expect_problem(client().Get("/"), 404, "not_found");
}

TEST_F(ApiServer, WrongMethodIsMethodNotAllowedWithAllow) {
  start();
  auto res = client().Delete("/healthz");
  expect_problem(res, 405, "invalid_request");
  EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
}

TEST_F(ApiServer, OversizeBodyWithContentLengthIsPayloadTooLarge) {
  start();
  auto c = client();
  // Far larger than the limit: the server must answer without buffering it and without a reset.
  std::string body(4 * 1024 * 1024, 'x');
  expect_problem(c.Post("/test/echo", body, "application/json"), 413, "payload_too_large");
  // The server keeps serving other connections.
  EXPECT_EQ(client().Get("/healthz")->status, 200);
}

TEST_F(ApiServer, BodyAtTheLimitIsAccepted) {
  start();
  std::string prefix = R"({"name":")";
  std::string suffix = R"("})";
  std::string body = prefix + std::string(kMaxBody - prefix.size() - suffix.size(), 'a') + suffix;
  ASSERT_EQ(body.size(), kMaxBody);
  auto res = client().Post("/test/echo", body, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(nlohmann::json::parse(res->body)["bytes"], kMaxBody);
  expect_problem(client().Post("/test/echo", body + " ", "application/json"), 413, "payload_too_large");
}

TEST_F(ApiServer, ChunkedBodyIsRefusedWithLengthRequired) {
  start();
  auto c = client();
  int chunks = 0;
  auto res = c.Post(
      "/test/echo",
      [&chunks](size_t, httplib::DataSink& sink) {
        std::string piece(512, 'y');
        if (chunks++ < 64) {
          sink.write(piece.data(), piece.size());
        } else {
          sink.done();
        }
        return true;
      },
      "application/json");
  expect_problem(res, 411, "invalid_request");
}

TEST_F(ApiServer, MalformedJsonIsInvalidRequest) {
  start();
  auto res = client().Post("/test/echo", R"({"name": "secret-value)", "application/json");
  expect_problem(res, 400, "invalid_request");
  EXPECT_EQ(res->body.find("secret-value"), std::string::npos);
  expect_problem(client().Post("/test/echo", R"({"name": 42})", "application/json"), 400, "invalid_request");
  auto ok = client().Post("/test/echo", R"({"name": "ana"})", "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(ApiServer, OperatorRouteWithoutTokenIsUnauthorized) {
  start();
  auto res = client().Get("/v1/admin/things/1");
  expect_problem(res, 401, "unauthorized");
  EXPECT_EQ(res->get_header_value("WWW-Authenticate"), R"(Bearer realm="firma")");
  expect_problem(client().Get("/v1/admin/things/1", {{"Authorization", "Basic YWJjOmRlZg=="}}), 401, "unauthorized");
}

TEST_F(ApiServer, OperatorRouteWithRejectedTokenIsUnauthorized) {
  start();
  auto res = client().Get("/v1/admin/things/1", {{"Authorization", "Bearer not-a-token"}});
  expect_problem(res, 401, "unauthorized");
  EXPECT_EQ(res->get_header_value("WWW-Authenticate"), R"(Bearer realm="firma", error="invalid_token")");
}

TEST_F(ApiServer, OperatorRouteWithoutTheRoleIsForbidden) {
  start();
  expect_problem(client().Get("/v1/admin/things/1", {{"Authorization", "Bearer auditor-token"}}), 403, "forbidden");
  // An application key is the wrong kind of caller for an operator route, and the reverse.
  expect_problem(client().Get("/v1/admin/things/1", {{"Authorization", "Bearer app-key"}}), 403, "forbidden");
  expect_problem(client().Get("/v1/apps/ping", {{"Authorization", "Bearer admin-token"}}), 403, "forbidden");
}

TEST_F(ApiServer, OperatorRouteWithTheRoleReachesTheHandlerWithTheCaller) {
  start();
  auto res = client().Get("/v1/admin/things/a%20b?x=1%2B2", {{"authorization", "bearer   admin-token"}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body["caller"], "op-admin");
  EXPECT_EQ(body["id"], "a b");
  EXPECT_EQ(body["x"], "1+2");
  EXPECT_EQ(body["saw_authorization"], false) << "the token stops at the server";
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");

  auto app = client().Get("/v1/apps/ping", {{"Authorization", "Bearer app-key"}});
  ASSERT_TRUE(app);
  EXPECT_EQ(app->status, 200);
  EXPECT_EQ(nlohmann::json::parse(app->body)["caller"], "app-1");
}

TEST_F(ApiServer, AuthenticatorOutageIsUnavailable) {
  start();
  expect_problem(client().Get("/v1/admin/things/1", {{"Authorization", "Bearer outage"}}), 503, "unavailable");
}

TEST_F(ApiServer, ThrowingHandlerIsInternalErrorAndServerKeepsServing) {
  LogCapture logs;
  start();
  auto c = client();
  auto res = c.Get("/test/throw");
  expect_problem(res, 500, "internal");
  EXPECT_EQ(res->body.find("handler bug"), std::string::npos) << "exception text stays in the log";
  EXPECT_EQ(c.Get("/healthz")->status, 200);
  server->shutdown();
  bool logged = false;
  for (const auto& line : logs.lines())
    if (line.find("http_handler_exception") != std::string::npos && line.find("handler bug") != std::string::npos &&
        line.find("\"throw\"") != std::string::npos)
      logged = true;
  EXPECT_TRUE(logged);
}

TEST_F(ApiServer, RequestLogLineHasRouteStatusAndNeitherBodyNorToken) {
  LogCapture logs;
  start();
  ASSERT_EQ(client().Get("/v1/admin/things/7", {{"Authorization", "Bearer admin-token"}})->status, 200);
  ASSERT_EQ(client().Post("/test/echo", R"({"name": "body-marker"})", "application/json")->status, 200);
  server->shutdown();
  int request_lines = 0;
  for (const auto& line : logs.lines()) {
    EXPECT_EQ(line.find("admin-token"), std::string::npos) << line;
    EXPECT_EQ(line.find("body-marker"), std::string::npos) << line;
    if (line.find("http_request") == std::string::npos) continue;
    auto entry = nlohmann::json::parse(line);
    if (entry.value("route", "") == "admin_thing") {
      EXPECT_EQ(entry["method"], "GET");
      EXPECT_EQ(entry["status"], 200);
      EXPECT_TRUE(entry.contains("duration_ms"));
      ++request_lines;
    }
    if (entry.value("route", "") == "echo") ++request_lines;
  }
  EXPECT_EQ(request_lines, 2);
}

TEST_F(ApiServer, KeepAliveServesTwoRequestsOnOneConnection) {
  start();
  auto c = client();
  c.set_keep_alive(true);
  auto first = c.Get("/test/connection");
  auto second = c.Get("/test/connection");
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->get_header_value("Connection"), "keep-alive");
  EXPECT_EQ(nlohmann::json::parse(first->body)["connection"], nlohmann::json::parse(second->body)["connection"]);

  // Without keep-alive each request has its own connection, and the server says it will close.
  auto other = client();
  auto third = other.Get("/test/connection");
  auto fourth = other.Get("/test/connection");
  EXPECT_EQ(third->get_header_value("Connection"), "close");
  EXPECT_NE(nlohmann::json::parse(third->body)["connection"], nlohmann::json::parse(fourth->body)["connection"]);
}

TEST_F(ApiServer, ShutdownLetsAnInFlightRequestFinish) {
  start();
  const auto port = server->port();
  std::future<httplib::Result> slow = std::async(std::launch::async, [port] {
    httplib::Client c("127.0.0.1", port);
    c.set_tcp_nodelay(true);
    c.set_read_timeout(30);
    return c.Get("/test/slow");
  });
  slow_entered.get_future().wait();

  std::atomic<bool> shutdown_returned{false};
  std::thread stopper([&] {
    server->shutdown();
    shutdown_returned = true;
  });
  while (!server->stopping()) std::this_thread::yield();
  EXPECT_FALSE(shutdown_returned.load()) << "shutdown must wait for the request in flight";
  slow_release.set_value();

  auto res = slow.get();
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "finished");
  stopper.join();
  EXPECT_TRUE(shutdown_returned.load());

  // Stopped: nothing listens any more.
  httplib::Client after("127.0.0.1", port);
  after.set_connection_timeout(2);
  EXPECT_FALSE(after.Get("/healthz"));
  server->shutdown();  // idempotent
}

TEST(ApiServerStart, RefusesAPortInUse) {
  Server first({.listen = "127.0.0.1:0"}, system_routes({}, ""), nullptr);
  ASSERT_TRUE(first.start().ok());
  Server second({.listen = "127.0.0.1:" + std::to_string(first.port())}, system_routes({}, ""), nullptr);
  auto status = second.start();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("cannot listen"), std::string::npos) << status.error().message;
}

TEST(ApiServerStart, RefusesBadAddressesAndTables) {
  for (const char* listen : {"127.0.0.1", "127.0.0.1:99999", "example.invalid:80", ":80", "127.0.0.1:http"}) {
    Server s({.listen = listen}, system_routes({}, ""), nullptr);
    EXPECT_FALSE(s.start().ok()) << listen;
  }
  auto duplicate = system_routes({}, "");
  duplicate.push_back(duplicate.front());
  EXPECT_FALSE(Server({.listen = "127.0.0.1:0"}, duplicate, nullptr).start().ok());

  std::vector<Route> protected_route = {
      {"GET", "/v1/x", Access::operator_role, {}, [](const Request&) { return Response{}; }, ""}};
  auto no_authenticator = Server({.listen = "127.0.0.1:0"}, protected_route, nullptr).start();
  ASSERT_FALSE(no_authenticator.ok());
  EXPECT_NE(no_authenticator.error().message.find("authenticator"), std::string::npos);

  auto no_tls_files =
      Server({.listen = "127.0.0.1:0", .tls_cert = "/nonexistent/cert.pem", .tls_key = "/nonexistent/key.pem"},
             system_routes({}, ""), nullptr)
          .start();
  ASSERT_FALSE(no_tls_files.ok());
  EXPECT_NE(no_tls_files.error().message.find("/nonexistent/cert.pem"), std::string::npos);
  EXPECT_FALSE(Server({.listen = "127.0.0.1:0", .tls_cert = "/nonexistent/cert.pem"}, system_routes({}, ""), nullptr)
                   .start()
                   .ok());

  std::vector<Route> bad_method = {{"FETCH", "/x", Access::anyone, {}, [](const Request&) { return Response{}; }, ""}};
  EXPECT_FALSE(Server({.listen = "127.0.0.1:0"}, bad_method, nullptr).start().ok());
}

// Raw bytes, for what an HTTP client library will not send.
class RawConnection {
 public:
  // receive_timeout bounds every read, so that a server that never closes fails a test rather than hangs it.
  explicit RawConnection(std::uint16_t port, int receive_timeout_seconds = 10)
      : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{receive_timeout_seconds, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("connect");
  }
  ~RawConnection() { ::close(fd_); }
  void send(const std::string& data) {
    ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL), static_cast<ssize_t>(data.size()));
  }
  std::string read_exactly(std::size_t n) {
    std::string data(n, '\0');
    std::size_t got = 0;
    while (got < n) {
      auto r = ::recv(fd_, data.data() + got, n - got, 0);
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    data.resize(got);
    return data;
  }
  // Reads until the end of one response whose body has Content-Length bytes.
  std::string read_response() {
    std::string data;
    char buf[4096];
    for (;;) {
      auto head_end = data.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        auto cl = data.find("Content-Length: ");
        if (cl != std::string::npos) {
          auto length = std::stoul(data.substr(cl + 16));
          if (data.size() >= head_end + 4 + length) return data;
        }
      }
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return data;
      data.append(buf, static_cast<std::size_t>(n));
    }
  }
  // Reads until the server closes, as an HTTP/1.0 client does: the end of the stream must come (not the
  // receive timeout, not a reset) and within `within`.
  std::string read_to_end(std::chrono::seconds within) {
    const auto started = std::chrono::steady_clock::now();
    std::string data;
    char buf[4096];
    for (;;) {
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        EXPECT_EQ(n, 0) << "no end of stream after: " << data.substr(0, 200);
        EXPECT_LT(std::chrono::steady_clock::now() - started, within);
        return data;
      }
      data.append(buf, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
};

TEST_F(ApiServer, OversizeDeclarationIsRefusedBeforeTheBodyIsSent) {
  start();
  RawConnection raw(server->port());
  // With Expect: 100-continue a client waits: the answer must come without any body byte.
  raw.send(
      "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n"
      "Expect: 100-continue\r\n\r\n");
  auto response = raw.read_response();
  EXPECT_EQ(response.rfind("HTTP/1.1 413", 0), 0u) << response;
  EXPECT_NE(response.find("application/problem+json"), std::string::npos);
  EXPECT_NE(response.find("payload_too_large"), std::string::npos);
  EXPECT_NE(response.find("Connection: close"), std::string::npos);
}

TEST_F(ApiServer, AcceptableExpectContinueGetsContinueThenTheAnswer) {
  start();
  RawConnection raw(server->port());
  std::string body = R"({"name":"ana"})";
  raw.send("POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nExpect: 100-continue\r\n\r\n");
  // The interim answer arrives before the body is sent.
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  EXPECT_EQ(raw.read_exactly(interim.size()), interim);
  raw.send(body);
  auto response = raw.read_response();
  EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
}

// Issue 11: handlers ran on Pistache's I/O threads, each serving several connections, so a handler that waited
// (a password check queued at the Argon2id gate) held up every request of the other connections on its thread.
TEST_F(ApiServer, AWaitingHandlerDoesNotHoldUpOtherConnections) {
  start();
  const auto port = server->port();
  std::future<httplib::Result> slow = std::async(std::launch::async, [port] {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30);
    return c.Get("/test/slow");
  });
  slow_entered.get_future().wait();
  // Connections open at once (distinct sockets): whichever I/O thread each lands on, all are answered while the
  // slow handler still waits.
  std::vector<std::unique_ptr<httplib::Client>> others;
  int answered = 0;
  for (int i = 0; i < 4; ++i) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_keep_alive(true);
    c->set_read_timeout(3);
    auto res = c->Get("/healthz");
    if (res && res->status == 200) ++answered;
    others.push_back(std::move(c));
  }
  EXPECT_EQ(answered, 4) << "requests on other connections waited for the slow handler";
  slow_release.set_value();
  auto res = slow.get();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "finished");
}

TEST_F(ApiServer, PipelinedRequestsAreAnsweredInTheirOrder) {
  start();
  RawConnection raw(server->port());
  // Both requests in one write: the second must not be answered before the first, which waits.
  raw.send("GET /test/slow HTTP/1.1\r\nHost: x\r\n\r\nGET /test/connection HTTP/1.1\r\nHost: x\r\n\r\n");
  slow_entered.get_future().wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  slow_release.set_value();
  std::string both = raw.read_response();
  if (both.find("\"connection\"") == std::string::npos) both += raw.read_response();
  EXPECT_EQ(both.rfind("HTTP/1.1 200", 0), 0u) << both;
  const auto finished = both.find("finished"), second = both.find("\"connection\"");
  ASSERT_NE(finished, std::string::npos) << both;
  ASSERT_NE(second, std::string::npos) << both;
  EXPECT_LT(finished, second) << "answered out of order: " << both;
}

// What the I/O thread answers itself (a refusal, a 408, a 100 Continue, an answer that closes) waits for the
// answers the handler threads still owe the requests before it, and the connection closes after the last one.
TEST_F(ApiServer, PipelinedRefusalComesAfterTheAnswersBeforeItThenTheClose) {
  start();
  RawConnection raw(server->port());
  raw.send("GET /test/slow HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  slow_entered.get_future().wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  slow_release.set_value();
  const std::string both = raw.read_to_end(std::chrono::seconds(5));
  const auto finished = both.find("finished"), refused = both.find("HTTP/1.1 400");
  ASSERT_NE(finished, std::string::npos) << both;
  ASSERT_NE(refused, std::string::npos) << both;
  EXPECT_LT(finished, refused) << both;
}

TEST_F(ApiServer, PipelinedTimeoutComesAfterTheAnswersBeforeIt) {
  request_timeout = std::chrono::milliseconds(300);
  start();
  RawConnection raw(server->port());
  raw.send("GET /test/slow HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHo");
  slow_entered.get_future().wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(800));  // the second request's 408 is due, and waits
  slow_release.set_value();
  const std::string both = raw.read_to_end(std::chrono::seconds(5));
  const auto finished = both.find("finished"), timeout = both.find("HTTP/1.1 408");
  ASSERT_NE(finished, std::string::npos) << both;
  ASSERT_NE(timeout, std::string::npos) << both;
  EXPECT_LT(finished, timeout) << both;
  EXPECT_NE(both.find("application/problem+json", timeout), std::string::npos) << both;
}

TEST_F(ApiServer, PipelinedHttp10AnswerClosesAfterTheAnswersBeforeIt) {
  start();
  RawConnection raw(server->port());
  raw.send("GET /test/slow HTTP/1.1\r\nHost: x\r\n\r\nHEAD /healthz HTTP/1.0\r\n\r\n");
  slow_entered.get_future().wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  slow_release.set_value();
  const std::string both = raw.read_to_end(std::chrono::seconds(5));
  const auto finished = both.find("finished"), second = both.find("HTTP/1.1 200", 1);
  ASSERT_NE(finished, std::string::npos) << both;
  ASSERT_NE(second, std::string::npos) << both;
  EXPECT_LT(finished, second) << both;
  EXPECT_NE(both.find("Connection: close", second), std::string::npos) << both;
  EXPECT_EQ(both.find("\"status\"", second), std::string::npos) << "HEAD answered with a body: " << both;
}

TEST_F(ApiServer, PipelinedExpectContinueComesAfterTheAnswerBeforeIt) {
  start();
  RawConnection raw(server->port());
  const std::string body = R"({"name":"ana"})";
  raw.send("GET /test/slow HTTP/1.1\r\nHost: x\r\n\r\nPOST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nExpect: 100-continue\r\n\r\n");
  slow_entered.get_future().wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  slow_release.set_value();
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  std::string both = raw.read_response();
  if (both.find(interim) == std::string::npos) both += raw.read_exactly(interim.size());
  const auto finished = both.find("finished"), continued = both.find(interim);
  ASSERT_NE(finished, std::string::npos) << both;
  ASSERT_NE(continued, std::string::npos) << both;
  EXPECT_LT(finished, continued) << "interim answer before the answer before it: " << both;
  raw.send(body);
  const std::string echoed = raw.read_response();
  EXPECT_EQ(echoed.rfind("HTTP/1.1 200", 0), 0u) << echoed;
  EXPECT_NE(echoed.find("\"ana\""), std::string::npos) << echoed;
}

TEST_F(ApiServer, MalformedRequestLineIsInvalidRequestProblem) {
  start();
  RawConnection raw(server->port());
  raw.send("GET /pot HTTP/9\r\nHost: x\r\n\r\n");
  auto response = raw.read_response();
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0u) << response;
  EXPECT_NE(response.find("invalid_request"), std::string::npos) << response;

  RawConnection conflicting(server->port());
  conflicting.send("POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
  auto refused = conflicting.read_response();
  EXPECT_EQ(refused.rfind("HTTP/1.1 400", 0), 0u) << refused;
}

TEST_F(ApiServer, OversizeHeadersArePayloadTooLarge) {
  start();
  RawConnection raw(server->port());
  raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(40 * 1024, 'p') + "\r\n\r\n");
  auto response = raw.read_response();
  EXPECT_EQ(response.rfind("HTTP/1.1 413", 0), 0u) << response.substr(0, 200);
}

std::string body_of(const std::string& response) {
  auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : response.substr(end + 4);
}

TEST_F(ApiServer, ClosesAfterTheAnswerWhenTheExchangeSaysSo) {
  start();
  // HTTP/1.0 without keep-alive, HTTP/1.0 and 1.1 with "Connection: close": the client reads to the end
  // of the stream, which must come right after the answer.
  for (const std::string request :
       {"GET /healthz HTTP/1.0\r\n\r\n", "GET /healthz HTTP/1.0\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"}) {
    RawConnection raw(server->port(), 3);
    raw.send(request);
    auto response = raw.read_to_end(std::chrono::seconds(2));
    EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
    EXPECT_NE(response.find("Connection: close\r\n"), std::string::npos) << response;
    EXPECT_EQ(nlohmann::json::parse(body_of(response)), (nlohmann::json{{"status", "ok"}}));
  }
  // A refused request ends the framing: answer, then the end of the stream.
  RawConnection refused(server->port(), 3);
  refused.send("GET /pot HTTP/9\r\nHost: x\r\n\r\n");
  auto response = refused.read_to_end(std::chrono::seconds(2));
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0u) << response;
  // A request pipelined after "Connection: close" is not answered.
  RawConnection pipelined(server->port(), 3);
  pipelined.send(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  response = pipelined.read_to_end(std::chrono::seconds(2));
  EXPECT_EQ(response.find("HTTP/1.1", 1), std::string::npos) << response;
}

TEST_F(ApiServer, KeepsTheConnectionWhenTheExchangeAsks) {
  start();
  // HTTP/1.0 with keep-alive, and HTTP/1.1 by default: two answers on one connection.
  for (const std::string request : {"GET /test/connection HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                                    "GET /test/connection HTTP/1.1\r\nHost: x\r\n\r\n"}) {
    RawConnection raw(server->port(), 3);
    raw.send(request);
    auto first = raw.read_response();
    EXPECT_NE(first.find("Connection: keep-alive\r\n"), std::string::npos) << first;
    raw.send(request);
    auto second = raw.read_response();
    EXPECT_EQ(second.rfind("HTTP/1.1 200", 0), 0u) << second;
    EXPECT_EQ(body_of(first), body_of(second)) << "the same connection";
  }
}

TEST_F(ApiServer, OversizeUploadReadsItsAnswerThenTheEnd) {
  start();
  RawConnection raw(server->port(), 5);
  raw.send("POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\n\r\n");
  // The client goes on sending the body it declared: the lingering close reads it rather than resetting.
  std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 16; ++i) raw.send(chunk);
  auto response = raw.read_to_end(std::chrono::seconds(4));
  EXPECT_EQ(response.rfind("HTTP/1.1 413", 0), 0u) << response.substr(0, 200);
  EXPECT_NE(response.find("payload_too_large"), std::string::npos);
}

TEST_F(ApiServer, HeadIsGetWithoutTheBody) {
  start();
  auto get = client().Get("/healthz");
  ASSERT_TRUE(get);
  RawConnection raw(server->port(), 3);
  raw.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto response = raw.read_to_end(std::chrono::seconds(2));
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("Content-Length: " + std::to_string(get->body.size()) + "\r\n"), std::string::npos)
      << response;
  EXPECT_NE(response.find("Content-Type: application/json\r\n"), std::string::npos) << response;
  EXPECT_EQ(body_of(response), "") << "HEAD has no body";

  // On a keep-alive connection the next answer follows at once: no body bytes in between.
  RawConnection kept(server->port(), 3);
  kept.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto both = kept.read_to_end(std::chrono::seconds(2));
  auto second = both.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos) << both;
  EXPECT_EQ(both.substr(second - 4, 4), "\r\n\r\n") << both;
  EXPECT_EQ(body_of(both.substr(second)), get->body);

  auto head = client().Head("/healthz");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  auto absent = client().Head("/no/such/thing");
  ASSERT_TRUE(absent);
  EXPECT_EQ(absent->status, 404);
  EXPECT_EQ(absent->body, "");
}

TEST_F(ApiServer, SlowRequestIsRequestTimeoutProblemAndClosed) {
  request_timeout = std::chrono::milliseconds(500);
  start();
  // Half a body, and half a head: neither completes in time.
  for (const std::string partial : {"POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{\"na",
                                    "GET /healthz HTTP/1.1\r\nHost: x\r\n"}) {
    RawConnection raw(server->port(), 5);
    raw.send(partial);
    auto response = raw.read_to_end(std::chrono::seconds(4));
    EXPECT_EQ(response.rfind("HTTP/1.1 408", 0), 0u) << response;
    EXPECT_NE(response.find("Content-Type: application/problem+json\r\n"), std::string::npos) << response;
    EXPECT_NE(response.find("Connection: close\r\n"), std::string::npos) << response;
    auto body = nlohmann::json::parse(body_of(response));
    EXPECT_EQ(body["status"], 408);
    EXPECT_EQ(body["code"], "invalid_request");
  }
  // A request that arrives in time, in pieces, is served.
  RawConnection raw(server->port(), 5);
  raw.send("GET /healthz HTTP/1.1\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  raw.send("Host: x\r\n\r\n");
  EXPECT_EQ(raw.read_response().rfind("HTTP/1.1 200", 0), 0u);
  // An idle keep-alive connection is no slow request.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(raw.read_response().rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(ApiServer, ControlCharactersAreRefusedByName) {
  start();
  auto res = client().Post("/test/echo", R"({"name": "a\u0000b"})", "application/json");
  expect_problem(res, 400, "invalid_request");
  EXPECT_NE(
      nlohmann::json::parse(res->body)["detail"].get<std::string>().find("'name' must not contain control characters"),
      std::string::npos)
      << res->body;
  auto param = client().Get("/v1/admin/things/a%00b", {{"Authorization", "Bearer admin-token"}});
  expect_problem(param, 400, "invalid_request");
  EXPECT_NE(param->body.find("path parameter 'id'"), std::string::npos) << param->body;
  auto query = client().Get("/v1/admin/things/1?x=%0d%0a", {{"Authorization", "Bearer admin-token"}});
  expect_problem(query, 400, "invalid_request");
  EXPECT_NE(query->body.find("query parameter 'x'"), std::string::npos) << query->body;
}

TEST_F(ApiServer, ServesOverTls) {
  testing::TempDir dir;
  const auto cert = (dir.path() / "cert.pem").string();
  const auto key = (dir.path() / "key.pem").string();
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
      "-subj /CN=127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  start({.tls_cert = cert, .tls_key = key});
  httplib::SSLClient c("127.0.0.1", server->port());
  c.enable_server_certificate_verification(false);
  c.set_tcp_nodelay(true);
  auto res = c.Get("/healthz");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
}

// A self-signed EC certificate and its key, made with the openssl tool; sha256 is the hex SHA-256 of its DER.
struct TestCertificate {
  std::string cert, key, pem, sha256;
};

TestCertificate make_certificate(const testing::TempDir& dir, const std::string& name) {
  TestCertificate c{(dir.path() / (name + ".pem")).string(), (dir.path() / (name + ".key")).string(), "", ""};
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=" + name + " -keyout " +
      c.key + " -out " + c.cert + " >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl req failed");
  std::ifstream in(c.cert);
  c.pem.assign(std::istreambuf_iterator<char>(in), {});
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(c.pem.data(), static_cast<int>(c.pem.size())),
                                                BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> x509(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  unsigned char* der = nullptr;
  const int length = i2d_X509(x509.get(), &der);
  c.sha256 = to_hex(sha256(std::span<const std::uint8_t>(der, static_cast<std::size_t>(length))));
  OPENSSL_free(der);
  return c;
}

TEST_F(ApiServer, AsksForAClientCertificateOverTlsWithoutRequiringOne) {
  testing::TempDir dir;
  const auto server_certificate = make_certificate(dir, "127.0.0.1");
  const auto client_certificate = make_certificate(dir, "sede");
  start({.tls_cert = server_certificate.cert, .tls_key = server_certificate.key});

  httplib::SSLClient anonymous("127.0.0.1", server->port());
  anonymous.enable_server_certificate_verification(false);
  auto none = anonymous.Get("/test/certificate");
  ASSERT_TRUE(none) << httplib::to_string(none.error());
  EXPECT_EQ(nlohmann::json::parse(none->body)["sha256"], "none");

  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    httplib::SSLClient c("127.0.0.1", server->port(), client_certificate.cert, client_certificate.key);
    c.enable_server_certificate_verification(false);
    // FIRe's Java client offers TLS 1.2 only.
    SSL_CTX_set_min_proto_version(c.ssl_context(), version);
    SSL_CTX_set_max_proto_version(c.ssl_context(), version);
    auto res = c.Get("/test/certificate");
    ASSERT_TRUE(res) << version << ": " << httplib::to_string(res.error());
    EXPECT_EQ(nlohmann::json::parse(res->body)["sha256"], client_certificate.sha256) << version;
  }

  // TLS 1.1 and older are refused.
  httplib::SSLClient old("127.0.0.1", server->port());
  old.enable_server_certificate_verification(false);
  SSL_CTX_set_security_level(old.ssl_context(), 0);
  SSL_CTX_set_min_proto_version(old.ssl_context(), TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(old.ssl_context(), TLS1_1_VERSION);
  EXPECT_FALSE(old.Get("/test/certificate"));
}

TEST_F(ApiServer, BelievesTheCertificateHeaderOnlyFromTrustedProxies) {
  testing::TempDir dir;
  const auto certificate = make_certificate(dir, "sede");
  // As nginx's $ssl_client_escaped_cert: the PEM with everything but unreserved characters percent-encoded.
  const httplib::Headers forwarded = {{"X-ClientCert", percent_encode(certificate.pem)}};

  start({.trusted_proxies = {"::ffff:127.0.0.1"}});
  auto trusted = client().Get("/test/certificate", forwarded);
  ASSERT_TRUE(trusted);
  auto body = nlohmann::json::parse(trusted->body);
  EXPECT_EQ(body["sha256"], certificate.sha256);
  EXPECT_EQ(body["saw_header"], false);  // the handler never reads the header itself
  auto empty = client().Get("/test/certificate", {{"X-ClientCert", ""}});
  ASSERT_TRUE(empty);
  EXPECT_EQ(nlohmann::json::parse(empty->body)["sha256"], "none");
  server->shutdown();

  start({.trusted_proxies = {"10.0.0.1"}});
  auto untrusted = client().Get("/test/certificate", forwarded);
  ASSERT_TRUE(untrusted);
  body = nlohmann::json::parse(untrusted->body);
  EXPECT_EQ(body["sha256"], "none");
  EXPECT_EQ(body["saw_header"], false);
  server->shutdown();

  start();  // no proxies listed: never believed
  auto unlisted = client().Get("/test/certificate", forwarded);
  ASSERT_TRUE(unlisted);
  EXPECT_EQ(nlohmann::json::parse(unlisted->body)["sha256"], "none");
}

TEST(TrustedProxies, ParsesAddressesAndRefusesNames) {
  auto proxies = detail::parse_trusted_proxies(" 10.0.0.1, ::1 ,");
  ASSERT_TRUE(proxies);
  EXPECT_EQ(*proxies, (std::vector<std::string>{"10.0.0.1", "::1"}));
  EXPECT_TRUE(detail::parse_trusted_proxies("")->empty());
  EXPECT_FALSE(detail::parse_trusted_proxies("10.0.0.1,proxy.example"));
  EXPECT_TRUE(detail::is_trusted_proxy("0:0::1", {"::1"}));
  EXPECT_TRUE(detail::is_trusted_proxy("::ffff:10.0.0.1", {"10.0.0.1"}));
  EXPECT_FALSE(detail::is_trusted_proxy("10.0.0.2", {"10.0.0.1"}));
  EXPECT_FALSE(detail::is_trusted_proxy("", {"10.0.0.1"}));
  EXPECT_FALSE(detail::certificate_from_header("-----BEGIN CERTIFICATE-----%0Anot base64%0A"));
}

}  // namespace
}  // namespace firma::api
