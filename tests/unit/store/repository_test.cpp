// The store's repository suite, run once against SQLite and once against PostgreSQL: same calls, same answers.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <latch>
#include <memory>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "store/audit_log.h"
#include "store/certificates.h"
#include "store/citizens.h"
#include "store/cluster_lock.h"
#include "store/database.h"
#include "store/operators.h"
#include "store/refusal.h"
#include "store/sads.h"
#include "store/transactions.h"
#include "support/postgres.h"
#include "support/temp_dir.h"

namespace firma::store {
namespace {

using namespace std::chrono_literals;
using testing::PostgresDatabase;
using testing::TempDir;

const Instant t0 = from_unix(1'800'000'000);

}  // namespace

// Test names read "/sqlite", "/postgresql" rather than the enum's bytes.
void PrintTo(Backend backend, std::ostream* out) {
  *out << to_string(backend);
}

namespace {

Status status_of(Result<std::int64_t> result) {
  if (!result.ok()) return std::move(result).error();
  return {};
}

class StoreRepository : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    url_ = fresh_url();
    ASSERT_FALSE(url_.empty());
    db_ = open(url_, 4);
    ASSERT_NE(db_, nullptr);
    auto migrated = db_->migrate();
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  }

  bool postgresql() const { return GetParam() == Backend::postgresql; }

  // A new, empty database of this test's backend, removed when the test ends.
  std::string fresh_url() {
    if (!postgresql()) {
      auto& dir = directories_.emplace_back(std::make_unique<TempDir>());
      return "sqlite:" + (dir->path() / "firma.db").string();
    }
    auto& database = postgres_databases_.emplace_back(std::make_unique<PostgresDatabase>());
    EXPECT_TRUE(database->ok()) << database->error();
    return database->url();
  }

