// Faults under load: two firmad nodes on one PostgreSQL and one SoftHSM2 token, Kannel as the SMS gateway, and a
// few citizens signing whole transactions (create, password, OTP from fakesmsc, confirm, fetch) without pause
// while one node is killed -9 mid-confirmation and restarted, PostgreSQL restarts, the SMS gateway goes away for
// a while and (with the fault-injecting PKCS#11 module) the HSM fails. Afterwards the invariants: every
// transaction ended (signed, failed, expired, or cancelled by its application), no result handed over twice,
// every signature verifies, and the audit chain holds. Clients retry on 503 and on lost connections.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "confirmations_held.h"
#include "core/encoding.h"
#include "firmad_nodes.h"
#include "kannel_support.h"
#include "store/database.h"
#include "support/temp_dir.h"

namespace firma::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kClients = 3;
constexpr auto kLifetime = 20s;  // signing.transaction_lifetime_seconds
constexpr auto kLease = 5s;      // signing.claim_timeout_seconds
const std::string kPassword = "Clave-Firma-2026";
const std::string kContent = "expediente 2026/042: resolución";

// A valid DNI: eight digits and their check letter.
std::string nif_for(int n) {
  const int number = 10000000 + n;
  return std::to_string(number) + "TRWAGMYFPDXBNJZSQVHLCKE"[number % 23];
}
std::string mobile_for(int n) {
  return "+3460055500" + std::to_string(n);
}

// A private PostgreSQL server (not the suites' shared one: this test restarts it).
class PrivatePostgres {
 public:
  PrivatePostgres() : dir_("/tmp/firma-faults-" + std::to_string(::getpid())), port_(free_port()) {
    auto started = run_command(script("start"));
    ok_ = started.status == 0;
    error_ = started.output;
  }
  ~PrivatePostgres() { run_command(script("stop")); }
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  std::string url() const { return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres"; }
  // pg_ctl restart with the options of the first start (postmaster.opts), the log where it was.
  CommandResult restart() const {
    const char* bin = std::getenv("FIRMA_POSTGRES_BIN");
    const std::string pg_ctl = std::string(bin ? bin : "/usr/lib/postgresql/15/bin") + "/pg_ctl";
    const std::string as_owner = ::getuid() == 0 ? "runuser -u postgres -- " : "";
    return run_command(as_owner + pg_ctl + " -D " + dir_ + "/data -l " + dir_ + "/server.log -m fast -w -t 60 restart");
  }

 private:
  std::string script(const std::string& action) const {
    return std::string(FIRMA_SOURCE_DIR) + "/scripts/test-postgres.sh " + action + " " + dir_ + " " +
           std::to_string(port_) + " 2>&1";
  }
  std::string dir_;
  int port_;
  bool ok_ = false;
  std::string error_;
};

// The codes fakesmsc received, shared by the client threads. A text with "ó" travels as UCS-2, so a signing SMS
// arrives in parts: the code is in the part that says "código".
class SmsInbox {
 public:
  explicit SmsInbox(Process& fakesmsc) : fakesmsc_(fakesmsc) {}
  // How many messages (parts) went to `mobile` so far.
  std::size_t count(const std::string& mobile) {
    std::lock_guard lock(mutex_);
    return to(mobile).size();
  }
  // The code in the first message to `mobile` after the first `seen` ones; "" after `limit`.
  std::string code_after(const std::string& mobile, std::size_t seen, std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      {
        std::lock_guard lock(mutex_);
        const auto texts = to(mobile);
        for (std::size_t i = seen; i < texts.size(); ++i)
          if (auto at = texts[i].find("c\u00F3digo"); at != std::string::npos) return code_in(texts[i].substr(at));
      }
      std::this_thread::sleep_for(100ms);
    }
    return {};
  }

 private:
  std::vector<std::string> to(const std::string& mobile) {
    const std::string digits = mobile.substr(mobile.find_first_not_of('+'));
    std::vector<std::string> out;
    for (auto& m : fakesmsc_messages(fakesmsc_.output()))
      if (m.to.find(digits) != std::string::npos) out.push_back(m.text);
    return out;
  }
  Process& fakesmsc_;
  std::mutex mutex_;
};

struct Counters {
  std::atomic<int> started{0}, signed_{0}, failed{0}, expired{0}, cancelled{0}, retries{0}, lost_results{0};
  std::mutex mutex;
  std::map<std::string, int> unexpected;                        // "step status code": how often
  std::map<std::string, int> results_received;                  // transaction id -> times its results came
  std::vector<std::pair<std::string, std::string>> signatures;  // transaction id, DER CMS
  void unexpected_answer(const std::string& step, const NodeReply& r) {
    std::lock_guard lock(this->mutex);
    ++unexpected[step + " " + std::to_string(r.status) + " " + r.body.value("code", "")];
  }
};

