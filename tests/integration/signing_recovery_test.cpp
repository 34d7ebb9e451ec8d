// A confirmation whose process dies between claiming its transaction and saving the results: the upkeep and the
// next start fail the transaction once the claim's lease runs out, purge it, audit it, and release nothing, not
// even to the confirmation should it come back. In-process, on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include "certs/audit_sealer.h"
#include "core/encoding.h"
#include "signer/citizen_key_signer.h"
#include "signer/signature_activation.h"
#include "signing_stack.h"
#include "store/audit_log.h"
#include "store/database.h"
#include "store/transactions.h"
#include "support/postgres.h"

namespace firma::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kNif = "12345678Z";
const std::string kMobile = "+34600111222";
const std::string kPassword = "Firma-Segura-2026";
constexpr auto kLease = 90s;

class SigningRecovery : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      pg_ = std::make_unique<PostgresDatabase>();
      ASSERT_TRUE(pg_->ok()) << pg_->error();
    }
    stack_ = std::make_unique<SigningStack>(pg_ ? pg_->url() : "",
                                            [](app::Settings& c) { c.signing.claim_timeout_seconds = kLease.count(); });
    app_key_ = stack_->register_application("Sede Electrónica de Ejemplo");
    stack_->make_citizen(kNif, kMobile, kPassword);
  }

  store::Database& db() { return stack_->services().database(); }

  // A transaction of two documents, authenticated: the OTP is on its way.
  std::string authenticated_transaction() {
    const json documents = json::array(
        {{{"name", "hash"},
          {"format", "raw"},
          {"digest", {{"algorithm", "sha256"}, {"value", to_base64(sha256(std::string("expediente 42")))}}}},
         {{"name", "anexo.bin"}, {"format", "cades"}, {"content", to_base64(as_bytes("anexo"))}}});
    auto created = stack_->post(
        "/v1/transactions",
        {{"nif", kNif}, {"return_url", "https://sede.example.gob.es/vuelta"}, {"documents", documents}}, app_key_);
    EXPECT_EQ(created.status, 201) << created.raw;
    const std::string id = created.body.value("id", "");
    auto started = stack_->post("/v1/transactions/" + id + "/authenticate", {{"nif", kNif}, {"password", kPassword}});
    EXPECT_EQ(started.status, 202) << started.raw;
    return id;
  }

  store::TransactionRecord record(const std::string& id) {
    auto found = db().transact([&](store::Tx& tx) { return store::TransactionRecords::find(tx, TransactionId(id)); });
    EXPECT_TRUE(found && found->has_value());
    return found && found->has_value() ? **found : store::TransactionRecord{};
  }
  std::vector<store::DocumentRecord> documents(const std::string& id) {
    auto found =
        db().transact([&](store::Tx& tx) { return store::TransactionRecords::documents(tx, TransactionId(id), true); });
    EXPECT_TRUE(found);
    return found ? *found : std::vector<store::DocumentRecord>{};
  }
  Status claim(const std::string& id, const std::string& claim_id) {
    auto claimed = db().transact([&](store::Tx& tx) {
      return store::TransactionRecords::claim_signing(tx, TransactionId(id), claim_id, stack_->clock().now());
    });
    if (!claimed) return std::move(claimed).error();
    if (!*claimed) return make_error(ErrorCode::conflict, "not claimed");
    return {};
  }
  std::int64_t count(const std::string& sql) {
    auto n = db().transact([&](store::Tx& tx) -> Result<std::int64_t> {
      auto rows = tx.query(sql);
      if (!rows) return std::move(rows).error();
      return rows->front().integer(0);
    });
    return n ? *n : -1;
  }
  std::vector<store::AuditRecord> audit_of(const std::string& id) {
    auto all = db().transact([](store::Tx& tx) { return store::AuditLog::list(tx, 0, 100000); });
    std::vector<store::AuditRecord> mine;
    if (all)
      for (const auto& r : *all)
        if (r.event.subject == id) mine.push_back(r);
    return mine;
  }
  bool audit_chain_holds() {
    auto v = stack_->services().audit_sealer().verify();  // seals what committed, checks the signed checkpoints
    return v && v->ok;
  }
  Reply confirm(const std::string& id, const std::string& otp) {
    return stack_->post("/v1/transactions/" + id + "/confirm", {{"otp", otp}});
  }

  void expect_failed_and_purged(const std::string& id) {
    auto fetched = stack_->get("/v1/transactions/" + id, app_key_);
    ASSERT_EQ(fetched.status, 200) << fetched.raw;
    EXPECT_EQ(fetched.body["status"], "failed");
    EXPECT_NE(fetched.body.value("failure", "").find("no signature was released"), std::string::npos) << fetched.raw;
    EXPECT_TRUE(fetched.body["documents"].empty()) << fetched.raw;
    for (const auto& d : documents(id)) {
      EXPECT_FALSE(d.content) << d.name << ": content purged";
      EXPECT_FALSE(d.prepared_state) << d.name << ": prepared state purged";
      EXPECT_FALSE(d.result) << d.name << ": no result";
    }
    const auto events = audit_of(id);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().event.action, "transaction.recover");
    EXPECT_EQ(events.back().event.outcome, "failure");
    EXPECT_EQ(events.back().event.actor, "system");
    EXPECT_TRUE(audit_chain_holds());
  }

  std::unique_ptr<PostgresDatabase> pg_;
  std::unique_ptr<SigningStack> stack_;
  std::string app_key_;
};

