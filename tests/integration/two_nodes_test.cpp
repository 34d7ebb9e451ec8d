// Two firmad processes on one PostgreSQL and one HSM token: any node serves any step of a transaction.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "support/postgres.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace firma::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

struct Node {
  std::unique_ptr<Process> process;
  int port = 0;

  json call(const std::string& method, const std::string& path, const json& body = nullptr,
            const std::string& bearer = "", int* status = nullptr) {
    httplib::Client c("127.0.0.1", port);
    c.set_tcp_nodelay(true);
    c.set_read_timeout(60);
    httplib::Headers h;
    if (!bearer.empty()) h.emplace("Authorization", "Bearer " + bearer);
    auto r = method == "GET" ? c.Get(path, h) : c.Post(path, h, body.dump(), "application/json");
    if (!r) return json();
    if (status) *status = r->status;
    return json::parse(r->body, nullptr, false);
  }
};

Node start(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> all = {"--listen", "127.0.0.1:0",
                                  "--set",    "password.argon2_memory_kib=1024",
                                  "--set",    "password.argon2_iterations=1",
                                  "--set",    "sms.outbox_on_shared_database=i-understand-operators-can-read-codes"};
  all.insert(all.end(), args.begin(), args.end());
  Node n{std::make_unique<Process>(FIRMAD_PATH, all, env), 0};
  EXPECT_TRUE(n.process->wait_for_output("listening on", 120s)) << n.process->output();
  n.port = listening_port(n.process->output());
  return n;
}

std::string otp_in(const json& outbox, std::set<std::string>& seen) {
  for (const auto& m : outbox["messages"]) {
    const std::string text = m["text"];
    if (!seen.insert(text).second) continue;
    for (std::size_t i = 0; i < text.size(); ++i) {
      std::size_t j = i;
      while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
      if (j - i == 6) return text.substr(i, 6);
      i = j;
    }
  }
  return {};
}

TEST(TwoNodes, AnyNodeServesAnyStep) {
  PostgresDatabase pg;
  ASSERT_TRUE(pg.ok()) << pg.error();
  TempDir dir;
  const auto a_dir = dir.path() / "a";
  Node a = start({"--data-dir", a_dir.string(), "--set", "database.url=" + pg.url()});
  ASSERT_NE(a.port, 0);
  const std::string out = a.process->output();
  const auto at = out.find("fop_");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string admin = out.substr(at, 68);
  // Node b shares a's token (as nodes share a network HSM) and the database.
  Node b = start({"--data-dir", (dir.path() / "b").string(), "--set", "database.url=" + pg.url(), "--set",
                  "hsm.module=" FIRMA_SOFTHSM_MODULE, "--set",
                  "hsm.pin_file=" + (a_dir / "secrets" / "hsm-user-pin").string()},
                 {{"SOFTHSM2_CONF", (a_dir / "hsm" / "softhsm2.conf").string()}});
  ASSERT_NE(b.port, 0) << b.process->output();

  std::set<std::string> seen;
  int status = 0;
  json reader = a.call("POST", "/v1/admin/operators", {{"name", "outbox reader"}, {"roles", {"sms_outbox_reader"}}},
                       admin, &status);
  ASSERT_EQ(status, 201) << reader;
  const std::string reader_token = reader.value("token", "");
  auto outbox = [&] { return a.call("GET", "/v1/admin/sms/outbox?to=%2B34600111222", nullptr, reader_token); };
  json app = a.call("POST", "/v1/admin/apps",
                    {{"name", "Sede"}, {"return_url_prefixes", {"https://sede.example.gob.es/"}},
                     {"allowed_formats", {"raw", "cades"}}},
                    admin, &status);
  ASSERT_EQ(status, 201) << app;
  json citizen = b.call("POST", "/v1/admin/citizens",
                        {{"nif", "12345678Z"}, {"given_name", "Ana"}, {"surname1", "Ruiz"}, {"email", "ana@example.es"},
                         {"mobile", "+34600111222"}, {"registration_level", "advanced"}},
                        admin, &status);
  ASSERT_EQ(status, 201) << citizen;
  json challenge = a.call("POST", "/v1/citizens/activation",
                          {{"nif", "12345678Z"}, {"email", "ana@example.es"},
                           {"activation_code", citizen["activation_code"]}},
                          "", &status);
  ASSERT_EQ(status, 202) << challenge;
  b.call("POST", "/v1/citizens/activation/complete",
         {{"challenge_id", challenge["challenge_id"]}, {"otp", otp_in(outbox(), seen)}, {"password", "Clave-Firma-2026"}},
         "", &status);
  ASSERT_EQ(status, 200);

  const std::string key = app["api_key"];
  json created = a.call("POST", "/v1/transactions",
                        {{"nif", "12345678Z"}, {"return_url", "https://sede.example.gob.es/v"},
                         {"documents", {{{"name", "doc"}, {"format", "cades"}, {"content", to_base64(as_bytes("hola"))}}}}},
                        key, &status);
  ASSERT_EQ(status, 201) << created;
  const std::string id = created["id"];
  json started = b.call("POST", "/v1/transactions/" + id + "/authenticate",
                        {{"nif", "12345678Z"}, {"password", "Clave-Firma-2026"}}, "", &status);
  ASSERT_EQ(status, 202) << started;
  json confirmed = a.call("POST", "/v1/transactions/" + id + "/confirm", {{"otp", otp_in(outbox(), seen)}}, "", &status);
  ASSERT_EQ(status, 200) << confirmed;
  json fetched = b.call("GET", "/v1/transactions/" + id, nullptr, key, &status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(fetched["status"], "signed");
  ASSERT_EQ(fetched["documents"].size(), 1u);
  EXPECT_FALSE(fetched["documents"][0]["signature"].get<std::string>().empty());

  a.process->signal(SIGTERM);
  b.process->signal(SIGTERM);
  EXPECT_EQ(a.process->wait(30s), 0);
  EXPECT_EQ(b.process->wait(30s), 0);
}

}  // namespace
}  // namespace firma::testing
