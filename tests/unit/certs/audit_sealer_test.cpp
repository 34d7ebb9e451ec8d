// The audit sealer on a real SoftHSM2 token, on SQLite and PostgreSQL: the audit key and its certificate, sealing,
// signed checkpoints that a database writer cannot forge, and two nodes sealing one trail.
#include "certs/audit_sealer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <latch>
#include <thread>
#include <vector>

#include "certs/authority.h"
#include "certs/crl.h"
#include "core/clock.h"
#include "core/random.h"
#include "hsm/botan_key.h"
#include "hsm/token.h"
#include "store/audit_log.h"
#include "store/cluster_lock.h"
#include "store/database.h"
#include "support/postgres.h"
#include "support/softhsm_token.h"
#include "support/temp_dir.h"

namespace firma::testing {
namespace {

using store::AuditLog;
using store::Backend;
using store::Tx;

Status run(store::Database& db, const std::string& sql, std::vector<store::Value> params = {}) {
  return db.transact([&](Tx& tx) -> Status {
    auto done = tx.execute(sql, std::move(params));
    if (!done) return std::move(done).error();
    return {};
  });
}

Status append(store::Database& db, const std::string& subject) {
  return db.transact([&](Tx& tx) {
    return AuditLog::append(tx, {"operator:alice", "citizen.register", subject, "success", ""}, SystemClock().now());
  });
}

// One node: a database connection pool, the CA and the sealer over the shared token.
struct Node {
  std::unique_ptr<store::Database> db;
  std::unique_ptr<certs::CertificateAuthority> ca;
  std::unique_ptr<certs::AuditSealer> sealer;
};

class AuditSealerTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::postgresql) {
      ASSERT_TRUE(pg_.ok()) << pg_.error();
      url_ = pg_.url();
    } else {
      url_ = "sqlite:" + (dir_.path() / "firma.db").string();
    }
    first_ = start_node();
  }

  std::unique_ptr<Node> start_node(std::size_t batch_size = 2000) {
    auto node = std::make_unique<Node>();
    auto opened = store::Database::open(url_, 4);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    if (!opened) return nullptr;
    node->db = std::move(*opened);
    if (Status s = node->db->migrate(); !s) ADD_FAILURE() << s.error().message;
    certs::CaSettings settings;
    settings.base_url = "http://127.0.0.1:8080";
    auto ca = certs::CertificateAuthority::open(hsm_.token(), *node->db, clock_, random_, settings);
    EXPECT_TRUE(ca.ok()) << ca.error().message;
    if (!ca) return nullptr;
    node->ca = std::move(*ca);
    auto sealer = certs::AuditSealer::open(*node->ca, hsm_.token(), *node->db, clock_, random_, batch_size);
    EXPECT_TRUE(sealer.ok()) << sealer.error().message;
    if (!sealer) return nullptr;
    node->sealer = std::move(*sealer);
    return node;
  }

  store::Database& db() { return *first_->db; }
  certs::AuditSealer& sealer() { return *first_->sealer; }

  SoftHsmToken hsm_;
  TempDir dir_;
  PostgresDatabase pg_;
  std::string url_;
  SystemClock clock_;
  SystemRandom random_;
  std::unique_ptr<Node> first_;
};

TEST_P(AuditSealerTest, TheAuditKeyHasItsOwnCertificateAndSignsNothingElse) {
  auto certificates = sealer().certificates();
  ASSERT_TRUE(certificates.ok()) << certificates.error().message;
  ASSERT_EQ(certificates->size(), 1u);
  // A second opening (a restart, another node) uses the same signer.
  auto again = certs::AuditSealer::open(*first_->ca, hsm_.token(), db(), clock_, random_);
  ASSERT_TRUE(again.ok()) << again.error().message;
  auto still = (*again)->certificates();
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(*still, *certificates);

  auto keys = hsm_.token().inventory();
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  int audit_keys = 0;
  for (const auto& key : *keys) {
    if (key.purpose != hsm::KeyPurpose::audit) continue;
    ++audit_keys;
    EXPECT_FALSE(key.extractable);
    EXPECT_TRUE(key.has_certificate);
    // It cannot sign as the CA (certificates, CRLs) nor as a citizen.
    EXPECT_FALSE(hsm::botan_private_key(hsm_.token(), key.id, hsm::KeyPurpose::certificate_authority).ok());
    const Bytes digest(32, 1);
    EXPECT_FALSE(hsm_.token().sign_digest(key.id, hsm::DigestAlgorithm::sha256, digest).ok());
  }
  EXPECT_EQ(audit_keys, 1);
}

