// Two firmad processes on one PostgreSQL and one HSM token: any node serves any step of a transaction.
#include <gtest/gtest.h>
#include <signal.h>

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

}  // namespace
}  // namespace firma::testing
