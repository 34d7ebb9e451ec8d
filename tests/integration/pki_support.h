// A running firmad on a private data directory, an HTTP client of it, and the steps that make an active citizen,
// for the PKI integration suites.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <cctype>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "support/process.h"
#include "support/sms_code.h"
#include "support/temp_dir.h"

namespace firma::testing {

using nlohmann::json;
using namespace std::chrono_literals;

struct HttpReply {
  int status = 0;
  std::string body;
  std::string content_type;
  json parsed() const { return json::parse(body, nullptr, false); }
};

// firmad --data-dir DIR --listen 127.0.0.1:0 (cheap Argon2 so that activations are quick), stopped with SIGTERM.
class Firmad {
 public:
  // The links written into certificates (AIA, CRL DP) name this base: with port 0 the listening address is not
  // known in advance.
  static constexpr const char* kPublicUrl = "https://firma.example.test";

  explicit Firmad(const std::filesystem::path& data_dir, std::vector<std::string> extra = {}) : data_dir_(data_dir) {
    std::vector<std::string> args = {"--data-dir", data_dir.string(),
                                     "--listen",   "127.0.0.1:0",
                                     "--set",      std::string("server.public_url=") + kPublicUrl,
                                     "--set",      "password.argon2_memory_kib=1024",
                                     "--set",      "password.argon2_iterations=1"};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<Process>(FIRMAD_PATH, args);
    started_ = process_->wait_for_output("listening on", 120s);
    port_ = listening_port(process_->output());
    const std::string out = process_->output();
    if (auto at = out.find("fop_"); at != std::string::npos) admin_token_ = out.substr(at, 68);
  }
  ~Firmad() {
    if (!process_) return;
    process_->signal(SIGTERM);
    process_->wait(30s);
  }

  bool started() const { return started_ && port_ != 0; }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& admin_token() const { return admin_token_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  Process& process() { return *process_; }

  HttpReply get(const std::string& path, const std::string& bearer = "") const {
    return answer(client().Get(path, headers(bearer)));
  }
  HttpReply post(const std::string& path, const std::string& body, const std::string& bearer = "",
                 const std::string& content_type = "application/json") const {
    return answer(client().Post(path, headers(bearer), body, content_type));
  }
  HttpReply post_json(const std::string& path, const json& body, const std::string& bearer = "") const {
    return post(path, body.dump(), bearer);
  }

  // An operator with these roles; its token.
  std::string create_operator(const std::string& name, const std::vector<std::string>& roles) const {
    HttpReply r = post_json("/v1/admin/operators", {{"name", name}, {"roles", roles}}, admin_token_);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.parsed().value("token", "");
  }

  // A registered citizen; activated (password set through the SMS outbox) unless `activate` is false.
  void register_citizen(const std::string& nif, const std::string& mobile, const std::string& level,
                        bool activate = true) {
    HttpReply r = post_json("/v1/admin/citizens",
                            {{"nif", nif},
                             {"given_name", "María José"},
                             {"surname1", "García"},
                             {"surname2", "Núñez"},
                             {"email", "c" + nif + "@example.es"},
                             {"mobile", mobile},
                             {"registration_level", level}},
                            admin_token_);
    ASSERT_EQ(r.status, 201) << r.body;
    if (!activate) return;
    HttpReply challenge = post_json(
        "/v1/citizens/activation",
        {{"nif", nif}, {"email", "c" + nif + "@example.es"}, {"activation_code", r.parsed()["activation_code"]}});
    ASSERT_EQ(challenge.status, 202) << challenge.body;
    HttpReply done = post_json(
        "/v1/citizens/activation/complete",
        {{"challenge_id", challenge.parsed()["challenge_id"]}, {"otp", latest_otp(mobile)}, {"password", kPassword}});
    ASSERT_EQ(done.status, 200) << done.body;
  }

  // The newest six-digit code the outbox holds for this mobile that was not read before.
  std::string latest_otp(const std::string& mobile) {
    std::string to = mobile;
    if (!to.empty() && to[0] == '+') to = "%2B" + to.substr(1);
    // The outbox is read with a role of its own (an administrator's token is refused).
    if (outbox_token_.empty()) outbox_token_ = create_operator("outbox reader", {"sms_outbox_reader"});
    HttpReply r = get("/v1/admin/sms/outbox?to=" + to, outbox_token_);
    EXPECT_EQ(r.status, 200) << r.body;
    json messages = r.parsed()["messages"];
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
      const std::string text = (*it)["text"];
      if (seen_.insert(text).second) return code_in(text);
    }
    return {};
  }

  static constexpr const char* kPassword = "Clave-Firma-2026";

 private:
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_tcp_nodelay(true);
    c.set_connection_timeout(5);
    c.set_read_timeout(60);
    return c;
  }
  static httplib::Headers headers(const std::string& bearer) {
    httplib::Headers h;
    if (!bearer.empty()) h.emplace("Authorization", "Bearer " + bearer);
    return h;
  }
  static HttpReply answer(const httplib::Result& r) {
    if (!r) return {};
    return HttpReply{r->status, r->body, r->get_header_value("Content-Type")};
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<Process> process_;
  bool started_ = false;
  int port_ = 0;
  std::string admin_token_;
  std::string outbox_token_;
  std::set<std::string> seen_;
};

}  // namespace firma::testing