// One client thread: whole transactions for one citizen, spreading the steps over the nodes.
class Client {
 public:
  Client(int n, std::vector<FirmadNode*> nodes, const std::string& app_key, SmsInbox& inbox, Counters& counters)
      : n_(n), nodes_(std::move(nodes)), app_key_(app_key), inbox_(inbox), counters_(counters) {}

  // A steady load, not a flood: every signed result is verified with openssl afterwards, within the test's time.
  void run(const std::atomic<bool>& stop) {
    while (!stop) {
      one_transaction();
      std::this_thread::sleep_for(200ms);
    }
  }

 private:
  bool retryable(const NodeReply& r) const { return r.status == 0 || r.status == 503 || r.status == 502; }

  // Sends the step to one node after another until it is not a 503 or a lost connection, or `limit` passes.
  NodeReply step(const std::string& method, const std::string& path, const json& body, const std::string& bearer,
                 std::chrono::seconds limit = 60s) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
      const FirmadNode& node = *nodes_[turn_++ % nodes_.size()];
      NodeReply r = node.call(method, path, body, bearer, 30);
      if (!retryable(r) || Clock::now() > deadline) return r;
      ++counters_.retries;
      std::this_thread::sleep_for(200ms);
    }
  }

  void one_transaction() {
    const std::string nif = nif_for(n_);
    auto created =
        step("POST", "/v1/transactions",
             {{"nif", nif},
              {"return_url", "https://sede.example.gob.es/vuelta"},
              {"documents",
               {{{"name", "resolucion.txt"}, {"format", "cades"}, {"content", to_base64(as_bytes(kContent))}}}}},
             app_key_);
    if (created.status != 201) {
      counters_.unexpected_answer("create", created);
      std::this_thread::sleep_for(500ms);
      return;
    }
    ++counters_.started;
    const std::string id = created.body["id"];
    const std::string mobile = mobile_for(n_);
    const std::string path = "/v1/transactions/" + id;

    // Password then OTP; a lost code (the gateway was away) or a used-up one means authenticating again.
    for (int round = 0; round < 6; ++round) {
      const std::size_t seen = inbox_.count(mobile);
      auto started = step("POST", path + "/authenticate", {{"nif", nif}, {"password", kPassword}}, "");
      if (started.status != 202) {
        if (started.status != 409 && started.status != 410) counters_.unexpected_answer("authenticate", started);
        break;
      }
      const std::string otp = inbox_.code_after(mobile, seen, 20s);
      if (otp.empty()) {
        ++counters_.retries;
        continue;
      }
      auto confirmed = step("POST", path + "/confirm", {{"otp", otp}}, "");
      if (confirmed.status == 200) break;
      const std::string code = confirmed.body.value("code", "");
      if (confirmed.status == 401 || code.rfind("otp_", 0) == 0) {
        ++counters_.retries;  // an answer lost after the code was spent: a new code
        continue;
      }
      if (confirmed.status != 409 && confirmed.status != 410 && !retryable(confirmed) && confirmed.status != 403)
        counters_.unexpected_answer("confirm", confirmed);
      break;
    }
    settle(path, id);
  }

  // Waits for the transaction's end (signing, possibly recovered), fetches the results once, or cancels a
  // transaction that could not go on.
  void settle(const std::string& path, const std::string& id) {
    const auto deadline = Clock::now() + kLifetime + kLease + 20s;
    for (;;) {
      auto got = step("GET", path, nullptr, app_key_);
      if (got.status != 200) {
        counters_.unexpected_answer("fetch", got);
        if (Clock::now() > deadline) return;
        std::this_thread::sleep_for(500ms);
        continue;
      }
      const std::string status = got.body["status"];
      if (status == "signed") {
        ++counters_.signed_;
        std::lock_guard lock(counters_.mutex);
        if (got.body["documents"].empty()) {
          ++counters_.lost_results;  // fetched by a GET whose answer was lost
          return;
        }
        ++counters_.results_received[id];
        counters_.signatures.emplace_back(id, got.body["documents"][0]["signature"].get<std::string>());
        return;
      }
      if (status == "failed") return void(++counters_.failed);
      if (status == "expired") return void(++counters_.expired);
      if (status == "rejected") return void(++counters_.cancelled);
      if (status == "pending" || status == "authenticated") {
        auto cancelled = step("DELETE", path, nullptr, app_key_);
        if (cancelled.status != 204 && cancelled.status != 409 && cancelled.status != 410)
          counters_.unexpected_answer("cancel", cancelled);
      }
      if (Clock::now() > deadline) return;
      std::this_thread::sleep_for(300ms);
    }
  }

  int n_;
  std::vector<FirmadNode*> nodes_;
  std::string app_key_;
  SmsInbox& inbox_;
  Counters& counters_;
  std::size_t turn_ = 0;
};