  static std::unique_ptr<Database> open(const std::string& url, std::size_t pool_size) {
    auto opened = Database::open(url, pool_size);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  // Raw SQL for the test's own tables and for tampering: what an attacker with database access could do.
  Status run(const std::string& sql, std::vector<Value> params = {}) {
    return db_->transact([&](Tx& tx) { return status_of(tx.execute(sql, params)); });
  }

  // A value the schema's CHECK constraint would refuse, written as a row from a newer version or a hand edit would
  // be: SQLite is told to ignore CHECK constraints for this statement, PostgreSQL loses the column's constraint.
  Status write_unchecked(const std::string& table, const std::string& column, const std::string& sql) {
    if (postgresql())
      if (Status s = run("ALTER TABLE " + table + " DROP CONSTRAINT IF EXISTS " + table + "_" + column + "_check"); !s)
        return s;
    return db_->transact([&](Tx& tx) -> Status {
      if (!postgresql())
        if (Status s = status_of(tx.execute("PRAGMA ignore_check_constraints = ON")); !s) return s;
      Status written = status_of(tx.execute(sql));
      if (!postgresql())
        if (Status s = status_of(tx.execute("PRAGMA ignore_check_constraints = OFF")); !s) return s;
      return written;
    });
  }

  Status create_samples_table() {
    const std::string blob = postgresql() ? "BYTEA" : "BLOB";
    return run("CREATE TABLE samples (id BIGINT PRIMARY KEY, number BIGINT, label TEXT UNIQUE, payload " + blob + ")");
  }

  Result<std::int64_t> count(const std::string& table) {
    return db_->transact([&](Tx& tx) -> Result<std::int64_t> {
      auto rows = tx.query("SELECT count(*) FROM " + table);
      if (!rows.ok()) return std::move(rows).error();
      return rows->front().integer(0);
    });
  }

  Status append_events(int how_many) {
    return db_->transact([&](Tx& tx) -> Status {
      for (int i = 0; i < how_many; ++i) {
        AuditEvent event{"operator:alice", "citizen.register", "citizen:" + std::to_string(i), "success",
                         "level=basic"};
        if (auto appended = AuditLog::append(tx, event, t0 + std::chrono::seconds(i)); !appended.ok()) return appended;
      }
      return {};
    });
  }

  // What the sealer does (certs::AuditSealer), with a stand-in signature: store trusts the checkpoints it is given,
  // the signatures are checked above it.
  Result<std::int64_t> seal(std::size_t batch = 1000) {
    return db_->transact([&](Tx& tx) -> Result<std::int64_t> {
      if (Status s = ClusterLock::hold(tx, ClusterTask::audit_sealing); !s) return std::move(s).error();
      auto next = AuditLog::next_batch(tx, batch, t0 + 1h);
      if (!next.ok()) return std::move(next).error();
      if (!*next) return 0;
      (*next)->checkpoint.signer = "test";
      (*next)->checkpoint.signature = Bytes{1};
      if (Status s = AuditLog::seal(tx, **next); !s) return std::move(s).error();
      return static_cast<std::int64_t>((*next)->records.size());
    });
  }

  Result<std::vector<AuditCheckpoint>> checkpoints() {
    return db_->transact([](Tx& tx) { return AuditLog::checkpoints(tx, 0, 100000); });
  }

  // Seals what has committed, then walks the chain against the checkpoints in the database.
  Result<AuditVerification> verify() {
    if (auto sealed = seal(); !sealed.ok()) return std::move(sealed).error();
    auto kept = checkpoints();
    if (!kept.ok()) return std::move(kept).error();
    return db_->transact([&](Tx& tx) { return AuditLog::verify(tx, *kept); });
  }

  Result<AuditVerification> verify_against(std::vector<AuditCheckpoint> kept) {
    return db_->transact([&](Tx& tx) { return AuditLog::verify(tx, kept); });
  }

  std::string url_;
  // Declared before db_: the database goes first, then the files or the PostgreSQL database under it.
  std::vector<std::unique_ptr<TempDir>> directories_;
  std::vector<std::unique_ptr<PostgresDatabase>> postgres_databases_;
  std::unique_ptr<Database> db_;
};

TEST_P(StoreRepository, OpensTheRequestedBackendAndPings) {
  EXPECT_EQ(db_->backend(), GetParam());
  auto pinged = db_->ping();
  EXPECT_TRUE(pinged.ok()) << pinged.error().message;
}

TEST_P(StoreRepository, MigrateIsIdempotentAndRecordsEachVersionOnce) {
  auto again = db_->migrate();
  ASSERT_TRUE(again.ok()) << again.error().message;
  // A second node opening the same database finds nothing to do.
  auto other = open(url_, 1);
  ASSERT_NE(other, nullptr);
  auto by_other = other->migrate();
  ASSERT_TRUE(by_other.ok()) << by_other.error().message;

  auto versions = db_->transact([](Tx& tx) { return tx.query("SELECT version, name FROM schema_migrations"); });
  ASSERT_TRUE(versions.ok()) << versions.error().message;
  ASSERT_FALSE(versions->empty());
  std::set<std::int64_t> distinct;
  for (const Row& row : *versions) distinct.insert(row.integer(0));
  EXPECT_EQ(distinct.size(), versions->size());
  EXPECT_EQ(versions->front().integer(0), 1);
  EXPECT_EQ(versions->front().text(1), "0001_foundation");
}

TEST_P(StoreRepository, NodesMigratingTogetherApplyEachMigrationOnce) {
  const std::string url = fresh_url();
  ASSERT_FALSE(url.empty());
  constexpr int nodes = 4;
  std::vector<std::unique_ptr<Database>> databases;
  for (int i = 0; i < nodes; ++i) databases.push_back(open(url, 1));
  for (const auto& database : databases) ASSERT_NE(database, nullptr);
  std::vector<Status> results(nodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < nodes; ++i) threads.emplace_back([&, i] { results[i] = databases[i]->migrate(); });
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) EXPECT_TRUE(result.ok()) << result.error().message;
  auto rows = databases[0]->transact([](Tx& tx) { return tx.query("SELECT count(*) FROM schema_migrations"); });
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  auto versions = databases[0]->transact(
      [](Tx& tx) { return tx.query("SELECT count(*), count(DISTINCT version) FROM schema_migrations"); });
  ASSERT_TRUE(versions.ok()) << versions.error().message;
  EXPECT_EQ(versions->front().integer(0), versions->front().integer(1));  // each migration recorded (and run) once
}

TEST_P(StoreRepository, CommittedWorkIsVisibleAfterwards) {
  ASSERT_TRUE(create_samples_table().ok());
  auto inserted = db_->transact([](Tx& tx) -> Result<std::int64_t> {
    auto first = tx.execute("INSERT INTO samples (id, label) VALUES ($1, $2)", {std::int64_t{1}, std::string("one")});
    if (!first.ok()) return first;
    auto second = tx.execute("INSERT INTO samples (id, label) VALUES ($1, $2)", {std::int64_t{2}, std::string("two")});
    if (!second.ok()) return second;
    return *first + *second;
  });
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;
  EXPECT_EQ(*inserted, 2);
  auto rows = count("samples");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(*rows, 2);
}

TEST_P(StoreRepository, AnErrorFromTheWorkRollsEverythingBack) {
  ASSERT_TRUE(create_samples_table().ok());
  auto result = db_->transact([](Tx& tx) -> Status {
    auto inserted = tx.execute("INSERT INTO samples (id, label) VALUES ($1, $2)", {std::int64_t{1}, std::string("x")});
    if (!inserted.ok()) return std::move(inserted).error();
    return make_error(ErrorCode::password_policy, "refused after writing");
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::password_policy);
  EXPECT_EQ(result.error().message, "refused after writing");
  auto rows = count("samples");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(*rows, 0);
}

TEST_P(StoreRepository, AnExceptionFromTheWorkRollsBackAndPropagates) {
  ASSERT_TRUE(create_samples_table().ok());
  EXPECT_THROW(db_->transact([](Tx& tx) -> Status {
    (void)tx.execute("INSERT INTO samples (id, label) VALUES ($1, $2)", {std::int64_t{1}, std::string("x")});
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  auto rows = count("samples");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(*rows, 0);
}

TEST_P(StoreRepository, AnIgnoredStatementErrorStillFailsTheCommit) {
  ASSERT_TRUE(create_samples_table().ok());
  ASSERT_TRUE(run("INSERT INTO samples (id, label) VALUES ($1, $2)", {std::int64_t{1}, std::string("taken")}).ok());
  auto result = db_->transact([](Tx& tx) -> Status {
    (void)tx.execute("INSERT INTO samples (id, label) VALUES ($1, $2)", {std::int64_t{2}, std::string("fresh")});
    (void)tx.execute("INSERT INTO samples (id, label) VALUES ($1, $2)", {std::int64_t{3}, std::string("taken")});
    return {};  // pretends all went well
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::conflict);
  auto rows = count("samples");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(*rows, 1);
}

TEST_P(StoreRepository, EveryParameterTypeRoundTrips) {
  ASSERT_TRUE(create_samples_table().ok());
  const Bytes binary{0x00, 0x01, 0x00, 0xff, 0x5c, 0x78, 0x00};  // zero bytes, and "\x" that a text path would mangle
  const std::string unicode = "Peña, José – 署名 ✓ 'quoted' \"double\" \\ backslash";
  struct Sample {
    std::int64_t id;
    Value number;
    Value label;
    Value payload;
  };
  const std::vector<Sample> samples{
      {1, std::int64_t{INT64_MAX}, unicode, binary},
      {2, std::int64_t{INT64_MIN}, std::string(), Bytes{}},
      {3, nullptr, nullptr, nullptr},
      {4, std::int64_t{0}, std::string("0"), Bytes{0x00}},
  };
  auto written = db_->transact([&](Tx& tx) -> Status {
    for (const auto& s : samples) {
      auto inserted = tx.execute("INSERT INTO samples (id, number, label, payload) VALUES ($1, $2, $3, $4)",
                                 {s.id, s.number, s.label, s.payload});
      if (!inserted.ok()) return std::move(inserted).error();
    }
    return {};
  });
  ASSERT_TRUE(written.ok()) << written.error().message;

  auto rows =
      db_->transact([](Tx& tx) { return tx.query("SELECT id, number, label, payload FROM samples ORDER BY id"); });
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const Row& row = (*rows)[i];
    ASSERT_EQ(row.size(), 4u);
    EXPECT_EQ(row.integer(0), samples[i].id);
    EXPECT_EQ(row.value(1), samples[i].number) << "row " << i;
    EXPECT_EQ(row.value(2), samples[i].label) << "row " << i;
    EXPECT_EQ(row.value(3), samples[i].payload) << "row " << i;
  }
  // NULL is not the empty value, and the accessors tell them apart.
  EXPECT_TRUE((*rows)[2].is_null(3));
  EXPECT_EQ((*rows)[2].optional_text(2), std::nullopt);
  EXPECT_FALSE((*rows)[1].is_null(3));
  EXPECT_EQ((*rows)[1].optional_text(2), std::string());
  EXPECT_EQ((*rows)[0].blob(3), binary);

  // Parameters select as well as they insert.
  auto found = db_->transact([&](Tx& tx) {
    return tx.query("SELECT id FROM samples WHERE payload = $1 AND label = $2 AND number = $3",
                    {binary, unicode, std::int64_t{INT64_MAX}});
  });
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().integer(0), 1);
}

TEST_P(StoreRepository, ExecuteCountsAffectedRowsAndReturningGivesRows) {
  ASSERT_TRUE(create_samples_table().ok());
  for (std::int64_t id = 1; id <= 3; ++id)
    ASSERT_TRUE(run("INSERT INTO samples (id, number) VALUES ($1, $2)", {id, id * 10}).ok());
  auto updated = db_->transact([](Tx& tx) {
    return tx.execute("UPDATE samples SET number = number + 1 WHERE number >= $1", {std::int64_t{20}});
  });
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(*updated, 2);
  auto returned = db_->transact([](Tx& tx) {
    return tx.query("UPDATE samples SET number = number * 2 WHERE id = $1 RETURNING number", {std::int64_t{3}});
  });
  ASSERT_TRUE(returned.ok()) << returned.error().message;
  ASSERT_EQ(returned->size(), 1u);
  EXPECT_EQ(returned->front().integer(0), 62);
  auto none = db_->transact([](Tx& tx) { return tx.execute("DELETE FROM samples WHERE id = $1", {std::int64_t{9}}); });
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_EQ(*none, 0);
}

TEST_P(StoreRepository, UniqueViolationIsConflictWithoutTheValue) {
  ASSERT_TRUE(create_samples_table().ok());
  const std::string secret = "s3cret-looking-value";
  ASSERT_TRUE(run("INSERT INTO samples (id, label) VALUES ($1, $2)", {std::int64_t{1}, secret}).ok());
  auto duplicate = run("INSERT INTO samples (id, label) VALUES ($1, $2)", {std::int64_t{2}, secret});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::conflict);
  EXPECT_EQ(duplicate.error().message.find(secret), std::string::npos) << duplicate.error().message;
  EXPECT_EQ(duplicate.error().message.find('\n'), std::string::npos) << duplicate.error().message;
}

TEST_P(StoreRepository, OtherSqlErrorsAreInternalAndLeaveThePoolUsable) {
  auto bad_syntax = db_->transact([](Tx& tx) { return status_of(tx.execute("SELEKT 1")); });
  ASSERT_FALSE(bad_syntax.ok());
  EXPECT_EQ(bad_syntax.error().code, ErrorCode::internal);
  EXPECT_FALSE(bad_syntax.error().message.empty());
  auto wrong_count = db_->transact(
      [](Tx& tx) { return status_of(tx.execute("UPDATE operators SET name = $1 WHERE id = $2", {std::string("x")})); });
  ASSERT_FALSE(wrong_count.ok());
  EXPECT_EQ(wrong_count.error().code, ErrorCode::internal) << wrong_count.error().message;
  // Every connection of the pool still works.
  for (int i = 0; i < 8; ++i) {
    auto rows = count("operators");
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    EXPECT_EQ(*rows, 0);
  }
}

TEST_P(StoreRepository, TransactNestedOnTheSameDatabaseIsRefused) {
  auto outer = db_->transact(
      [this](Tx&) -> Status { return db_->transact([](Tx& inner) { return status_of(inner.execute("SELECT 1")); }); });
  ASSERT_FALSE(outer.ok());
  EXPECT_EQ(outer.error().code, ErrorCode::internal);
  EXPECT_NE(outer.error().message.find("inside a transaction"), std::string::npos) << outer.error().message;
}

TEST_P(StoreRepository, AuditAppendListSealAndVerify) {
  auto empty = verify();
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_TRUE(empty->ok);
  EXPECT_EQ(empty->events, 0);
  EXPECT_EQ(empty->head, audit_genesis_hash);

  ASSERT_TRUE(append_events(3).ok());
  // Appended, not sealed: listed after the sealed ones, with no place in the chain yet.
  auto pending = db_->transact([](Tx& tx) { return AuditLog::list(tx, 0, 10); });
  ASSERT_TRUE(pending.ok()) << pending.error().message;
  ASSERT_EQ(pending->size(), 3u);
  for (const AuditRecord& record : *pending) {
    EXPECT_FALSE(record.sealed());
    EXPECT_TRUE(record.hash.empty());
  }
  EXPECT_EQ(pending->front().event.subject, "citizen:0");
  auto sealed = seal();
  ASSERT_TRUE(sealed.ok()) << sealed.error().message;
  EXPECT_EQ(*sealed, 3);
  auto again = seal();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, 0);  // nothing left: nothing sealed twice

  auto records = db_->transact([](Tx& tx) { return AuditLog::list(tx, 0, 10); });
  ASSERT_TRUE(records.ok()) << records.error().message;
  ASSERT_EQ(records->size(), 3u);
  std::string previous = audit_genesis_hash;
  for (std::size_t i = 0; i < records->size(); ++i) {
    const AuditRecord& record = (*records)[i];
    EXPECT_EQ(record.seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(record.at, t0 + std::chrono::seconds(i));
    EXPECT_EQ(record.event.actor, "operator:alice");
    EXPECT_EQ(record.event.subject, "citizen:" + std::to_string(i));
    EXPECT_EQ(record.prev_hash, previous);
    EXPECT_EQ(record.hash.size(), 64u);
    EXPECT_EQ(record.hash, audit_record_hash(record.prev_hash, record.seq, record.at, record.event));
    previous = record.hash;
  }
  auto page = db_->transact([](Tx& tx) { return AuditLog::list(tx, 1, 1); });
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ(page->front().seq, 2);

  auto kept = checkpoints();
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ(kept->front().seq, 3);
  EXPECT_EQ(kept->front().first_seq, 1);
  EXPECT_EQ(kept->front().hash, records->back().hash);

  ASSERT_TRUE(append_events(1).ok());  // committed after the last seal: reported apart, not verified
  auto verified = db_->transact([&](Tx& tx) { return AuditLog::verify(tx, *kept); });
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->events, 3);
  EXPECT_EQ(verified->head, records->back().hash);
  EXPECT_EQ(verified->first_bad_seq, 0);
  EXPECT_EQ(verified->checkpoints, 1);
  EXPECT_EQ(verified->unsealed, 1);
}

TEST_P(StoreRepository, AuditSealingInBatchesChainsAcrossThem) {
  ASSERT_TRUE(append_events(7).ok());
  auto sealed = seal(3);
  ASSERT_TRUE(sealed.ok()) << sealed.error().message;
  EXPECT_EQ(*sealed, 3);
  ASSERT_TRUE(seal(3).ok());
  ASSERT_TRUE(seal(3).ok());
  auto kept = checkpoints();
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  ASSERT_EQ(kept->size(), 3u);
  EXPECT_EQ((*kept)[1].first_seq, 4);
  EXPECT_EQ((*kept)[1].seq, 6);
  EXPECT_EQ((*kept)[2].seq, 7);
  auto verified = verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->events, 7);
  EXPECT_EQ(verified->checkpoints, 3);
}

TEST_P(StoreRepository, AuditAppendRolledBackLeavesNoTrace) {
  ASSERT_TRUE(append_events(2).ok());
  auto failed = db_->transact([](Tx& tx) -> Status {
    if (auto appended = AuditLog::append(tx, AuditEvent{"a", "b", "c", "d", "e"}, t0); !appended.ok()) return appended;
    return make_error(ErrorCode::invalid_request, "the state change failed");
  });
  ASSERT_FALSE(failed.ok());
  ASSERT_TRUE(append_events(1).ok());
  auto verified = verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_TRUE(verified->ok);
  EXPECT_EQ(verified->events, 3);
}

TEST(StoreAuditHash, EncodingIsUnambiguous) {
  const std::string prev = audit_genesis_hash;
  const AuditEvent split_one{"ab", "c", "s", "o", "d"};
  const AuditEvent split_two{"a", "bc", "s", "o", "d"};
  EXPECT_NE(audit_record_hash(prev, 1, t0, split_one), audit_record_hash(prev, 1, t0, split_two));
  EXPECT_NE(audit_record_hash(prev, 1, t0, split_one), audit_record_hash(prev, 2, t0, split_one));
  EXPECT_NE(audit_record_hash(prev, 1, t0, split_one), audit_record_hash(prev, 1, t0 + 1s, split_one));
  EXPECT_EQ(audit_record_hash(prev, 1, t0, split_one), audit_record_hash(prev, 1, t0, split_one));
  EXPECT_NE(audit_checkpoint_message(1, prev, t0), audit_checkpoint_message(2, prev, t0));
  EXPECT_NE(audit_checkpoint_message(1, prev, t0), audit_checkpoint_message(1, prev, t0 + 1s));
}

// Sealed as checkpoints at 2 and 5 (two batches).
class StoreAuditTampering : public StoreRepository {
 protected:
  void SetUp() override {
    StoreRepository::SetUp();
    ASSERT_TRUE(append_events(2).ok());
    ASSERT_TRUE(seal().ok());
    ASSERT_TRUE(append_events(3).ok());
    ASSERT_TRUE(seal().ok());
  }
};

TEST_P(StoreAuditTampering, AnAlteredRowIsFound) {
  ASSERT_TRUE(
      run("UPDATE audit_events SET outcome = $1 WHERE seq = $2", {std::string("denied"), std::int64_t{3}}).ok());
  auto verified = verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_FALSE(verified->ok);
  EXPECT_EQ(verified->first_bad_seq, 3);
  EXPECT_EQ(verified->events, 2);
}

TEST_P(StoreAuditTampering, ADeletedRowIsFound) {
  ASSERT_TRUE(run("DELETE FROM audit_events WHERE seq = $1", {std::int64_t{2}}).ok());
  auto verified = verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_FALSE(verified->ok);
  EXPECT_EQ(verified->first_bad_seq, 2);
}

TEST_P(StoreAuditTampering, ADeletedTailIsFound) {
  ASSERT_TRUE(run("DELETE FROM audit_events WHERE seq >= $1", {std::int64_t{4}}).ok());
  auto verified = verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_FALSE(verified->ok);
  EXPECT_EQ(verified->first_bad_seq, 4);
  EXPECT_EQ(verified->events, 2);
}

TEST_P(StoreAuditTampering, ADeletedTailWithItsCheckpointIsFoundByTheKeptCheckpoints) {
  auto kept = checkpoints();
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  ASSERT_TRUE(run("DELETE FROM audit_events WHERE seq >= $1", {std::int64_t{3}}).ok());
  ASSERT_TRUE(run("DELETE FROM audit_checkpoints WHERE seq = $1", {std::int64_t{5}}).ok());
  auto by_database = verify();
  ASSERT_TRUE(by_database.ok()) << by_database.error().message;
  EXPECT_TRUE(by_database->ok);  // the database alone cannot tell: why checkpoints are exported
  auto by_kept = verify_against(*kept);
  ASSERT_TRUE(by_kept.ok()) << by_kept.error().message;
  EXPECT_FALSE(by_kept->ok);
  EXPECT_EQ(by_kept->first_bad_seq, 3);
}

TEST_P(StoreAuditTampering, ARowInsertedPastTheLastCheckpointIsFound) {
  auto records = db_->transact([](Tx& tx) { return AuditLog::list(tx, 4, 1); });
  ASSERT_TRUE(records.ok()) << records.error().message;
  const AuditEvent forged{"operator:mallory", "operator.create", "operator:mallory", "success", ""};
  const std::string hash = audit_record_hash(records->front().hash, 6, t0, forged);
  ASSERT_TRUE(run("INSERT INTO audit_events (at, actor, action, subject, outcome, detail, seq, prev_hash, hash) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                  {to_unix(t0), forged.actor, forged.action, forged.subject, forged.outcome, forged.detail,
                   std::int64_t{6}, records->front().hash, hash})
                  .ok());
  auto kept = checkpoints();
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  auto verified = verify_against(*kept);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_FALSE(verified->ok);
  EXPECT_EQ(verified->first_bad_seq, 6);
  EXPECT_EQ(verified->events, 5);
}

