// Two firmad processes on one PostgreSQL database: ten parallel wrong passwords against one account, spread over
// both, leave it locked with a count that never passed five; and no secret reaches either process's output.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/postgres.h"
#include "support/process.h"
#include "support/sms_code.h"
#include "support/temp_dir.h"

namespace firma::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

const std::string kNif = "12345678Z";
const std::string kMobile = "+34600111222";
const std::string kPassword = "Girasol.2024";

std::unique_ptr<Process> start_firmad(const fs::path& data, const std::string& database_url) {
  return std::make_unique<Process>(
      FIRMAD_PATH,
      std::vector<std::string>{"--data-dir", data.string(), "--listen", "127.0.0.1:0", "--set",
                               "database.url=" + database_url, "--set", "password.argon2_memory_kib=1024", "--set",
                               "password.argon2_iterations=1", "--set", "rate_limit.per_nif.burst=1000", "--set",
                               "rate_limit.per_address.burst=1000", "--set", "log.level=debug", "--set",
                               "sms.outbox_on_shared_database=i-understand-operators-can-read-codes"});
}

struct Node {
  int port = 0;
  std::pair<int, json> post(const std::string& path, const json& body, const std::string& token = {}) const {
    httplib::Client c("127.0.0.1", port);
    c.set_tcp_nodelay(true);
    c.set_read_timeout(60);
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    auto r = c.Post(path, h, body.dump(), "application/json");
    if (!r) return {0, json()};
    return {r->status, json::parse(r->body, nullptr, false)};
  }
  std::pair<int, json> get(const std::string& path, const std::string& token) const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60);
    auto r = c.Get(path, {{"Authorization", "Bearer " + token}});
    if (!r) return {0, json()};
    return {r->status, json::parse(r->body, nullptr, false)};
  }
};

std::string last_otp(const Node& node, const std::string& token) {
  auto [status, body] = node.get("/v1/admin/sms/outbox?to=%2B" + kMobile.substr(1), token);
  if (status != 200 || body["messages"].empty()) return {};
  const std::string text = body["messages"].back().value("text", "");
  const auto at = text.find(" es ");
  return at == std::string::npos ? std::string() : code_in(std::string_view(text).substr(at));
}

TEST(CitizensProcesses, TenParallelWrongPasswordsOnTwoNodesLockAtExactlyFive) {
  PostgresDatabase pg;
  ASSERT_TRUE(pg.ok()) << pg.error();
  TempDir dir;
  const fs::path data = dir.path() / "var";

  // The first node initialises the data directory (token, CA, administrator); the second shares it, as nodes
  // share a network HSM, and the database.
  auto first = start_firmad(data, pg.url());
  ASSERT_TRUE(first->wait_for_output("listening on", 180s)) << first->output();
  auto second = start_firmad(data, pg.url());
  ASSERT_TRUE(second->wait_for_output("listening on", 180s)) << second->output();
  const Node a{listening_port(first->output())}, b{listening_port(second->output())};
  ASSERT_NE(a.port, 0);
  ASSERT_NE(b.port, 0);
  std::string token = read_file(data / "secrets" / "operator-token");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  ASSERT_FALSE(token.empty());

  auto [registered, reg] = a.post("/v1/admin/citizens",
                                  {{"nif", kNif},
                                   {"given_name", "Ana"},
                                   {"surname1", "Garc\u00EDa"},
                                   {"email", "ana@example.es"},
                                   {"mobile", kMobile},
                                   {"registration_level", "advanced"}},
                                  token);
  ASSERT_EQ(registered, 201) << reg.dump();
  const std::string code = reg.value("activation_code", "");
  auto [reader_created, reader] =
      a.post("/v1/admin/operators", {{"name", "outbox reader"}, {"roles", {"sms_outbox_reader"}}}, token);
  ASSERT_EQ(reader_created, 201) << reader.dump();
  auto [started, challenge] =
      b.post("/v1/citizens/activation", {{"nif", kNif}, {"email", "ana@example.es"}, {"activation_code", code}});
  ASSERT_EQ(started, 202) << challenge.dump();
  const std::string otp = last_otp(a, reader.value("token", ""));
  ASSERT_EQ(otp.size(), 6u);
  auto [activated, body] = a.post("/v1/citizens/activation/complete",
                                  {{"challenge_id", challenge["challenge_id"]}, {"otp", otp}, {"password", kPassword}});
  ASSERT_EQ(activated, 200) << body.dump();

  std::atomic<int> wrong{0}, locked{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 10; ++i)
    threads.emplace_back([&, i] {
      const Node& node = i % 2 == 0 ? a : b;
      auto [status, answer] = node.post(
          "/v1/citizens/password/change",
          {{"nif", kNif}, {"password", "Equivocada." + std::to_string(i)}, {"new_password", "Margarita.2025"}});
      if (status == 401 && answer["code"] == "invalid_credentials")
        ++wrong;
      else if (status == 423 && answer["code"] == "account_locked")
        ++locked;
      else
        ++other;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(wrong.load(), 4) << "four refusals, then the fifth failure locks";
  EXPECT_EQ(locked.load(), 6);

  for (const Node& node : {a, b}) {
    auto [status, citizen] = node.get("/v1/admin/citizens/" + kNif, token);
    ASSERT_EQ(status, 200);
    EXPECT_EQ(citizen["status"], "locked");
    EXPECT_EQ(citizen["failed_attempts"], 5);
  }
  auto [right, refused] = b.post("/v1/citizens/password/change",
                                 {{"nif", kNif}, {"password", kPassword}, {"new_password", "Margarita.2025"}});
  EXPECT_EQ(right, 423) << refused.dump();

  first->signal(SIGTERM);
  second->signal(SIGTERM);
  EXPECT_EQ(first->wait(60s), 0);
  EXPECT_EQ(second->wait(60s), 0);
  for (Process* p : {first.get(), second.get()}) {
    const std::string out = p->output();
    EXPECT_NE(out.find("http_request"), std::string::npos) << "debug logs were on";
    for (const std::string& secret : {kPassword, code, otp, std::string("Equivocada.3"), std::string("Margarita.2025")})
      EXPECT_EQ(out.find(secret), std::string::npos) << "firmad printed a secret: " << secret;
  }
}

}  // namespace
}  // namespace firma::testing