class FaultsUnderLoad : public ::testing::Test {
 protected:
  // Reads what the processes print (so that no pipe fills up) while `duration` passes.
  void pause(std::chrono::milliseconds duration) {
    const auto until = Clock::now() + duration;
    while (Clock::now() < until) {
      for (FirmadNode* node : {a_.get(), b_.get()})
        if (node) (void)node->process().output();
      for (Process* p : {bearerbox_.get(), smsbox_.get()})
        if (p) (void)p->output();
      std::this_thread::sleep_for(100ms);
    }
  }
  void log(const std::string& what) {
    const double t = std::chrono::duration<double>(Clock::now() - began_).count();
    std::printf("[faults %6.1f s] %s\n", t, what.c_str());
    std::fflush(stdout);
  }
  std::int64_t count(const std::string& sql) {
    auto rows = db_->transact([&](store::Tx& tx) { return tx.query(sql); });
    return rows && !rows->empty() ? rows->front().integer(0) : -1;
  }
  std::vector<std::string> node_args(const std::string& data_dir) {
    return {"--data-dir", data_dir,
            "--set",      "database.url=" + pg_.url(),
            "--set",      "log.level=warn",
            "--set",      "password.argon2_memory_kib=1024",
            "--set",      "password.argon2_iterations=1",
            "--set",      "signing.claim_timeout_seconds=" + std::to_string(kLease.count()),
            "--set",      "signing.transaction_lifetime_seconds=" + std::to_string(kLifetime.count()),
            "--set",      "pki.maintenance_interval_seconds=1",
            "--set",      "sms.gateway=kannel",
            "--set",      "sms.kannel.url=" + kannel_.sendsms_url(),
            "--set",      "sms.kannel.username=firma",
            "--set",      "sms.kannel.password_file=" + (dir_.path() / "kannel-password").string(),
            "--set",      "sms.timeout_seconds=3",
            "--set",      "rate_limit.per_nif.burst=1000000",
            "--set",      "rate_limit.per_nif.per_hour=100000000",
            "--set",      "rate_limit.per_address.burst=1000000",
            "--set",      "rate_limit.per_address.per_hour=100000000"};
  }
  std::unique_ptr<Process> start_smsbox() {
    auto p = std::make_unique<Process>(kSmsbox, std::vector<std::string>{kannel_config_.string()});
    EXPECT_TRUE(wait_listening(kannel_.sendsms, 30s)) << p->output();
    return p;
  }

  const Clock::time_point began_ = Clock::now();
  TempDir dir_;
  PrivatePostgres pg_;
  KannelPorts kannel_;
  fs::path kannel_config_;
  std::unique_ptr<Process> bearerbox_, fakesmsc_, smsbox_;
  std::unique_ptr<FirmadNode> a_, b_;
  std::unique_ptr<store::Database> db_;
};

