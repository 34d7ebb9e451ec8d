// firmad processes on PostgreSQL, a confirmation caught between its claim and its save: killed -9, the restarted
// node fails the transaction at start-up; paused while another node recovers it, it comes back and saves nothing.
// The confirmation is held at its first write after the claim (recording the SAD's uses) by a lock the test
// takes on sad_uses, so the timing is the test's, not the scheduler's.
#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <thread>

#include "confirmations_held.h"
#include "core/encoding.h"
#include "firmad_nodes.h"
#include "store/database.h"
#include "support/postgres.h"
#include "support/temp_dir.h"

namespace firma::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kNif = "12345678Z";
const std::string kMobile = "+34600111222";
const std::string kPassword = "Clave-Firma-2026";

std::vector<std::string> node_args(const std::string& data_dir, const std::string& database_url,
                                   const std::string& upkeep_seconds) {
  return {"--data-dir", data_dir,
          "--set",      "database.url=" + database_url,
          "--set",      "password.argon2_memory_kib=1024",
          "--set",      "password.argon2_iterations=1",
          "--set",      "signing.claim_timeout_seconds=2",
          "--set",      "pki.maintenance_interval_seconds=" + upkeep_seconds};
}

class SigningRecoveryProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pg_.ok()) << pg_.error();
    auto db = store::Database::open(pg_.url(), 2);
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
  }

  // Node a's first start: the administrator token, an application and an activated citizen.
  void start_first_node(const std::string& upkeep_seconds) {
    a_ = std::make_unique<FirmadNode>(node_args(a_dir(), pg_.url(), upkeep_seconds));
    ASSERT_NE(a_->port(), 0) << a_->process().output();
    admin_ = a_->admin_token();
    ASSERT_FALSE(admin_.empty()) << a_->process().output();
    reader_ = make_outbox_reader(*a_, admin_);
    ASSERT_FALSE(reader_.empty());
    auto app = a_->call("POST", "/v1/admin/apps",
                        {{"name", "Sede"},
                         {"return_url_prefixes", {"https://sede.example.gob.es/"}},
                         {"allowed_formats", {"raw", "cades"}}},
                        admin_);
    ASSERT_EQ(app.status, 201) << app.body;
    app_key_ = app.body["api_key"];
    auto citizen = a_->call("POST", "/v1/admin/citizens",
                            {{"nif", kNif},
                             {"given_name", "Ana"},
                             {"surname1", "Ruiz"},
                             {"email", "ana@example.es"},
                             {"mobile", kMobile},
                             {"registration_level", "advanced"}},
                            admin_);
    ASSERT_EQ(citizen.status, 201) << citizen.body;
    auto challenge =
        a_->call("POST", "/v1/citizens/activation",
                 {{"nif", kNif}, {"email", "ana@example.es"}, {"activation_code", citizen.body["activation_code"]}});
    ASSERT_EQ(challenge.status, 202) << challenge.body;
    auto done =
        a_->call("POST", "/v1/citizens/activation/complete",
                 {{"challenge_id", challenge.body["challenge_id"]}, {"otp", next_otp()}, {"password", kPassword}});
    ASSERT_EQ(done.status, 200) << done.body;
  }

  std::string next_otp() {
    return otp_in(a_->call("GET", "/v1/admin/sms/outbox?to=%2B34600111222", nullptr, reader_).body, seen_);
  }

  // A transaction of two documents, authenticated; its OTP in `otp`.
  std::string authenticated_transaction(std::string& otp) {
    auto created =
        a_->call("POST", "/v1/transactions",
                 {{"nif", kNif},
                  {"return_url", "https://sede.example.gob.es/v"},
                  {"documents",
                   {{{"name", "doc"}, {"format", "cades"}, {"content", to_base64(as_bytes("hola"))}},
                    {{"name", "hash"},
                     {"format", "raw"},
                     {"digest", {{"algorithm", "sha256"}, {"value", to_base64(sha256(std::string("x")))}}}}}}},
                 app_key_);
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = created.body.value("id", "");
    auto started =
        a_->call("POST", "/v1/transactions/" + id + "/authenticate", {{"nif", kNif}, {"password", kPassword}});
    EXPECT_EQ(started.status, 202) << started.body;
    otp = next_otp();
    return id;
  }

  std::string status_of(const std::string& id) {
    auto rows =
        db_->transact([&](store::Tx& tx) { return tx.query("SELECT status FROM transactions WHERE id = $1", {id}); });
    return rows && !rows->empty() ? rows->front().text(0) : std::string();
  }
  std::int64_t count(const std::string& sql, const std::string& id) {
    auto rows = db_->transact([&](store::Tx& tx) { return tx.query(sql, {id}); });
    return rows && !rows->empty() ? rows->front().integer(0) : -1;
  }
  // Waits (the other process's progress, not time logic) until the transaction's status is `wanted`.
  bool wait_for_status(const std::string& id, const std::string& wanted, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (status_of(id) == wanted) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  // Sends the confirmation to node a and waits until it has claimed the transaction (and is held there).
  std::future<NodeReply> confirm_until_claimed(const std::string& id, const std::string& otp) {
    auto confirmation = std::async(std::launch::async, [this, id, otp] {
      return a_->call("POST", "/v1/transactions/" + id + "/confirm", {{"otp", otp}});
    });
    EXPECT_TRUE(wait_for_status(id, "signing", 60s)) << status_of(id);
    return confirmation;
  }

  // What the application and the database show of a recovered transaction.
  void expect_failed_and_purged(const FirmadNode& node, const std::string& id) {
    auto fetched = node.call("GET", "/v1/transactions/" + id, nullptr, app_key_);
    ASSERT_EQ(fetched.status, 200) << fetched.body;
    EXPECT_EQ(fetched.body["status"], "failed");
    EXPECT_NE(fetched.body.value("failure", "").find("no signature was released"), std::string::npos) << fetched.body;
    EXPECT_TRUE(fetched.body["documents"].empty()) << fetched.body;
    EXPECT_EQ(count("SELECT count(*) FROM transaction_documents WHERE transaction_id = $1 AND (content IS NOT NULL "
                    "OR prepared_state IS NOT NULL OR result IS NOT NULL)",
                    id),
              0);
    EXPECT_EQ(count("SELECT count(*) FROM audit_events WHERE subject = $1 AND action = 'transaction.recover'", id), 1);
    auto verified = node.call("GET", "/v1/admin/audit/verify", nullptr, admin_);
    EXPECT_EQ(verified.status, 200) << verified.body;
    EXPECT_EQ(verified.body["ok"], true) << verified.body;
  }

  std::string a_dir() const { return (dir_.path() / "a").string(); }

  PostgresDatabase pg_;
  TempDir dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<FirmadNode> a_;
  std::string admin_, reader_, app_key_;
  std::set<std::string> seen_;
};

