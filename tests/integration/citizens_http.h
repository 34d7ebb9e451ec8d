// The citizen endpoints served in-process (api::Server on port 0) over a real database, for the citizens_* suites.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "api/http/server.h"
#include "api/rest/admin_citizen_routes.h"
#include "api/rest/citizen_routes.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/random.h"
#include "identity/citizens.h"
#include "identity/operators.h"
#include "identity/otp_service.h"
#include "identity/password_hasher.h"
#include "identity/rate_limiter.h"
#include "identity/sms_gateway.h"
#include "store/database.h"
#include "support/postgres.h"
#include "support/sms_code.h"
#include "support/temp_dir.h"

namespace firma::store {
inline void PrintTo(Backend backend, std::ostream* out) {
  *out << to_string(backend);
}
}  // namespace firma::store

namespace firma::testing {

inline const Instant kStart = from_unix(1'800'000'000);

// Every log line written while it lives (the server's threads included).
class LogCapture {
 public:
  LogCapture() {
    log::set_level(log::Level::debug);
    log::set_sink([this](std::string_view line) {
      std::lock_guard lock(mutex_);
      text_ += std::string(line) + "\n";
    });
  }
  ~LogCapture() {
    log::set_sink(nullptr);
    log::set_level(log::Level::info);
  }
  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }

 private:
  std::mutex mutex_;
  std::string text_;
};

// A gateway that refuses while `down` is set and otherwise hands messages on. A fake (named so): the outbox
// cannot be made to fail on demand.
class SwitchableSmsGateway final : public identity::SmsGateway {
 public:
  explicit SwitchableSmsGateway(identity::SmsGateway& inner) : inner_(inner) {}
  std::string_view kind() const noexcept override { return inner_.kind(); }
  Status send(const identity::SmsMessage& message) override {
    if (down) return make_error(ErrorCode::unavailable, "gateway switched off by the test");
    return inner_.send(message);
  }
  std::atomic<bool> down{false};

 private:
  identity::SmsGateway& inner_;
};

struct Reply {
  int status = 0;
  nlohmann::json body;
  std::string retry_after;
  std::string content_type;
};

// The identity services over a fresh database of the chosen backend, the operator and citizen routes on an
// in-process server, and an administrator and a registrar token.
class CitizensServer {
 public:
  CitizensServer(store::Backend backend, identity::CitizenRateLimits limits = generous(),
                 identity::SmsGateway* gateway = nullptr) {
    std::string url;
    if (backend == store::Backend::sqlite) {
      url = "sqlite:" + (dir_.path() / "firma.db").string();
    } else {
      pg_ = std::make_unique<PostgresDatabase>();
      if (!pg_->ok()) throw std::runtime_error(pg_->error());
      url = pg_->url();
    }
    auto opened = store::Database::open(url, 8);
    if (!opened) throw std::runtime_error(opened.error().message);
    db_ = std::move(*opened);
    if (auto m = db_->migrate(); !m) throw std::runtime_error(m.error().message);
    outbox_ = std::make_unique<identity::OutboxSmsGateway>(*db_, clock);
    switchable_ = std::make_unique<SwitchableSmsGateway>(gateway != nullptr ? *gateway : *outbox_);
    otp_ = std::make_unique<identity::OtpService>(*db_, *switchable_, clock, random_);
    hasher_ = std::make_unique<identity::PasswordHasher>(identity::Argon2Parameters{1024, 1, 1}, random_);
    citizens_ = std::make_unique<identity::CitizenService>(*db_, *otp_, *hasher_, clock, random_);
    limiter_ = std::make_unique<identity::RateLimiter>(*db_, clock);
    operators_ = std::make_unique<identity::OperatorService>(*db_, clock, random_);
    admin_token = std::string(operators_->create("admin", {Role::admin}, "test").value().token.reveal());
    registrar_token = std::string(operators_->create("registrar", {Role::registrar}, "test").value().token.reveal());
    auditor_token = std::string(operators_->create("auditor", {Role::auditor}, "test").value().token.reveal());
    outbox_token = std::string(operators_->create("outbox", {Role::sms_outbox_reader}, "test").value().token.reveal());

    auto routes = api::admin_citizen_routes(*citizens_, gateway == nullptr ? outbox_.get() : nullptr);
    for (auto& r : api::citizen_routes(*citizens_, *limiter_, api::CitizenRoutesOptions{limits, "X-Test-Client"}))
      routes.push_back(std::move(r));
    api::Authenticator authenticate = [this](api::Access, std::string_view bearer) -> Result<api::Caller> {
      auto op = operators_->authenticate(bearer);
      if (!op) return std::move(op).error();
      return api::Caller{api::Caller::Kind::operator_, op->id.str(), op->roles};
    };
    api::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 4;
    server_ = std::make_unique<api::Server>(options, std::move(routes), std::move(authenticate));
    if (auto s = server_->start(); !s) throw std::runtime_error(s.error().message);
  }
  ~CitizensServer() { server_->shutdown(); }