TEST_P(StoreAuditTampering, ARewrittenHashIsFound) {
  // The forger recomputes row 4's hash over its altered content, but row 5 still chains to the original.
  auto records = db_->transact([](Tx& tx) { return AuditLog::list(tx, 3, 1); });
  ASSERT_TRUE(records.ok()) << records.error().message;
  AuditRecord forged = records->front();
  forged.event.outcome = "denied";
  const std::string forged_hash = audit_record_hash(forged.prev_hash, forged.seq, forged.at, forged.event);
  ASSERT_TRUE(run("UPDATE audit_events SET outcome = $1, hash = $2 WHERE seq = $3",
                  {forged.event.outcome, forged_hash, std::int64_t{4}})
                  .ok());
  auto verified = verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_FALSE(verified->ok);
  EXPECT_EQ(verified->first_bad_seq, 5);
}

TEST_P(StoreAuditTampering, AChainRewrittenWithRecomputedHashesFailsAgainstTheKeptCheckpoints) {
  auto kept = checkpoints();
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  // The forger alters row 4, recomputes every hash after it and the checkpoint's hash (not its signature: that
  // needs the audit key; certs::AuditSealer checks it).
  auto records = db_->transact([](Tx& tx) { return AuditLog::list(tx, 0, 10); });
  ASSERT_TRUE(records.ok()) << records.error().message;
  std::string previous = (*records)[2].hash;
  for (std::size_t i = 3; i < 5; ++i) {
    AuditRecord r = (*records)[i];
    if (r.seq == 4) r.event.outcome = "denied";
    const std::string hash = audit_record_hash(previous, r.seq, r.at, r.event);
    ASSERT_TRUE(run("UPDATE audit_events SET outcome = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
                    {r.event.outcome, previous, hash, r.seq})
                    .ok());
    previous = hash;
  }
  ASSERT_TRUE(run("UPDATE audit_checkpoints SET hash = $1 WHERE seq = $2", {previous, std::int64_t{5}}).ok());
  auto verified = verify_against(*kept);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_FALSE(verified->ok);
  EXPECT_EQ(verified->first_bad_seq, 3);  // the first record the failing checkpoint covers
  EXPECT_EQ(verified->events, 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreAuditTampering, ::testing::Values(Backend::sqlite, Backend::postgresql),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return std::string(to_string(info.param));
                         });