TEST_F(SigningRecoveryProcess, AProcessKilledMidConfirmationIsMendedByItsRestart) {
  start_first_node("3600");  // no upkeep during the test: only the start can mend it
  std::string otp;
  const std::string id = authenticated_transaction(otp);

  ConfirmationsHeld lock(*db_);
  ASSERT_TRUE(lock.ok());
  auto confirmation = confirm_until_claimed(id, otp);
  a_->process().signal(SIGKILL);
  a_->process().wait(30s);
  lock.release();
  EXPECT_EQ(confirmation.get().status, 0) << "the process died before answering";
  EXPECT_EQ(status_of(id), "signing") << "what the kill leaves";
  EXPECT_EQ(count("SELECT count(*) FROM sads WHERE transaction_id = $1", id), 1) << "the SAD was minted";

  std::this_thread::sleep_for(2500ms);  // the claim's lease (2 s) runs out
  ASSERT_TRUE(a_->restart()) << a_->process().output();
  EXPECT_EQ(status_of(id), "failed") << "mended by the start";
  expect_failed_and_purged(*a_, id);
  EXPECT_EQ(count("SELECT count(*) FROM sad_uses u JOIN sads s ON s.id = u.sad_id WHERE s.transaction_id = $1", id), 0);
  auto again = a_->call("POST", "/v1/transactions/" + id + "/confirm", {{"otp", otp}});
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(a_->process().output().find("transactions.recovered"), std::string::npos) << a_->process().output();
}

TEST_F(SigningRecoveryProcess, ANodeThatComesBackAfterRecoveryReleasesNothing) {
  start_first_node("3600");
  // Node b, on a's token and the same database, runs the upkeep every second.
  FirmadNode b_on_token(
      [&] {
        auto args = node_args((dir_.path() / "b").string(), pg_.url(), "1");
        auto token = shared_token_args(a_dir());
        args.insert(args.end(), token.begin(), token.end());
        return args;
      }(),
      shared_token_env(a_dir()));
  ASSERT_NE(b_on_token.port(), 0) << b_on_token.process().output();
  std::string otp;
  const std::string id = authenticated_transaction(otp);

  ConfirmationsHeld lock(*db_);
  ASSERT_TRUE(lock.ok());
  auto confirmation = confirm_until_claimed(id, otp);
  // Node a waits; node b takes it for dead once the lease has run out.
  ASSERT_TRUE(wait_for_status(id, "failed", 30s)) << status_of(id);
  lock.release();

  // Node a goes on (its SAD check passed before the recovery): it may sign, but saves and releases nothing.
  auto late = confirmation.get();
  EXPECT_EQ(late.status, 409) << late.body;
  EXPECT_EQ(status_of(id), "failed");
  expect_failed_and_purged(b_on_token, id);
}

}  // namespace
}  // namespace firma::testing