// The confirmation gets as far as the HSM signatures (SAD minted, its uses recorded, the signatures made) and its
// process dies before saving them: no result, the transaction held in `signing`.
TEST_P(SigningRecovery, AConfirmationKilledAfterSigningFailsOnceItsLeaseRunsOut) {
  const std::string id = authenticated_transaction();
  const std::string otp = stack_->last_otp(kMobile);
  const store::TransactionRecord before = record(id);
  ASSERT_TRUE(before.challenge_id && before.citizen_id && before.key_id);
  signer::SadRequest authorised{{*before.citizen_id, *before.key_id, before.app_id}, {}, 0, TransactionId(id)};
  for (const auto& d : documents(id)) {
    ASSERT_TRUE(d.dtbs_digest);
    authorised.entries.push_back({hsm::DigestAlgorithm::sha256, *d.dtbs_digest, hsm::RsaPadding::pkcs1v15});
  }
  authorised.budget = authorised.entries.size();

  // What TransactionService::confirm does up to the moment its process is killed.
  auto& services = stack_->services();
  SystemRandom random;
  signer::SignatureActivation activation(db(), services.citizens(), stack_->clock(), random, 120s);
  auto sad = activation.authorise(*before.challenge_id, Secret(otp), authorised);
  ASSERT_TRUE(sad) << sad.error().message;
  const std::string claim_id = "claim-of-the-killed-process";
  ASSERT_TRUE(claim(id, claim_id).ok());
  signer::CitizenKeySigner& key_signer = services.key_signer();
  auto signatures = key_signer.sign_all(sad->value, authorised.binding, authorised.entries);
  ASSERT_TRUE(signatures) << signatures.error().message;
  ASSERT_EQ(count("SELECT count(*) FROM sad_uses"), 2);

  // Stuck as the defect left it: every step answers 409.
  EXPECT_EQ(stack_->get("/v1/transactions/" + id, app_key_).body["status"], "signing");
  EXPECT_EQ(confirm(id, otp).status, 409);

  // Within the lease the confirmation may still be running (on another node): the upkeep leaves it alone.
  stack_->clock().advance(kLease - 1s);
  services.maintain();
  EXPECT_EQ(record(id).status, TransactionStatus::signing);

  stack_->clock().advance(2s);
  services.maintain();
  expect_failed_and_purged(id);
  EXPECT_EQ(count("SELECT count(*) FROM transactions WHERE status = 'signing'"), 0);

  // Should the process come back: its SAD signs nothing more, and its results cannot be saved.
  auto again = key_signer.sign_all(sad->value, authorised.binding, authorised.entries);
  EXPECT_FALSE(again) << "the SAD of a recovered transaction is ended";
  auto late = db().transact([&](store::Tx& tx) {
    return store::TransactionRecords::finish_signing(tx, TransactionId(id), claim_id, TransactionStatus::signed_,
                                                     stack_->clock().now());
  });
  ASSERT_TRUE(late);
  EXPECT_FALSE(*late) << "a save under a claim given up is refused";
  EXPECT_EQ(record(id).status, TransactionStatus::failed);
  EXPECT_NE(confirm(id, otp).status, 200);

  // A second upkeep finds nothing more to do: one audit event.
  services.maintain();
  std::size_t recoveries = 0;
  for (const auto& e : audit_of(id)) recoveries += e.event.action == "transaction.recover";
  EXPECT_EQ(recoveries, 1u);
}

// Killed right after claiming (no SAD use yet), the node restarted once the lease ran out: the start mends it.
TEST_P(SigningRecovery, AStartAfterTheLeaseFailsWhatAKilledProcessLeft) {
  const std::string id = authenticated_transaction();
  const std::string otp = stack_->last_otp(kMobile);
  ASSERT_TRUE(claim(id, "claim-of-the-killed-process").ok());
  stack_->clock().advance(kLease + 1s);
  stack_->restart();
  EXPECT_EQ(record(id).status, TransactionStatus::failed) << "recovered by the start, before any upkeep";
  expect_failed_and_purged(id);
  EXPECT_EQ(count("SELECT count(*) FROM sad_uses"), 0);
  EXPECT_EQ(confirm(id, otp).status, 409);
}

// A confirmation that runs normally is untouched by the upkeep, and saves under its own claim.
TEST_P(SigningRecovery, AConfirmationWithinItsLeaseSigns) {
  const std::string id = authenticated_transaction();
  auto confirmed = confirm(id, stack_->last_otp(kMobile));
  ASSERT_EQ(confirmed.status, 200) << confirmed.raw;
  stack_->clock().advance(kLease * 2);
  stack_->services().maintain();
  auto fetched = stack_->get("/v1/transactions/" + id, app_key_);
  EXPECT_EQ(fetched.body["status"], "signed");
  EXPECT_EQ(fetched.body["documents"].size(), 2u);
  EXPECT_FALSE(fetched.body.contains("failure"));
}

INSTANTIATE_TEST_SUITE_P(Backends, SigningRecovery, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace firma::testing