TEST_P(StoreRepository, AnEventThatCommitsLateIsSealedLaterNeverSkipped) {
  if (!postgresql()) GTEST_SKIP() << "SQLite runs one writer at a time: no event commits behind a later one";
  // A takes the lower id and commits only after B (higher id) has committed and been sealed.
  std::latch a_appended(1), b_sealed(1);
  Status a_result;
  std::thread a([&] {
    a_result = db_->transact([&](Tx& tx) -> Status {
      if (Status s = AuditLog::append(tx, AuditEvent{"a", "late", "", "success", ""}, t0); !s) return s;
      a_appended.count_down();
      b_sealed.wait();
      return {};
    });
  });
  a_appended.wait();
  auto b = db_->transact([](Tx& tx) { return AuditLog::append(tx, AuditEvent{"b", "early", "", "success", ""}, t0); });
  ASSERT_TRUE(b.ok()) << b.error().message;
  auto first = seal();
  b_sealed.count_down();
  a.join();
  ASSERT_TRUE(a_result.ok()) << a_result.error().message;
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, 1);
  auto second = seal();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second, 1);
  auto records = db_->transact([](Tx& tx) { return AuditLog::list(tx, 0, 10); });
  ASSERT_TRUE(records.ok()) << records.error().message;
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].event.actor, "b");
  EXPECT_EQ((*records)[1].event.actor, "a");
  EXPECT_LT((*records)[1].id, (*records)[0].id);  // inserted first, sealed second
  auto verified = verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->events, 2);
}

