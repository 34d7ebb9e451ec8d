// Two firmad processes on one PostgreSQL and one HSM token: any node serves any step of a transaction.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "core/encoding.h"
#include "firmad_nodes.h"
#include "support/postgres.h"
#include "support/temp_dir.h"

namespace firma::testing {
namespace {

using namespace std::chrono_literals;

TEST(TwoNodes, AnyNodeServesAnyStep) {
  PostgresDatabase pg;
  ASSERT_TRUE(pg.ok()) << pg.error();
  TempDir dir;
  const std::string a_dir = (dir.path() / "a").string();
  const std::vector<std::string> cheap = {"--set", "password.argon2_memory_kib=1024",
                                          "--set", "password.argon2_iterations=1",
                                          "--set", "database.url=" + pg.url()};
  std::vector<std::string> a_args = {"--data-dir", a_dir};
  a_args.insert(a_args.end(), cheap.begin(), cheap.end());
  FirmadNode a(a_args);
  ASSERT_NE(a.port(), 0) << a.process().output();
  const std::string admin = a.admin_token();
  ASSERT_FALSE(admin.empty()) << a.process().output();
  // Node b shares a's token (as nodes share a network HSM) and the database.
  std::vector<std::string> b_args = {"--data-dir", (dir.path() / "b").string()};
  b_args.insert(b_args.end(), cheap.begin(), cheap.end());
  for (const auto& arg : shared_token_args(a_dir)) b_args.push_back(arg);
  FirmadNode b(b_args, shared_token_env(a_dir));
  ASSERT_NE(b.port(), 0) << b.process().output();

  std::set<std::string> seen;
  const std::string reader = make_outbox_reader(a, admin);
  ASSERT_FALSE(reader.empty());
  auto outbox = [&] { return a.call("GET", "/v1/admin/sms/outbox?to=%2B34600111222", nullptr, reader).body; };
  auto app = a.call("POST", "/v1/admin/apps",
                    {{"name", "Sede"},
                     {"return_url_prefixes", {"https://sede.example.gob.es/"}},
                     {"allowed_formats", {"raw", "cades"}}},
                    admin);
  ASSERT_EQ(app.status, 201) << app.raw;
  auto citizen = b.call("POST", "/v1/admin/citizens",
                        {{"nif", "12345678Z"},
                         {"given_name", "Ana"},
                         {"surname1", "Ruiz"},
                         {"email", "ana@example.es"},
                         {"mobile", "+34600111222"},
                         {"registration_level", "advanced"}},
                        admin);
  ASSERT_EQ(citizen.status, 201) << citizen.raw;
  auto challenge =
      a.call("POST", "/v1/citizens/activation",
             {{"nif", "12345678Z"}, {"email", "ana@example.es"}, {"activation_code", citizen.body["activation_code"]}});
  ASSERT_EQ(challenge.status, 202) << challenge.raw;
  auto activated = b.call("POST", "/v1/citizens/activation/complete",
                          {{"challenge_id", challenge.body["challenge_id"]},
                           {"otp", otp_in(outbox(), seen)},
                           {"password", "Clave-Firma-2026"}});
  ASSERT_EQ(activated.status, 200) << activated.raw;

  const std::string key = app.body["api_key"];
  auto created =
      a.call("POST", "/v1/transactions",
             {{"nif", "12345678Z"},
              {"return_url", "https://sede.example.gob.es/v"},
              {"documents", {{{"name", "doc"}, {"format", "cades"}, {"content", to_base64(as_bytes("hola"))}}}}},
             key);
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string id = created.body["id"];
  auto started = b.call("POST", "/v1/transactions/" + id + "/authenticate",
                        {{"nif", "12345678Z"}, {"password", "Clave-Firma-2026"}});
  ASSERT_EQ(started.status, 202) << started.raw;
  auto confirmed = a.call("POST", "/v1/transactions/" + id + "/confirm", {{"otp", otp_in(outbox(), seen)}});
  ASSERT_EQ(confirmed.status, 200) << confirmed.raw;
  auto fetched = b.call("GET", "/v1/transactions/" + id, nullptr, key);
  ASSERT_EQ(fetched.status, 200);
  EXPECT_EQ(fetched.body["status"], "signed");
  ASSERT_EQ(fetched.body["documents"].size(), 1u);
  EXPECT_FALSE(fetched.body["documents"][0]["signature"].get<std::string>().empty());

  a.process().signal(SIGTERM);
  b.process().signal(SIGTERM);
  EXPECT_EQ(a.process().wait(30s), 0);
  EXPECT_EQ(b.process().wait(30s), 0);
}

// Both nodes write audit events at once (each operator made is one), each seals when it holds the sealing lock;
// the node that sealed is killed outright, the other takes over: every event sealed once, the chain verifies.
TEST(TwoNodes, AuditTrailAcrossNodesSurvivesAKilledSealer) {
  PostgresDatabase pg;
  ASSERT_TRUE(pg.ok()) << pg.error();
  TempDir dir;
  const std::string a_dir = (dir.path() / "a").string();
  const std::vector<std::string> common = {"--set", "database.url=" + pg.url()};
  std::vector<std::string> a_args = {"--data-dir", a_dir};
  a_args.insert(a_args.end(), common.begin(), common.end());
  FirmadNode a(a_args);
  ASSERT_NE(a.port(), 0) << a.process().output();
  const std::string admin = a.admin_token();
  ASSERT_FALSE(admin.empty()) << a.process().output();
  std::vector<std::string> b_args = {"--data-dir", (dir.path() / "b").string()};
  b_args.insert(b_args.end(), common.begin(), common.end());
  for (const auto& arg : shared_token_args(a_dir)) b_args.push_back(arg);
  FirmadNode b(b_args, shared_token_env(a_dir));
  ASSERT_NE(b.port(), 0) << b.process().output();

  constexpr int per_node = 30;
  std::atomic<int> made{0};
  auto make_operators = [&](FirmadNode& node, const std::string& prefix) {
    for (int i = 0; i < per_node; ++i)
      if (node.call("POST", "/v1/admin/operators", {{"name", prefix + std::to_string(i)}, {"roles", {"auditor"}}},
                    admin)
              .status == 201)
        ++made;
  };
  std::thread on_a([&] { make_operators(a, "a-"); });
  std::thread on_b([&] { make_operators(b, "b-"); });
  on_a.join();
  on_b.join();
  ASSERT_EQ(made.load(), 2 * per_node);
  auto sealed_by_a = a.call("GET", "/v1/admin/audit/verify", nullptr, admin);  // a seals, then walks
  ASSERT_EQ(sealed_by_a.status, 200) << sealed_by_a.raw;
  EXPECT_EQ(sealed_by_a.body["ok"], true) << sealed_by_a.raw;

  // More events, then a dies without a word (mid-seal or not: its open batch goes with its connection).
  std::thread more([&] { make_operators(a, "c-"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  a.process().signal(SIGKILL);
  more.join();
  make_operators(b, "d-");
  auto verified = b.call("GET", "/v1/admin/audit/verify", nullptr, admin);
  ASSERT_EQ(verified.status, 200) << verified.raw;
  EXPECT_EQ(verified.body["ok"], true) << verified.raw;
  EXPECT_EQ(verified.body["unsealed"], 0) << verified.raw;
  auto listed = b.call("GET", "/v1/admin/audit?limit=1000", nullptr, admin);
  ASSERT_EQ(listed.status, 200) << listed.raw;
  int creations = 0;
  std::set<std::int64_t> seqs;
  for (const auto& e : listed.body["events"]) {
    creations += e["action"] == "operator.create";
    seqs.insert(e["seq"].get<std::int64_t>());
  }
  // Every operator that exists (made on a before it died, too, answered or not) has its event, sealed once, and
  // the places run 1..n without a gap.
  auto operators = b.call("GET", "/v1/admin/operators", nullptr, admin);
  ASSERT_EQ(operators.status, 200) << operators.raw;
  EXPECT_EQ(creations + 1, static_cast<int>(operators.body["operators"].size())) << operators.raw;  // + the bootstrap
  EXPECT_GE(creations, made.load());
  EXPECT_EQ(static_cast<std::int64_t>(seqs.size()), verified.body["events"].get<std::int64_t>());
  EXPECT_EQ(*seqs.rbegin(), static_cast<std::int64_t>(seqs.size()));
  b.process().signal(SIGTERM);
  EXPECT_EQ(b.process().wait(30s), 0);
}

}  // namespace
}  // namespace firma::testing
