// In-process service stack for the signing and citizen flow tests.
#include "signing_stack.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "certs/authority.h"
#include "embedded.h"
#include "identity/operators.h"
#include "support/sms_code.h"

namespace firma::testing {

SigningStack::SigningStack(const std::string& database_url, const std::function<void(app::Settings&)>& configure)
    : clock_(SystemClock().now()) {
  config_.data_dir = (dir_.path() / "var").string();
  config_.server.listen = "127.0.0.1:0";
  config_.password.argon2_memory_kib = 1024;
  config_.password.argon2_iterations = 1;
  config_.database.url = database_url;
  // The codes are read from the outbox, on PostgreSQL too (a test's private server).
  config_.sms.outbox_on_shared_database = std::string(identity::kOutboxRiskAccepted);
  if (configure) configure(config_);
  if (Status s = app::prepare_data_dir(config_.data_dir); !s) throw std::runtime_error(s.error().message);
  start_services();
  auto admin = services_->operators().bootstrap_admin();
  if (!admin || !admin->has_value()) throw std::runtime_error("no administrator token");
  admin_ = std::string((*admin)->token.reveal());
  auto reader = services_->operators().create("outbox reader", {Role::sms_outbox_reader}, "test");
  if (!reader) throw std::runtime_error("no outbox reader: " + reader.error().message);
  outbox_reader_ = std::string(reader->token.reveal());
}

SigningStack::~SigningStack() {
  if (server_) server_->shutdown();
}

void SigningStack::start_services() {
  auto services = app::Services::start(config_, clock_, random_);
  if (!services) throw std::runtime_error(services.error().message);
  services_ = std::move(*services);
  api::ServerOptions options = api::server_options(config_.server);
  options.error_dialects = services_->error_dialects();
  server_ = std::make_unique<api::Server>(std::move(options), services_->routes("openapi: 3.0.3\n"),
                                          services_->authenticator());
  if (Status s = server_->start(); !s) throw std::runtime_error(s.error().message);
}

void SigningStack::restart(const std::function<void(app::Settings&)>& reconfigure) {
  server_->shutdown();
  server_.reset();
  services_.reset();
  if (reconfigure) reconfigure(config_);
  start_services();
}

Reply SigningStack::send(const std::string& method, const std::string& path, const std::string& body,
                         const std::string& bearer) {
  // With server.tls_cert set the stack serves HTTPS only (its certificate is the test's own).
  std::unique_ptr<httplib::ClientImpl> tls_or_plain;
  if (config_.server.tls_cert.empty()) {
    tls_or_plain = std::make_unique<httplib::ClientImpl>("127.0.0.1", server_->port());
  } else {
    auto tls = std::make_unique<httplib::SSLClient>("127.0.0.1", server_->port());
    tls->enable_server_certificate_verification(false);
    tls_or_plain = std::move(tls);
  }
  httplib::ClientImpl& client = *tls_or_plain;
  client.set_tcp_nodelay(true);
  client.set_read_timeout(60);
  httplib::Headers headers;
  if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
  httplib::Result r = method == "GET"    ? client.Get(path, headers)
                      : method == "POST" ? client.Post(path, headers, body, "application/json")
                                         : client.Delete(path, headers);
  if (!r) throw std::runtime_error(method + " " + path + ": no answer");
  Reply reply{r->status, nlohmann::json::parse(r->body, nullptr, false), r->body, r->get_header_value("Retry-After")};
  return reply;
}

Reply SigningStack::get(const std::string& path, const std::string& bearer) {
  return send("GET", path, "", bearer);
}
Reply SigningStack::post(const std::string& path, const nlohmann::json& body, const std::string& bearer) {
  return send("POST", path, body.dump(), bearer);
}
Reply SigningStack::del(const std::string& path, const std::string& bearer) {
  return send("DELETE", path, "", bearer);
}

std::string SigningStack::register_application(const std::string& name) {
  auto r = post("/v1/admin/apps",
                {{"name", name},
                 {"return_url_prefixes", {"https://sede.example.gob.es/"}},
                 {"allowed_formats", {"raw", "cades", "pades", "xades"}}},
                admin_);
  if (r.status != 201) throw std::runtime_error("register application: " + r.raw);
  return r.body["api_key"];
}

std::string SigningStack::last_otp(const std::string& mobile) {
  auto r =
      get("/v1/admin/sms/outbox?to=" + (mobile.front() == '+' ? "%2B" + mobile.substr(1) : mobile), outbox_reader_);
  if (r.status != 200) return {};
  // Each step sends one SMS: the new one is the message not seen before.
  std::string code;
  for (const auto& m : r.body["messages"]) {
    const std::string text = m["text"];
    if (seen_sms_.insert(text).second && code.empty()) code = code_in(text);
  }
  return code;
}

void SigningStack::make_citizen(const std::string& nif, const std::string& mobile, const std::string& password,
                                const std::string& level) {
  const std::string email = "c" + nif + "@example.es";
  auto registered = post("/v1/admin/citizens",
                         {{"nif", nif},
                          {"given_name", "María"},
                          {"surname1", "Núñez"},
                          {"surname2", "García"},
                          {"email", email},
                          {"mobile", mobile},
                          {"registration_level", level}},
                         admin_);
  if (registered.status != 201) throw std::runtime_error("register citizen: " + registered.raw);
  auto started = post("/v1/citizens/activation",
                      {{"nif", nif}, {"email", email}, {"activation_code", registered.body["activation_code"]}});
  if (started.status != 202) throw std::runtime_error("activation: " + started.raw);
  auto done = post("/v1/citizens/activation/complete",
                   {{"challenge_id", started.body["challenge_id"]}, {"otp", last_otp(mobile)}, {"password", password}});
  if (done.status != 200) throw std::runtime_error("activation complete: " + done.raw);
}

std::string SigningStack::ca_pem_path() {
  auto path = dir_.path() / "ca.pem";
  write_file(path, services_->authority().chain_pem());
  return path.string();
}

}  // namespace firma::testing