TEST_P(StoreRepository, ConcurrentAppendsAndSealingKeepOneUnbrokenChain) {
  constexpr int threads = 6;
  constexpr int appends_per_thread = 15;
  std::atomic<int> failures{0};
  std::atomic<bool> appending{true};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < appends_per_thread; ++i) {
        auto appended = db_->transact([&](Tx& tx) {
          return AuditLog::append(
              tx, AuditEvent{"thread:" + std::to_string(t), "test.append", std::to_string(i), "success", ""},
              t0 + std::chrono::seconds(i));
        });
        if (!appended.ok()) {
          ADD_FAILURE() << appended.error().message;
          ++failures;
        }
      }
    });
  }
  // Sealing while they append.
  std::thread sealer([&] {
    while (appending)
      if (auto sealed = seal(7); !sealed.ok()) {
        ADD_FAILURE() << sealed.error().message;
        ++failures;
      }
  });
  for (auto& worker : workers) worker.join();
  appending = false;
  sealer.join();
  ASSERT_EQ(failures.load(), 0);
  auto rows = count("audit_events");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(*rows, threads * appends_per_thread);
  auto verified = verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->events, threads * appends_per_thread);
  EXPECT_EQ(verified->unsealed, 0);
}

TEST_P(StoreRepository, ConcurrentAppendsFromSeveralNodesKeepOneChain) {
  // Two Database objects on one database stand for two firmad nodes: their pools share nothing but the tables.
  auto second_node = open(url_, 2);
  ASSERT_NE(second_node, nullptr);
  constexpr int appends_per_node = 20;
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (Database* node : {db_.get(), second_node.get()}) {
    workers.emplace_back([&, node] {
      for (int i = 0; i < appends_per_node; ++i) {
        auto appended = node->transact([&](Tx& tx) {
          return AuditLog::append(tx, AuditEvent{"node", "test.append", "", "success", ""}, t0);
        });
        if (!appended.ok()) {
          ADD_FAILURE() << appended.error().message;
          ++failures;
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  ASSERT_EQ(failures.load(), 0);
  auto verified = verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->events, 2 * appends_per_node);
}

// A database as it was before migration 0011 (audit_head and a chain extended by each append), brought forward.
class StoreAuditMigration : public StoreRepository {
 protected:
  // Puts the tables back as 0001 made them, with `events` records chained the old way, and forgets 0011.
  void rewind_to_chained(int events) {
    for (const char* sql :
         {"DROP TABLE audit_events", "DROP TABLE audit_checkpoints", "DROP TABLE audit_signers",
          "DROP TABLE cluster_leases",
          "CREATE TABLE audit_events (seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT "
          "NOT NULL, subject TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, "
          "hash TEXT NOT NULL)",
          "CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL)",
          "DELETE FROM schema_migrations WHERE version = 11"})
      ASSERT_TRUE(run(sql).ok()) << sql;
    std::string previous = audit_genesis_hash;
    for (int i = 1; i <= events; ++i) {
      const AuditEvent event{"operator:alice", "citizen.register", "citizen:" + std::to_string(i), "success", ""};
      const std::string hash = audit_record_hash(previous, i, t0, event);
      ASSERT_TRUE(run("INSERT INTO audit_events (seq, at, actor, action, subject, outcome, detail, prev_hash, hash) "
                      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                      {std::int64_t{i}, to_unix(t0), event.actor, event.action, event.subject, event.outcome,
                       event.detail, previous, hash})
                      .ok());
      previous = hash;
    }
    ASSERT_TRUE(
        run("INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2)", {std::int64_t{events}, previous}).ok());
  }
};

TEST_P(StoreAuditMigration, AnExistingChainMovesOverAndIsSignedWhole) {
  rewind_to_chained(4);
  auto migrated = db_->migrate();
  ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  ASSERT_TRUE(append_events(2).ok());  // new events after the migrated ones
  auto sealed = seal();
  ASSERT_TRUE(sealed.ok()) << sealed.error().message;
  auto verified = verify();
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->events, 6);
  auto records = db_->transact([](Tx& tx) { return AuditLog::list(tx, 0, 10); });
  ASSERT_TRUE(records.ok()) << records.error().message;
  ASSERT_EQ(records->size(), 6u);
  EXPECT_EQ((*records)[0].event.subject, "citizen:1");
  EXPECT_EQ((*records)[4].event.subject, "citizen:0");
  // Appends after the migration go on with ids past the migrated ones.
  EXPECT_GT((*records)[4].id, (*records)[3].id);
}

TEST_P(StoreAuditMigration, ABrokenChainIsNotSignedOver) {
  rewind_to_chained(4);
  ASSERT_TRUE(run("UPDATE audit_events SET detail = $1 WHERE seq = $2", {std::string("x"), std::int64_t{3}}).ok());
  ASSERT_TRUE(db_->migrate().ok());
  auto sealed = seal();
  ASSERT_FALSE(sealed.ok());
  EXPECT_NE(sealed.error().message.find("broken at seq 3"), std::string::npos) << sealed.error().message;
  auto kept = checkpoints();
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->empty());
  auto verified = verify_against({});
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_FALSE(verified->ok);
  EXPECT_EQ(verified->first_bad_seq, 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreAuditMigration, ::testing::Values(Backend::sqlite, Backend::postgresql),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return std::string(to_string(info.param));
                         });

OperatorRecord operator_record(const std::string& id, const std::string& name, const std::string& token) {
  return OperatorRecord{OperatorId(id), name, {Role::admin}, to_hex(sha256(token)), t0, std::nullopt};
}

TEST_P(StoreRepository, OperatorRecordsInsertFindListAndCount) {
  auto initially = db_->transact([](Tx& tx) { return OperatorRecords::count(tx); });
  ASSERT_TRUE(initially.ok()) << initially.error().message;
  EXPECT_EQ(*initially, 0);

  const OperatorRecord alice = operator_record("op-1", "alice", "token-of-alice");
  OperatorRecord bob = operator_record("op-2", "bob", "token-of-bob");
  bob.roles = {Role::registrar, Role::auditor};
  bob.created_at = t0 + 60s;
  auto inserted = db_->transact([&](Tx& tx) -> Status {
    if (auto a = OperatorRecords::insert(tx, alice); !a.ok()) return a;
    return OperatorRecords::insert(tx, bob);
  });
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;

  auto found = db_->transact([&](Tx& tx) { return OperatorRecords::find_by_token_hash(tx, bob.token_hash); });
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, bob.id);
  EXPECT_EQ((*found)->name, "bob");
  EXPECT_EQ((*found)->roles, (std::vector<Role>{Role::registrar, Role::auditor}));
  EXPECT_EQ((*found)->created_at, t0 + 60s);
  EXPECT_EQ((*found)->revoked_at, std::nullopt);

  auto missing =
      db_->transact([](Tx& tx) { return OperatorRecords::find_by_token_hash(tx, to_hex(sha256("no such token"))); });
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_FALSE(missing->has_value());

  auto all = db_->transact([](Tx& tx) { return OperatorRecords::list(tx); });
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "alice");
  EXPECT_EQ((*all)[1].name, "bob");
  auto counted = db_->transact([](Tx& tx) { return OperatorRecords::count(tx); });
  ASSERT_TRUE(counted.ok()) << counted.error().message;
  EXPECT_EQ(*counted, 2);
}