TEST_P(AuditSealerTest, SealsWhatCommittedAndVerifiesItsSignatures) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(append(db(), "citizen:" + std::to_string(i)).ok());
  auto sealed = sealer().seal(true);
  ASSERT_TRUE(sealed.ok()) << sealed.error().message;
  EXPECT_GE(*sealed, 5);  // and the CA's own events before them
  auto verified = sealer().verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->events, *sealed);
  EXPECT_EQ(verified->checkpoints, 1);
  EXPECT_EQ(verified->unsealed, 0);

  // verify() seals first: an event committed a moment ago is covered by the answer.
  ASSERT_TRUE(append(db(), "citizen:late").ok());
  auto later = sealer().verify();
  ASSERT_TRUE(later.ok()) << later.error().message;
  EXPECT_TRUE(later->ok) << later->problem;
  EXPECT_EQ(later->events, *sealed + 1);
}

TEST_P(AuditSealerTest, AHistoryRewrittenWithRecomputedHashesFails) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(append(db(), "citizen:" + std::to_string(i)).ok());
  ASSERT_TRUE(sealer().seal(true).ok());
  auto records = db().transact([](Tx& tx) { return AuditLog::list(tx, 0, 1000); });
  ASSERT_TRUE(records.ok()) << records.error().message;
  const std::int64_t last = records->back().seq;
  // Whoever can write the database rewrites a record, recomputes every hash after it and the checkpoint's hash.
  std::string previous = (*records)[1].prev_hash;
  for (std::size_t i = 1; i < records->size(); ++i) {
    store::AuditRecord r = (*records)[i];
    if (i == 1) r.event.outcome = "denied";
    const std::string hash = store::audit_record_hash(previous, r.seq, r.at, r.event);
    ASSERT_TRUE(run(db(), "UPDATE audit_events SET outcome = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
                    {r.event.outcome, previous, hash, r.seq})
                    .ok());
    previous = hash;
  }
  ASSERT_TRUE(run(db(), "UPDATE audit_checkpoints SET hash = $1 WHERE seq = $2", {previous, last}).ok());
  auto verified = sealer().verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_FALSE(verified->ok);
  EXPECT_EQ(verified->first_bad_seq, 1);
  EXPECT_NE(verified->problem.find("not signed by the audit key"), std::string::npos) << verified->problem;
}

TEST_P(AuditSealerTest, AForgedAuditCertificateVerifiesNothing) {
  ASSERT_TRUE(append(db(), "citizen:1").ok());
  ASSERT_TRUE(sealer().seal(true).ok());
  // The forger signs a rewritten checkpoint with a key of their own, under a certificate the CA never issued (here
  // the issuing CA's own certificate, whose key they do not have: any certificate not issued by the CA will do).
  auto kept = sealer().checkpoints(0, 100);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 1u);
  const auto& issuing = first_->ca->issuing();
  ASSERT_TRUE(run(db(),
                  "INSERT INTO audit_signers (serial, key_id, subject, certificate, not_before, not_after, active, "
                  "created_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7)",
                  {std::string("FORGED"), std::string("forged"), std::string("forged"), issuing.der,
                   to_unix(issuing.not_before), to_unix(issuing.not_after), to_unix(issuing.not_before)})
                  .ok());
  ASSERT_TRUE(run(db(), "UPDATE audit_checkpoints SET signer = $1", {std::string("FORGED")}).ok());
  auto verified = sealer().verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_FALSE(verified->ok);
}

TEST_P(AuditSealerTest, KeptCheckpointsCatchATruncationTheDatabaseHides) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(append(db(), "citizen:" + std::to_string(i)).ok());
  ASSERT_TRUE(sealer().seal(true).ok());
  auto kept = sealer().checkpoints(0, 100);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 1u);
  const std::int64_t last = kept->back().seq;
  ASSERT_TRUE(run(db(), "DELETE FROM audit_events WHERE seq = $1", {last}).ok());
  ASSERT_TRUE(run(db(), "DELETE FROM audit_checkpoints").ok());
  auto with_kept = sealer().verify(*kept);
  ASSERT_TRUE(with_kept.ok()) << with_kept.error().message;
  EXPECT_FALSE(with_kept->ok);
  EXPECT_EQ(with_kept->first_bad_seq, last);

  // A kept checkpoint that does not verify is the caller's mistake.
  auto altered = *kept;
  altered.front().hash = std::string(64, 'f');
  auto refused = sealer().verify(altered);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_request);
}