  static identity::CitizenRateLimits generous() {
    return identity::CitizenRateLimits{policies::RateLimit{1000, 1}, policies::RateLimit{1000, 1}};
  }

  Reply post(const std::string& path, const nlohmann::json& body, const std::string& token = {},
             const std::string& client = "192.0.2.1") {
    return post_raw(path, body.dump(), token, client);
  }
  Reply post_raw(const std::string& path, const std::string& body, const std::string& token = {},
                 const std::string& client = "192.0.2.1") {
    auto c = client_();
    auto r = c.Post(path, headers(token, client), body, "application/json");
    return reply(r);
  }
  Reply get(const std::string& path, const std::string& token = {}) {
    auto c = client_();
    auto r = c.Get(path, headers(token, "192.0.2.1"));
    return reply(r);
  }

  // Registers a citizen (as the registrar); the activation code.
  std::string register_citizen(const std::string& nif, const std::string& mobile,
                               const std::string& email = "ana@example.es") {
    auto r = post("/v1/admin/citizens",
                  {{"nif", nif},
                   {"given_name", "Ana"},
                   {"surname1", "Garc\u00EDa"},
                   {"surname2", "L\u00F3pez"},
                   {"email", email},
                   {"mobile", mobile},
                   {"registration_level", "advanced"}},
                  registrar_token);
    EXPECT_EQ(r.status, 201) << r.body.dump();
    return r.body.value("activation_code", "");
  }

  // Registers and activates through the API; the activation code.
  std::string activate(const std::string& nif, const std::string& mobile, const std::string& password) {
    const std::string code = register_citizen(nif, mobile);
    auto started =
        post("/v1/citizens/activation", {{"nif", nif}, {"email", "ana@example.es"}, {"activation_code", code}});
    EXPECT_EQ(started.status, 202) << started.body.dump();
    auto done = post(
        "/v1/citizens/activation/complete",
        {{"challenge_id", started.body.value("challenge_id", "")}, {"otp", last_otp(mobile)}, {"password", password}});
    EXPECT_EQ(done.status, 200) << done.body.dump();
    return code;
  }

  // The SMS sent to `mobile`, through the operators' outbox endpoint.
  std::vector<std::string> sms_to(const std::string& mobile) {
    auto r = get("/v1/admin/sms/outbox?to=%2B" + mobile.substr(1), outbox_token);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    std::vector<std::string> texts;
    for (const auto& m : r.body.value("messages", nlohmann::json::array())) texts.push_back(m.value("text", ""));
    return texts;
  }

  // The digits after " es " in the newest SMS to `mobile` ("... su código de activación es 123456. ...").
  std::string last_otp(const std::string& mobile) {
    auto texts = sms_to(mobile);
    if (texts.empty()) return {};
    const std::string& text = texts.back();
    const auto at = text.find(" es ");
    return at == std::string::npos ? std::string() : code_in(std::string_view(text).substr(at));
  }

  nlohmann::json citizen(const std::string& nif) {
    auto r = get("/v1/admin/citizens/" + nif, registrar_token);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body;
  }

  store::Database& db() { return *db_; }
  SwitchableSmsGateway& gateway() { return *switchable_; }
  identity::CitizenService& citizens() { return *citizens_; }

  ManualClock clock{kStart};
  std::string admin_token, registrar_token, auditor_token, outbox_token;

 private:
  httplib::Client client_() {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_tcp_nodelay(true);
    c.set_read_timeout(30);
    return c;
  }
  static httplib::Headers headers(const std::string& token, const std::string& client) {
    httplib::Headers h{{"X-Test-Client", client}};
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    return h;
  }
  static Reply reply(const httplib::Result& r) {
    Reply out;
    if (!r) return out;
    out.status = r->status;
    out.body = nlohmann::json::parse(r->body, nullptr, false);
    out.retry_after = r->get_header_value("Retry-After");
    out.content_type = r->get_header_value("Content-Type");
    return out;
  }

  TempDir dir_;
  std::unique_ptr<PostgresDatabase> pg_;
  std::unique_ptr<store::Database> db_;
  SystemRandom random_;
  std::unique_ptr<identity::OutboxSmsGateway> outbox_;
  std::unique_ptr<SwitchableSmsGateway> switchable_;
  std::unique_ptr<identity::OtpService> otp_;
  std::unique_ptr<identity::PasswordHasher> hasher_;
  std::unique_ptr<identity::CitizenService> citizens_;
  std::unique_ptr<identity::RateLimiter> limiter_;
  std::unique_ptr<identity::OperatorService> operators_;
  std::unique_ptr<api::Server> server_;
};

}  // namespace firma::testing