// A status, level or role the code does not know, found in a row, is an internal error: never read as another value.
template <class T>
void expect_internal(const Result<T>& read, const std::string& what) {
  ASSERT_FALSE(read.ok()) << what << " read as if it were known";
  EXPECT_EQ(read.error().code, ErrorCode::internal) << what;
  EXPECT_NE(read.error().message.find(what), std::string::npos) << read.error().message;
}

TEST_P(StoreRepository, AnUnknownTransactionStatusInARowIsInternal) {
  ASSERT_TRUE(run("INSERT INTO applications (id, name, api_key_hash, return_url_prefixes, allowed_formats, created_at) "
                  "VALUES ('app-1', 'Sede', 'hash', 'https://sede.example/', 'raw', 0)")
                  .ok());
  TransactionRecord record;
  record.id = TransactionId("tx-1");
  record.app_id = AppId("app-1");
  record.nif = "12345678Z";
  record.return_url = "https://sede.example/back";
  record.status = TransactionStatus::authenticated;
  record.created_at = t0;
  record.expires_at = t0 + 300s;
  ASSERT_TRUE(db_->transact([&](Tx& tx) { return TransactionRecords::insert(tx, record, {}); }).ok());
  auto find = [&] { return db_->transact([&](Tx& tx) { return TransactionRecords::find(tx, record.id); }); };
  auto stored = find();
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->status, TransactionStatus::authenticated);

  for (const char* unknown : {"archived", "Signed", ""}) {
    ASSERT_TRUE(run("UPDATE transactions SET status = $1 WHERE id = 'tx-1'", {std::string(unknown)}).ok());
    expect_internal(find(), "unknown transaction status '" + std::string(unknown) + "'");
  }
}

TEST_P(StoreRepository, AnUnknownCitizenStatusOrLevelInARowIsInternal) {
  CitizenRow row;
  row.id = CitizenId("cit-1");
  row.nif = "12345678Z";
  row.given_name = "Ana";
  row.surname1 = "Garc\u00EDa";
  row.email = "ana@example.es";
  row.mobile = "+34600111222";
  row.registration_level = RegistrationLevel::advanced;
  row.status = CitizenStatus::locked;
  row.activation_code_hash = "x";
  row.created_at = row.updated_at = t0;
  ASSERT_TRUE(db_->transact([&](Tx& tx) { return CitizenRows::insert(tx, row); }).ok());
  auto by_id = [&] { return db_->transact([&](Tx& tx) { return CitizenRows::find_by_id(tx, row.id); }); };
  auto by_nif = [&] { return db_->transact([&](Tx& tx) { return CitizenRows::find_by_nif(tx, row.nif); }); };
  auto stored = by_id();
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->status, CitizenStatus::locked);
  EXPECT_EQ((*stored)->registration_level, RegistrationLevel::advanced);

  ASSERT_TRUE(write_unchecked("citizens", "status", "UPDATE citizens SET status = 'suspended'").ok());
  expect_internal(by_id(), "unknown citizen status 'suspended'");
  expect_internal(by_nif(), "unknown citizen status 'suspended'");
  ASSERT_TRUE(run("UPDATE citizens SET status = 'active'").ok());
  auto counted = db_->transact([&](Tx& tx) { return CitizenRows::count_failure(tx, row.id, 5, t0); });
  ASSERT_TRUE(counted.ok() && counted->has_value());
  EXPECT_EQ((*counted)->status, CitizenStatus::active);

  ASSERT_TRUE(
      write_unchecked("citizens", "registration_level", "UPDATE citizens SET registration_level = 'qualified'").ok());
  expect_internal(by_id(), "unknown registration level 'qualified'");
}

TEST_P(StoreRepository, AnUnknownCertificateStatusInARowIsInternal) {
  CertificateRecord record;
  record.serial = CertSerial("0A1B");
  record.nif = "12345678Z";
  record.key_id = KeyId("key-1");
  record.issuer_serial = CertSerial("01");
  record.subject = "CN=GARCIA ANA - 12345678Z";
  record.algorithm = "ec-p256";
  record.certificate = Bytes{0x30, 0x00};
  record.not_before = t0;
  record.not_after = t0 + 24h;
  record.created_at = t0;
  ASSERT_TRUE(db_->transact([&](Tx& tx) { return CertificateRecords::insert(tx, record); }).ok());
  auto stored = db_->transact([&](Tx& tx) { return CertificateRecords::find(tx, record.serial); });
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->status, CertificateStatus::valid);

  ASSERT_TRUE(write_unchecked("certificates", "status", "UPDATE certificates SET status = 'good'").ok());
  expect_internal(db_->transact([&](Tx& tx) { return CertificateRecords::find(tx, record.serial); }),
                  "unknown certificate status 'good'");
  expect_internal(db_->transact([&](Tx& tx) { return CertificateRecords::list_for(tx, record.nif); }),
                  "unknown certificate status 'good'");
}

TEST_P(StoreRepository, AnUnknownOperatorRoleInARowIsInternal) {
  const OperatorRecord bob = operator_record("op-2", "bob", "token-of-bob");
  ASSERT_TRUE(db_->transact([&](Tx& tx) { return OperatorRecords::insert(tx, bob); }).ok());
  ASSERT_TRUE(run("UPDATE operators SET roles = 'registrar,superuser' WHERE id = 'op-2'").ok());
  expect_internal(db_->transact([&](Tx& tx) { return OperatorRecords::find_by_token_hash(tx, bob.token_hash); }),
                  "unknown operator role 'superuser'");
  expect_internal(db_->transact([](Tx& tx) { return OperatorRecords::list(tx); }), "unknown operator role 'superuser'");
}

TEST_P(StoreRepository, OperatorRecordsRefuseDuplicates) {
  ASSERT_TRUE(
      db_->transact([](Tx& tx) { return OperatorRecords::insert(tx, operator_record("op-1", "alice", "t1")); }).ok());
  for (const auto& duplicate : {operator_record("op-1", "carol", "t2"), operator_record("op-2", "alice", "t3"),
                                operator_record("op-3", "dave", "t1")}) {
    auto refused = db_->transact([&](Tx& tx) { return OperatorRecords::insert(tx, duplicate); });
    ASSERT_FALSE(refused.ok()) << duplicate.name;
    EXPECT_EQ(refused.error().code, ErrorCode::conflict) << refused.error().message;
  }
}

TEST_P(StoreRepository, OperatorRevocationIsRecordedOnce) {
  const OperatorRecord alice = operator_record("op-1", "alice", "token-of-alice");
  ASSERT_TRUE(db_->transact([&](Tx& tx) { return OperatorRecords::insert(tx, alice); }).ok());
  ASSERT_TRUE(db_->transact([&](Tx& tx) { return OperatorRecords::revoke(tx, alice.id, t0 + 1h); }).ok());
  auto again = db_->transact([&](Tx& tx) { return OperatorRecords::revoke(tx, alice.id, t0 + 2h); });
  ASSERT_TRUE(again.ok()) << again.error().message;
  auto found = db_->transact([&](Tx& tx) { return OperatorRecords::find_by_token_hash(tx, alice.token_hash); });
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->revoked_at, std::optional<Instant>(t0 + 1h));

  auto unknown = db_->transact([](Tx& tx) { return OperatorRecords::revoke(tx, OperatorId("op-404"), t0); });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
}