TEST_F(FaultsUnderLoad, EveryTransactionEndsAndNoSignatureIsReleasedTwice) {
  ASSERT_TRUE(pg_.ok()) << pg_.error();
  auto db = store::Database::open(pg_.url(), 2);
  ASSERT_TRUE(db) << db.error().message;
  db_ = std::move(*db);

  kannel_config_ = dir_.path() / "kannel.conf";
  write_file(kannel_config_, kannel_.configuration());
  write_file(dir_.path() / "kannel-password", "kannel-secret");
  fs::permissions(dir_.path() / "kannel-password", fs::perms::owner_read | fs::perms::owner_write);
  bearerbox_ = std::make_unique<Process>(kBearerbox, std::vector<std::string>{kannel_config_.string()});
  ASSERT_TRUE(wait_listening(kannel_.smsc, 30s)) << bearerbox_->output();
  fakesmsc_ = std::make_unique<Process>(kFakesmsc, fakesmsc_args(kannel_));
  smsbox_ = start_smsbox();
  SmsInbox inbox(*fakesmsc_);

  // Node a creates the token; node b uses it too (through the fault-injecting module when there is one).
  const std::string a_dir = (dir_.path() / "a").string();
  a_ = std::make_unique<FirmadNode>(node_args(a_dir));
  ASSERT_NE(a_->port(), 0) << a_->process().output();
  const std::string admin = a_->admin_token();
  ASSERT_FALSE(admin.empty()) << a_->process().output();
  auto b_args = node_args((dir_.path() / "b").string());
  auto b_env = shared_token_env(a_dir);
  for (const auto& arg : shared_token_args(a_dir)) b_args.push_back(arg);
#ifdef FIRMA_FAULTY_PKCS11_MODULE
  const fs::path hsm_control = dir_.path() / "hsm-fault";
  write_file(hsm_control, "none\n");
  b_args.insert(b_args.end(), {"--set", std::string("hsm.module=") + FIRMA_FAULTY_PKCS11_MODULE});
  b_env["FIRMA_FAULT_REAL_MODULE"] = FIRMA_SOFTHSM_MODULE;
  b_env["FIRMA_FAULT_CONTROL"] = hsm_control.string();
#endif
  b_ = std::make_unique<FirmadNode>(b_args, b_env);
  ASSERT_NE(b_->port(), 0) << b_->process().output();

  auto app = a_->call(
      "POST", "/v1/admin/apps",
      {{"name", "Sede"}, {"return_url_prefixes", {"https://sede.example.gob.es/"}}, {"allowed_formats", {"cades"}}},
      admin);
  ASSERT_EQ(app.status, 201) << app.raw;
  const std::string app_key = app.body["api_key"];
  for (int n = 0; n < kClients; ++n) {
    auto citizen = a_->call("POST", "/v1/admin/citizens",
                            {{"nif", nif_for(n)},
                             {"given_name", "Ana"},
                             {"surname1", "Ruiz"},
                             {"email", "c" + std::to_string(n) + "@example.es"},
                             {"mobile", mobile_for(n)},
                             {"registration_level", "advanced"}},
                            admin);
    ASSERT_EQ(citizen.status, 201) << citizen.raw;
    const std::size_t seen = inbox.count(mobile_for(n));
    auto challenge = b_->call("POST", "/v1/citizens/activation",
                              {{"nif", nif_for(n)},
                               {"email", "c" + std::to_string(n) + "@example.es"},
                               {"activation_code", citizen.body["activation_code"]}});
    ASSERT_EQ(challenge.status, 202) << challenge.raw;
    auto done = a_->call("POST", "/v1/citizens/activation/complete",
                         {{"challenge_id", challenge.body["challenge_id"]},
                          {"otp", inbox.code_after(mobile_for(n), seen, 30s)},
                          {"password", kPassword}});
    ASSERT_EQ(done.status, 200) << done.raw;
  }
  auto ca = a_->call("GET", "/pki/ca.pem");
  ASSERT_EQ(ca.status, 200);
  write_file(dir_.path() / "ca.pem", ca.raw);
  write_file(dir_.path() / "content.txt", kContent);
  log("two nodes, PostgreSQL and Kannel up; " + std::to_string(kClients) + " citizens signing");

  Counters counters;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int n = 0; n < kClients; ++n)
    clients.emplace_back([&, n] {
      Client client(n, {a_.get(), b_.get()}, app_key, inbox, counters);
      client.run(stop);
    });
  pause(8s);

  // Kill -9 node a while confirmations are between their claim and their save.
  {
    ConfirmationsHeld held(*db_);
    ASSERT_TRUE(held.ok());
    const auto until = Clock::now() + 20s;
    while (count("SELECT count(*) FROM transactions WHERE status = 'signing'") == 0 && Clock::now() < until)
      pause(100ms);
    pause(1500ms);
    log("kill -9 node a with " + std::to_string(count("SELECT count(*) FROM transactions WHERE status = 'signing'")) +
        " confirmations in flight");
    a_->process().signal(SIGKILL);
    a_->process().wait(30s);
  }
  pause(2s);
  ASSERT_TRUE(a_->restart()) << a_->process().output();
  log("node a restarted");
  pause(6s);

  log("restarting PostgreSQL");
  auto restarted = pg_.restart();
  ASSERT_EQ(restarted.status, 0) << restarted.output;
  log("PostgreSQL restarted");
  pause(6s);

  log("SMS gateway unreachable (smsbox stopped)");
  smsbox_->signal(SIGKILL);
  smsbox_->wait(30s);
  smsbox_.reset();
  pause(8s);
  smsbox_ = start_smsbox();
  log("SMS gateway back");
  pause(6s);

#ifdef FIRMA_FAULTY_PKCS11_MODULE
  for (const char* fault : {"device_error", "session_invalid", "token_removed"}) {
    log(std::string("HSM of node b: ") + fault);
    write_file(hsm_control, std::string(fault) + "\n");
    pause(3s);
    write_file(hsm_control, "none\n");
    log("HSM of node b: none");
    pause(4s);
  }