TEST_P(AuditSealerTest, TwoNodesAppendAndSealConcurrentlyIntoOneChain) {
  auto second = start_node(50);
  ASSERT_NE(second, nullptr);
  // Both nodes start together: one audit signer for the cluster.
  auto a_certs = sealer().certificates();
  auto b_certs = second->sealer->certificates();
  ASSERT_TRUE(a_certs.ok() && b_certs.ok());
  EXPECT_EQ(*a_certs, *b_certs);
  ASSERT_EQ(a_certs->size(), 1u);

  constexpr int writers_per_node = 3, appends_per_writer = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (Node* node : {first_.get(), second.get()}) {
    for (int w = 0; w < writers_per_node; ++w)
      threads.emplace_back([&, node, w] {
        for (int i = 0; i < appends_per_writer; ++i)
          if (!append(*node->db, std::to_string(w) + ":" + std::to_string(i)).ok()) ++failures;
      });
    node->sealer->run_every(std::chrono::milliseconds(5));
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  auto verified = second->sealer->verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_TRUE(verified->ok) << verified->problem;
  auto total = db().transact([](Tx& tx) -> Result<std::int64_t> {
    auto rows = tx.query("SELECT count(*), count(seq), count(DISTINCT seq), max(seq) FROM audit_events");
    if (!rows) return std::move(rows).error();
    const auto& r = rows->front();
    if (r.integer(0) != r.integer(1) || r.integer(1) != r.integer(2) || r.integer(2) != r.integer(3))
      return make_error(ErrorCode::internal, "events not sealed exactly once in one run of places");
    return r.integer(0);
  });
  ASSERT_TRUE(total.ok()) << total.error().message;
  EXPECT_EQ(verified->events, *total);
  EXPECT_GE(*total, 2 * writers_per_node * appends_per_writer);
}

TEST_P(AuditSealerTest, ASealerKilledMidBatchIsTakenOverWithNothingLostOrSealedTwice) {
  if (GetParam() != Backend::postgresql) GTEST_SKIP() << "one process holds an SQLite database";
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(append(db(), "citizen:" + std::to_string(i)).ok());
  auto other = store::Database::open(url_, 1);  // node A's sealing connection
  ASSERT_TRUE(other.ok()) << other.error().message;
  std::latch placed(1), killed(1);
  std::atomic<std::int64_t> pid{0};
  Status a_result;
  std::thread a([&] {
    a_result = (*other)->transact([&](Tx& tx) -> Status {
      if (Status s = store::ClusterLock::hold(tx, store::ClusterTask::audit_sealing); !s) return s;
      auto me = tx.query("SELECT pg_backend_pid()");
      if (!me) return std::move(me).error();
      pid = me->front().integer(0);
      auto batch = AuditLog::next_batch(tx, 1000, SystemClock().now());
      if (!batch) return std::move(batch).error();
      (*batch)->checkpoint.signer = "a";
      (*batch)->checkpoint.signature = Bytes{1};
      if (Status s = AuditLog::seal(tx, **batch); !s) return s;  // placed, not committed
      placed.count_down();
      killed.wait();
      auto after = tx.execute("SELECT 1");  // the node is gone: this never commits
      if (!after) return std::move(after).error();
      return {};
    });
  });
  placed.wait();
  // Node B's sealer queues behind A's lock...
  Result<std::int64_t> b_sealed = std::int64_t{0};
  std::thread b([&] { b_sealed = sealer().seal(true); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // ...and A dies with its connection.
  ASSERT_TRUE(run(db(), "SELECT pg_terminate_backend(CAST($1 AS INTEGER))", {pid.load()}).ok());
  killed.count_down();
  a.join();
  b.join();
  EXPECT_FALSE(a_result.ok());
  ASSERT_TRUE(b_sealed.ok()) << b_sealed.error().message;
  EXPECT_GE(*b_sealed, 20);
  auto verified = sealer().verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->events, *b_sealed);
  EXPECT_EQ(verified->unsealed, 0);
  auto kept = sealer().checkpoints(0, 100);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 1u);  // A's checkpoint went with its transaction
  EXPECT_NE(kept->front().signer, "a");
}

// The server's log (scripts/test-postgres.sh writes it beside the data directory), read from `from` on.
std::string server_log_since(store::Database& db, std::uintmax_t from) {
  auto dir =
      db.transact([](Tx& tx) { return tx.query("SELECT setting FROM pg_settings WHERE name = 'data_directory'"); });
  if (!dir) return {};
  const auto log = std::filesystem::path(dir->front().text(0)).parent_path() / "server.log";
  std::ifstream in(log);
  in.seekg(static_cast<std::streamoff>(from));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::uintmax_t server_log_size(store::Database& db) {
  auto dir =
      db.transact([](Tx& tx) { return tx.query("SELECT setting FROM pg_settings WHERE name = 'data_directory'"); });
  if (!dir) return 0;
  std::error_code ec;
  const auto size =
      std::filesystem::file_size(std::filesystem::path(dir->front().text(0)).parent_path() / "server.log", ec);
  return ec ? 0 : size;
}

TEST(AuditSealerCluster, NodesStartingTogetherMakeOneCaOneAuditSignerAndNumberCrlsOnce) {
  PostgresDatabase pg;
  ASSERT_TRUE(pg.ok()) << pg.error();
  auto observer = store::Database::open(pg.url(), 1);
  ASSERT_TRUE(observer.ok()) << observer.error().message;
  const std::uintmax_t log_before = server_log_size(**observer);
  ASSERT_GT(log_before, 0u) << "the server's log is where scripts/test-postgres.sh puts it";
  SoftHsmToken hsm(8);
  SystemClock clock;
  SystemRandom random;
  constexpr int nodes = 3;
  struct Started {
    std::unique_ptr<store::Database> db;
    std::unique_ptr<certs::CertificateAuthority> ca;
    std::unique_ptr<certs::AuditSealer> sealer;
    std::unique_ptr<certs::CrlService> crl;
    std::string error;
  };
  std::vector<Started> started(nodes);
  std::latch go(nodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < nodes; ++i)
    threads.emplace_back([&, i] {
      Started& n = started[i];
      auto db = store::Database::open(pg.url(), 2);
      if (!db) return void(n.error = db.error().message);
      n.db = std::move(*db);
      go.arrive_and_wait();  // every node past its connection: the first starts are as close as they get
      if (Status s = n.db->migrate(); !s) return void(n.error = s.error().message);
      certs::CaSettings settings;
      settings.base_url = "http://127.0.0.1:8080";
      auto ca = certs::CertificateAuthority::open(hsm.token(), *n.db, clock, random, settings);
      if (!ca) return void(n.error = ca.error().message);
      n.ca = std::move(*ca);
      auto sealer = certs::AuditSealer::open(*n.ca, hsm.token(), *n.db, clock, random);
      if (!sealer) return void(n.error = sealer.error().message);
      n.sealer = std::move(*sealer);
      n.crl = std::make_unique<certs::CrlService>(*n.ca, *n.db, clock);
    });
  for (auto& t : threads) t.join();
  for (const auto& n : started) ASSERT_TRUE(n.error.empty()) << n.error;
  for (const auto& n : started) {
    EXPECT_EQ(n.ca->issuing().serial, started[0].ca->issuing().serial);
    EXPECT_EQ(n.ca->ocsp_responder().certificate, started[0].ca->ocsp_responder().certificate);
  }
  auto counts = started[0].db->transact([](Tx& tx) {
    return tx.query(
        "SELECT (SELECT count(*) FROM ca_certificates), (SELECT count(*) FROM audit_signers), (SELECT count(*) "
        "FROM audit_events WHERE action = 'ca.create')");
  });
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_EQ(counts->front().integer(0), 4);  // one root, one issuing CA, one OCSP signer, one TSA
  EXPECT_EQ(counts->front().integer(1), 1);
  EXPECT_EQ(counts->front().integer(2), 1);
  // The keys of the CA, the OCSP signer, the TSA and the audit signer, once each: no loser left keys behind.
  auto keys = hsm.token().inventory();
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(keys->size(), 5u);

  // Every node publishes CRLs at once: each number once, in order.
  constexpr int each = 3;
  std::atomic<int> failures{0};
  threads.clear();
  for (auto& n : started)
    threads.emplace_back([&] {
      for (int i = 0; i < each; ++i)
        if (!n.crl->publish()) ++failures;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto numbers = started[0].db->transact(
      [](Tx& tx) { return tx.query("SELECT count(*), count(DISTINCT crl_number), max(crl_number) FROM crls"); });
  ASSERT_TRUE(numbers.ok()) << numbers.error().message;
  EXPECT_EQ(numbers->front().integer(0), nodes * each);
  EXPECT_EQ(numbers->front().integer(1), nodes * each);
  EXPECT_EQ(numbers->front().integer(2), nodes * each);
  // A refresh on every node right after: the CRL is fresh, nobody publishes.
  for (auto& n : started) {
    auto refreshed = n.crl->refresh_if_due();
    ASSERT_TRUE(refreshed.ok()) << refreshed.error().message;
    EXPECT_FALSE(*refreshed);
  }
  // Taking turns, nobody ran into a unique constraint: PostgreSQL logged no duplicate key for these tables
  // (other suites' databases share the server: only these constraints are looked for).
  const std::string log = server_log_since(**observer, log_before);
  for (const char* constraint : {"crls_pkey", "ca_certificates_pkey", "ca_certificates_active_role",
                                 "audit_signers_pkey", "audit_signers_active", "audit_checkpoints_pkey"})
    EXPECT_EQ(log.find(std::string("unique constraint \"") + constraint + "\""), std::string::npos) << log;
  for (auto& n : started) {
    n.sealer.reset();
    n.crl.reset();
    n.ca.reset();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditSealerTest, ::testing::Values(Backend::sqlite, Backend::postgresql),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return std::string(store::to_string(info.param));
                         });

}  // namespace
}  // namespace firma::testing