TEST_P(StoreRepository, DeadlockedWorkIsRunAgain) {
  if (!postgresql()) GTEST_SKIP() << "SQLite transactions queue at BEGIN IMMEDIATE: they cannot deadlock";
  ASSERT_TRUE(create_samples_table().ok());
  for (std::int64_t id : {1, 2}) ASSERT_TRUE(run("INSERT INTO samples (id, number) VALUES ($1, 0)", {id}).ok());
  // Each transaction locks one row, waits until the other has locked the other row, then asks for it: PostgreSQL
  // aborts one of them (SQLSTATE 40P01) and transact() runs that one's work again, which then goes through.
  std::latch both_locked(2);
  std::atomic<int> runs{0};
  auto cross = [&](std::int64_t first, std::int64_t second) {
    bool first_attempt = true;
    return db_->transact([&](Tx& tx) -> Status {
      ++runs;
      const std::string sql = "UPDATE samples SET number = number + 1 WHERE id = $1";
      if (auto locked = tx.execute(sql, {first}); !locked.ok()) return std::move(locked).error();
      if (std::exchange(first_attempt, false)) both_locked.arrive_and_wait();
      return status_of(tx.execute(sql, {second}));
    });
  };
  Status one, two;
  std::thread a([&] { one = cross(1, 2); });
  std::thread b([&] { two = cross(2, 1); });
  a.join();
  b.join();
  EXPECT_TRUE(one.ok()) << one.error().message;
  EXPECT_TRUE(two.ok()) << two.error().message;
  EXPECT_EQ(runs.load(), 3);
  auto numbers = db_->transact([](Tx& tx) { return tx.query("SELECT number FROM samples ORDER BY id"); });
  ASSERT_TRUE(numbers.ok()) << numbers.error().message;
  ASSERT_EQ(numbers->size(), 2u);
  EXPECT_EQ((*numbers)[0].integer(0), 2);  // both works committed exactly once
  EXPECT_EQ((*numbers)[1].integer(0), 2);
}

TEST_P(StoreRepository, LostConnectionIsUnavailableAndThePoolReconnects) {
  if (!postgresql()) GTEST_SKIP() << "an SQLite connection is a file handle: it cannot be lost this way";
  auto node = open(url_, 1);
  auto control = open(url_, 1);
  ASSERT_NE(node, nullptr);
  ASSERT_NE(control, nullptr);
  auto backend_pid = [&] {
    auto rows = node->transact([](Tx& tx) { return tx.query("SELECT pg_backend_pid()"); });
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() ? rows->front().integer(0) : 0;
  };
  auto terminate = [&](std::int64_t pid) {
    auto killed =
        control->transact([&](Tx& tx) { return tx.query("SELECT pg_terminate_backend(CAST($1 AS INTEGER))", {pid}); });
    ASSERT_TRUE(killed.ok()) << killed.error().message;
    ASSERT_EQ(killed->front().integer(0), 1);
  };

  // Killed while idle in the pool: the next transaction notices at BEGIN and takes a new connection.
  const std::int64_t first_pid = backend_pid();
  ASSERT_NE(first_pid, 0);
  terminate(first_pid);
  const std::int64_t second_pid = backend_pid();
  EXPECT_NE(second_pid, 0);
  EXPECT_NE(second_pid, first_pid);
  auto pinged = node->ping();
  EXPECT_TRUE(pinged.ok()) << pinged.error().message;

  // Killed in the middle of a transaction: that work fails as unavailable, the next one reconnects.
  auto lost = node->transact([&](Tx& tx) -> Status {
    auto pid = tx.query("SELECT pg_backend_pid()");
    if (!pid.ok()) return std::move(pid).error();
    terminate(pid->front().integer(0));
    return status_of(tx.execute("UPDATE audit_checkpoints SET seq = seq WHERE seq = 1"));
  });
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::unavailable) << lost.error().message;
  EXPECT_EQ(lost.error().message.find('\n'), std::string::npos) << lost.error().message;
  auto after = node->transact([](Tx& tx) { return tx.query("SELECT count(*) FROM audit_checkpoints"); });
  ASSERT_TRUE(after.ok()) << after.error().message;
}

TEST_P(StoreRepository, SadRecordsKeepEntriesInOrderAndSpendEachOnce) {
  const SadRecord sad{"sad-1", "ab12", CitizenId("cit-1"), KeyId("key-1"), AppId("app-1"), TransactionId("tx-1"), 3,
                      0,       t0,     t0 + 120s};
  const std::vector<SadEntryRecord> entries = {
      {"sha-256", Bytes{1, 2}, "pkcs1v15"}, {"sha-256", Bytes{1, 2}, "pkcs1v15"}, {"sha-384", Bytes{0, 0xff}, "pss"}};
  ASSERT_TRUE(db_->transact([&](Tx& tx) { return SadRecords::insert(tx, sad, entries); }).ok());
  // Without a transaction, too (a CSC authorisation).
  const SadRecord loose{"sad-2", "cd34", CitizenId("cit-1"), KeyId("key-1"), AppId("app-1"), std::nullopt, 1,
                        0,       t0,     t0 + 120s};
  ASSERT_TRUE(db_->transact([&](Tx& tx) { return SadRecords::insert(tx, loose, {entries[0]}); }).ok());

  auto found = db_->transact([](Tx& tx) { return SadRecords::find_by_value(tx, "ab12"); });
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, "sad-1");
  EXPECT_EQ((*found)->app_id, AppId("app-1"));
  EXPECT_EQ((*found)->transaction_id, TransactionId("tx-1"));
  EXPECT_EQ((*found)->budget, 3);
  EXPECT_EQ((*found)->expires_at, t0 + 120s);
  auto other = db_->transact([](Tx& tx) { return SadRecords::find_by_value(tx, "cd34"); });
  ASSERT_TRUE(other.ok() && other->has_value());
  EXPECT_FALSE((*other)->transaction_id.has_value());
  auto missing = db_->transact([](Tx& tx) { return SadRecords::find_by_value(tx, "sad-1"); });
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value()) << "looked up by the value's hash only";

  auto first = db_->transact([](Tx& tx) { return SadRecords::use(tx, "sad-1", 1, t0); });
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  auto second = db_->transact([](Tx& tx) { return SadRecords::use(tx, "sad-1", 1, t0); });
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
  auto listed = db_->transact([](Tx& tx) { return SadRecords::entries(tx, "sad-1"); });
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*listed)[i].position, i);
    EXPECT_EQ((*listed)[i].entry.digest, entries[i].digest);
    EXPECT_EQ((*listed)[i].entry.digest_algorithm, entries[i].digest_algorithm);
    EXPECT_EQ((*listed)[i].entry.padding, entries[i].padding);
    EXPECT_EQ((*listed)[i].spent, i == 1);
  }
  // By digest: only the entries asked for (both copies of {1, 2}, in order, the spent one marked), none of another
  // SAD, nothing for a digest not authorised.
  auto asked = db_->transact([](Tx& tx) {
    return SadRecords::entries_with_digests(tx, "sad-1", {Bytes{1, 2}, Bytes{9, 9}});
  });
  ASSERT_TRUE(asked.ok()) << asked.error().message;
  ASSERT_EQ(asked->size(), 2u);
  EXPECT_EQ((*asked)[0].position, 0);
  EXPECT_EQ((*asked)[1].position, 1);
  EXPECT_FALSE((*asked)[0].spent);
  EXPECT_TRUE((*asked)[1].spent);
  auto stranger = db_->transact([](Tx& tx) { return SadRecords::entries_with_digests(tx, "sad-1", {Bytes{9, 9}}); });
  ASSERT_TRUE(stranger.ok());
  EXPECT_TRUE(stranger->empty());

  ASSERT_TRUE(
      db_->transact([](Tx& tx) { return SadRecords::revoke_for_transaction(tx, TransactionId("tx-1"), t0 + 5s); })
          .ok());
  auto revoked = db_->transact([](Tx& tx) { return SadRecords::find_by_value(tx, "ab12"); });
  ASSERT_TRUE(revoked.ok() && revoked->has_value());
  EXPECT_EQ((*revoked)->expires_at, t0 + 5s);
  auto untouched = db_->transact([](Tx& tx) { return SadRecords::find_by_value(tx, "cd34"); });
  EXPECT_EQ((*untouched)->expires_at, t0 + 120s);
}