#endif

  stop = true;
  log("load stopped; waiting for the clients to finish their transactions");
  auto joined = std::async(std::launch::async, [&] {
    for (auto& t : clients) t.join();
  });
  while (joined.wait_for(0s) != std::future_status::ready) pause(200ms);

  // What is still open ends by the upkeep: abandoned claims fail after the lease, the rest expires.
  const auto settled_by = Clock::now() + kLifetime + kLease + 15s;
  const std::string open = "SELECT count(*) FROM transactions WHERE status IN ('pending', 'authenticated', 'signing')";
  while (count(open) != 0 && Clock::now() < settled_by) pause(500ms);
  log("settled");

  // Every transaction ended.
  EXPECT_EQ(count(open), 0) << "none left pending, authenticated or signing";
  EXPECT_EQ(count("SELECT count(*) FROM transactions WHERE status NOT IN ('signed', 'failed', 'expired', "
                  "'rejected')"),
            0);
  // No result handed over twice: each came to a client at most once, one retrieval each on record, and nothing
  // of a finished transaction is kept.
  for (const auto& [id, times] : counters.results_received) EXPECT_EQ(times, 1) << id;
  EXPECT_EQ(count("SELECT count(*) FROM (SELECT subject FROM audit_events WHERE action = 'transaction.retrieve' "
                  "GROUP BY subject HAVING count(*) > 1) twice"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM transaction_documents d JOIN transactions t ON t.id = d.transaction_id "
                  "WHERE t.status <> 'signed' AND (d.content IS NOT NULL OR d.prepared_state IS NOT NULL OR "
                  "d.result IS NOT NULL)"),
            0)
      << "failed, expired and cancelled transactions are purged";
  EXPECT_EQ(count("SELECT count(*) FROM transaction_documents d JOIN transactions t ON t.id = d.transaction_id "
                  "WHERE t.status = 'signed' AND d.result IS NOT NULL"),
            0)
      << "every signed result was fetched, and purged with it";
  for (const auto& [id, signature] : counters.signatures) {
    auto again = a_->call("GET", "/v1/transactions/" + id, nullptr, app_key);
    EXPECT_TRUE(again.status != 200 || again.body["documents"].empty()) << id << ": handed over again";
  }

  // Every signature verifies against the CA.
  int verified = 0;
  for (const auto& [id, signature] : counters.signatures) {
    const fs::path file = dir_.path() / (id + ".p7s");
    write_file(file, to_string(*from_base64(signature)));
    auto v = run_command("openssl cms -verify -binary -inform DER -in " + file.string() + " -content " +
                         (dir_.path() / "content.txt").string() + " -CAfile " + (dir_.path() / "ca.pem").string() +
                         " -purpose any -out /dev/null 2>&1");
    EXPECT_EQ(v.status, 0) << id << ": " << v.output;
    verified += v.status == 0;
  }

  auto audit = b_->call("GET", "/v1/admin/audit/verify", nullptr, admin);
  EXPECT_EQ(audit.status, 200) << audit.raw;
  EXPECT_EQ(audit.body["ok"], true) << audit.raw;

  const auto recovered = count("SELECT count(*) FROM audit_events WHERE action = 'transaction.recover'");
  std::printf(
      "faults under load: %d transactions started; %d signed (%d results verified, %d handed to a lost answer), "
      "%d failed (%lld recovered from an abandoned confirmation), %d expired, %d cancelled; %d retries\n",
      counters.started.load(), counters.signed_.load(), verified, counters.lost_results.load(), counters.failed.load(),
      static_cast<long long>(recovered), counters.expired.load(), counters.cancelled.load(), counters.retries.load());
  std::printf("database: %lld transactions: %lld signed, %lld failed, %lld expired, %lld rejected\n",
              static_cast<long long>(count("SELECT count(*) FROM transactions")),
              static_cast<long long>(count("SELECT count(*) FROM transactions WHERE status = 'signed'")),
              static_cast<long long>(count("SELECT count(*) FROM transactions WHERE status = 'failed'")),
              static_cast<long long>(count("SELECT count(*) FROM transactions WHERE status = 'expired'")),
              static_cast<long long>(count("SELECT count(*) FROM transactions WHERE status = 'rejected'")));
  for (const auto& [what, times] : counters.unexpected) std::printf("  answer %s: %d times\n", what.c_str(), times);
  std::string last_sms;
  for (const auto& m : fakesmsc_messages(fakesmsc_->output())) last_sms = m.to + ": " + m.text;
  EXPECT_GT(counters.signed_.load(), 0) << "the load signed something; the last SMS: " << last_sms;
}

}  // namespace
}  // namespace firma::testing