// The budget is counted in one statement: concurrent signers on any node cannot exceed it, and a SAD revoked
// meanwhile releases nothing more.
TEST_P(StoreRepository, ASadsBudgetHoldsUnderConcurrentSigners) {
  constexpr int kSigners = 8;
  const SadRecord sad{
      "sad-1", "ab12", CitizenId("cit-1"), KeyId("key-1"), AppId("app-1"), TransactionId("tx-1"), kSigners - 2,
      0,       t0,     t0 + 120s};
  ASSERT_TRUE(db_->transact([&](Tx& tx) {
                   return SadRecords::insert(tx, sad, std::vector<SadEntryRecord>(kSigners, {"sha-256", {1}, "pss"}));
                 })
                  .ok());
  std::atomic<int> spent{0};
  std::latch start(kSigners);
  std::vector<std::thread> signers;
  for (int i = 0; i < kSigners; ++i)
    signers.emplace_back([&] {
      start.arrive_and_wait();
      auto counted = db_->transact([&](Tx& tx) { return SadRecords::spend(tx, "sad-1", 1, t0); });
      if (counted.ok() && *counted) ++spent;
    });
  for (auto& t : signers) t.join();
  EXPECT_EQ(spent.load(), kSigners - 2);
  auto found = db_->transact([](Tx& tx) { return SadRecords::find_by_value(tx, "ab12"); });
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->spent, kSigners - 2);

  const SadRecord other{"sad-2", "cd34", CitizenId("cit-1"), KeyId("key-1"), AppId("app-1"), TransactionId("tx-2"), 2,
                        0,       t0,     t0 + 120s};
  ASSERT_TRUE(db_->transact([&](Tx& tx) { return SadRecords::insert(tx, other, {{"sha-256", {1}, "pss"}}); }).ok());
  ASSERT_TRUE(
      db_->transact([](Tx& tx) { return SadRecords::revoke_for_transaction(tx, TransactionId("tx-2"), t0); }).ok());
  auto after_revocation = db_->transact([](Tx& tx) { return SadRecords::spend(tx, "sad-2", 1, t0); });
  ASSERT_TRUE(after_revocation.ok());
  EXPECT_FALSE(*after_revocation);
}

// A refusal decided outside a unit of work: its record is committed, and the refusal is the answer.
TEST_P(StoreRepository, ACommittedRefusalKeepsItsRecordAndAnswersTheRefusal) {
  ASSERT_TRUE(run("CREATE TABLE refusals_seen (what TEXT NOT NULL)").ok());
  Result<int> answer = commit_refusal(*db_, make_error(ErrorCode::forbidden, "no"), [](Tx& tx) {
    return status_of(tx.execute("INSERT INTO refusals_seen (what) VALUES ('counted')"));
  });
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, ErrorCode::forbidden);
  // Inside a unit of work: what was written before the refusal commits with it.
  Result<int> inner = settle(db_->transact([](Tx& tx) -> Result<Result<int>> {
    if (Status s = status_of(tx.execute("INSERT INTO refusals_seen (what) VALUES ('audited')")); !s.ok())
      return std::move(s).error();
    return refuse<int>(ErrorCode::account_locked, "locked");
  }));
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code, ErrorCode::account_locked);
  auto seen = db_->transact([](Tx& tx) { return tx.query("SELECT count(*) FROM refusals_seen"); });
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->front().integer(0), 2);
  // When the record cannot be written, the database's error is the answer, not the refusal.
  Result<int> broken = commit_refusal(*db_, make_error(ErrorCode::forbidden, "no"), [](Tx& tx) {
    return status_of(tx.execute("INSERT INTO no_such_table (what) VALUES ('x')"));
  });
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().code, ErrorCode::forbidden);
  EXPECT_EQ(settle(db_->transact([](Tx&) { return accept(7); })).value(), 7);
}

INSTANTIATE_TEST_SUITE_P(Store, StoreRepository, ::testing::Values(Backend::sqlite, Backend::postgresql),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return std::string(to_string(info.param));
                         });

TEST(StoreOpen, UnreachablePostgresqlIsUnavailableInOneClearLine) {
  auto opened = Database::open("postgresql://firma:hunter2-password@127.0.0.1:1/firma?connect_timeout=2", 2);
  ASSERT_FALSE(opened.ok());
  const Error& error = opened.error();
  EXPECT_EQ(error.code, ErrorCode::unavailable);
  EXPECT_NE(error.message.find("PostgreSQL"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("127.0.0.1:1/firma"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("hunter2"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find('\n'), std::string::npos) << error.message;
}

TEST(StoreOpen, SqliteFileInAMissingDirectoryIsAClearError) {
  TempDir dir;
  const auto missing = dir.path() / "no-such-dir";
  auto opened = Database::open("sqlite:" + (missing / "firma.db").string(), 1);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::unavailable);
  EXPECT_NE(opened.error().message.find(missing.string()), std::string::npos) << opened.error().message;
  EXPECT_NE(opened.error().message.find("does not exist"), std::string::npos) << opened.error().message;
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST(StoreOpen, SqliteFileIsPrivateAndInWalMode) {
  TempDir dir;
  const auto path = dir.path() / "firma.db";
  auto opened = Database::open("sqlite:" + path.string(), 2);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto mode = (*opened)->transact([](Tx& tx) { return tx.query("PRAGMA journal_mode"); });
  ASSERT_TRUE(mode.ok()) << mode.error().message;
  EXPECT_EQ(mode->front().text(0), "wal");
}

TEST(StoreOpen, MalformedUrlsAreInvalidRequests) {
  for (const std::string url : {"mysql://user:pw@host/db", "sqlite:", "", "postgresql://[::1/db"}) {
    auto opened = Database::open(url, 1);
    ASSERT_FALSE(opened.ok()) << url;
    EXPECT_EQ(opened.error().code, ErrorCode::invalid_request) << url << ": " << opened.error().message;
  }
  TempDir dir;
  auto no_pool = Database::open("sqlite:" + (dir.path() / "x.db").string(), 0);
  ASSERT_FALSE(no_pool.ok());
  EXPECT_EQ(no_pool.error().code, ErrorCode::invalid_request);
}

}  // namespace
}  // namespace firma::store
