// The PKI repositories (migration 0003) on SQLite and on PostgreSQL: same calls, same answers, same constraints.
#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "store/certificates.h"
#include "store/database.h"
#include "support/postgres.h"
#include "support/temp_dir.h"

namespace firma::store {

void PrintTo(Backend backend, std::ostream* out) {
  *out << to_string(backend);
}

namespace {

using namespace std::chrono_literals;
const Instant t0 = from_unix(1'800'000'000);

class PkiStore : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == Backend::sqlite) {
      url = "sqlite:" + (dir_.path() / "firma.db").string();
    } else {
      pg_ = std::make_unique<testing::PostgresDatabase>();
      ASSERT_TRUE(pg_->ok()) << pg_->error();
      url = pg_->url();
    }
    auto opened = Database::open(url, 2);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    db_ = std::move(*opened);
    ASSERT_TRUE(db_->migrate().ok());
  }

  template <class F>
  auto run(F&& work) {
    return db_->transact(std::forward<F>(work));
  }

  static CertificateRecord certificate(std::string serial, std::string nif, Instant created) {
    CertificateRecord r;
    r.serial = CertSerial(std::move(serial));
    r.nif = std::move(nif);
    r.key_id = KeyId("cit-" + r.serial.str());
    r.issuer_serial = CertSerial("1554");
    r.subject = "CN=TEST";
    r.algorithm = "ec-p256";
    r.certificate = Bytes{0x30, 0x00, 0xFF, 0x00, 0x01};  // bytes with NULs and high bits round-trip as they are
    r.not_before = created;
    r.not_after = created + std::chrono::days(730);
    r.created_at = created;
    return r;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::PostgresDatabase> pg_;
  std::unique_ptr<Database> db_;
};

TEST_P(PkiStore, OneActiveCaCertificatePerRole) {
  const CaCertificateRecord root{CertSerial("AA"),
                                 "root",
                                 KeyId("ca-root-1"),
                                 "CN=Root",
                                 Bytes{1, 0, 2},
                                 t0,
                                 t0 + std::chrono::days(7300),
                                 true,
                                 t0};
  ASSERT_TRUE(run([&](Tx& tx) { return CaCertificateRecords::insert(tx, root); }).ok());
  CaCertificateRecord other = root;
  other.serial = CertSerial("BB");
  Status second = run([&](Tx& tx) { return CaCertificateRecords::insert(tx, other); });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::conflict);

  // An inactive one of the same role is fine; so is switching which one is active.
  other.active = false;
  ASSERT_TRUE(run([&](Tx& tx) { return CaCertificateRecords::insert(tx, other); }).ok());
  CaCertificateRecord third = root;
  third.serial = CertSerial("CC");
  ASSERT_TRUE(run([&](Tx& tx) -> Status {
                if (Status s = CaCertificateRecords::deactivate(tx, "root"); !s) return s;
                return CaCertificateRecords::insert(tx, third);
              }).ok());
  auto active = run([](Tx& tx) { return CaCertificateRecords::active(tx, "root"); });
  ASSERT_TRUE(active.ok() && active->has_value());
  EXPECT_EQ((*active)->serial.str(), "CC");
  EXPECT_EQ((*active)->certificate, (Bytes{1, 0, 2}));
  auto none = run([](Tx& tx) { return CaCertificateRecords::active(tx, "issuing"); });
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto all = run([](Tx& tx) { return CaCertificateRecords::list(tx); });
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
}

TEST_P(PkiStore, ACitizenHasAtMostOneValidCertificate) {
  const CertificateRecord first = certificate("0A01", "12345678Z", t0);
  ASSERT_TRUE(run([&](Tx& tx) { return CertificateRecords::insert(tx, first); }).ok());
  Status twice = run([&](Tx& tx) { return CertificateRecords::insert(tx, certificate("0A02", "12345678Z", t0 + 1s)); });
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::conflict);

  // Renewal: the old one revoked and the new one inserted in one transaction.
  ASSERT_TRUE(run([&](Tx& tx) -> Status {
                auto revoked = CertificateRecords::revoke(tx, first.serial, t0 + 1h, "superseded");
                if (!revoked) return std::move(revoked).error();
                if (!*revoked) return make_error(ErrorCode::internal, "not revoked");
                return CertificateRecords::insert(tx, certificate("0A02", "12345678Z", t0 + 1h));
              }).ok());
  auto again = run([&](Tx& tx) { return CertificateRecords::revoke(tx, first.serial, t0 + 2h, "key_compromise"); });
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again) << "revoking twice keeps the first revocation";

  auto old = run([&](Tx& tx) { return CertificateRecords::find(tx, first.serial); });
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->status, CertificateStatus::revoked);
  EXPECT_EQ((*old)->revoked_at, t0 + 1h);
  EXPECT_EQ((*old)->revocation_reason, "superseded");
  EXPECT_EQ((*old)->certificate, first.certificate);

  auto valid = run([](Tx& tx) { return CertificateRecords::valid_for(tx, "12345678Z"); });
  ASSERT_TRUE(valid.ok() && valid->has_value());
  EXPECT_EQ((*valid)->serial.str(), "0A02");
  auto listed = run([](Tx& tx) { return CertificateRecords::list_for(tx, "12345678Z"); });
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ(listed->front().serial.str(), "0A02") << "newest first";
  auto revoked = run([](Tx& tx) { return CertificateRecords::revoked_by(tx, CertSerial("1554")); });
  ASSERT_TRUE(revoked.ok());
  ASSERT_EQ(revoked->size(), 1u);
  EXPECT_EQ(revoked->front().serial, first.serial);
  auto recent = run([](Tx& tx) { return CertificateRecords::list_recent(tx, 1); });
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ(recent->front().serial.str(), "0A02");
}

TEST_P(PkiStore, ExpiryTouchesOnlyValidCertificatesPastNotAfter) {
  ASSERT_TRUE(run([&](Tx& tx) { return CertificateRecords::insert(tx, certificate("01", "12345678Z", t0)); }).ok());
  ASSERT_TRUE(run([&](Tx& tx) {
                return CertificateRecords::insert(tx, certificate("02", "X1234567L", t0 + std::chrono::days(30)));
              }).ok());
  auto expired = run([](Tx& tx) { return CertificateRecords::expire(tx, t0 + std::chrono::days(731)); });
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 1);
  auto marked = run([](Tx& tx) { return CertificateRecords::mark_expired(tx, CertSerial("02")); });
  ASSERT_TRUE(marked.ok());
  EXPECT_TRUE(*marked);
  auto none = run([](Tx& tx) { return CertificateRecords::valid_for(tx, "X1234567L"); });
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(PkiStore, CrlNumbersAreUniquePerIssuer) {
  const CrlRecord first{CertSerial("1554"), 1, t0, t0 + 24h, Bytes{0x30, 0x01, 0x00}};
  ASSERT_TRUE(run([&](Tx& tx) { return CrlRecords::insert(tx, first); }).ok());
  Status same = run([&](Tx& tx) { return CrlRecords::insert(tx, first); });
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error().code, ErrorCode::conflict);
  const CrlRecord second{CertSerial("1554"), 2, t0 + 12h, t0 + 36h, Bytes{0x30, 0x02}};
  ASSERT_TRUE(run([&](Tx& tx) { return CrlRecords::insert(tx, second); }).ok());
  ASSERT_TRUE(run([&](Tx& tx) { return CrlRecords::insert(tx, {CertSerial("99"), 1, t0, t0 + 1h, Bytes{1}}); }).ok());
  auto latest = run([](Tx& tx) { return CrlRecords::latest(tx, CertSerial("1554")); });
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->crl_number, 2);
  EXPECT_EQ((*latest)->this_update, t0 + 12h);
  EXPECT_EQ((*latest)->crl, second.crl);
  auto none = run([](Tx& tx) { return CrlRecords::latest(tx, CertSerial("77")); });
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(PkiStore, KeyRecordsKeepTheFirstDestructionTime) {
  ASSERT_TRUE(run([](Tx& tx) {
                return HsmKeyRecords::insert(tx, {KeyId("k1"), "12345678Z", "citizen", "ec-p256", t0, {}});
              }).ok());
  ASSERT_TRUE(run([](Tx& tx) {
                return HsmKeyRecords::insert(tx, {KeyId("k2"), "12345678Z", "citizen", "rsa-2048", t0 + 1s, {}});
              }).ok());
  ASSERT_TRUE(run([](Tx& tx) {
                return HsmKeyRecords::insert(tx, {KeyId("k3"), "ca", "root", "ec-p384", t0, {}});
              }).ok());
  ASSERT_TRUE(run([](Tx& tx) { return HsmKeyRecords::mark_destroyed(tx, KeyId("k1"), t0 + 1h); }).ok());
  ASSERT_TRUE(run([](Tx& tx) { return HsmKeyRecords::mark_destroyed(tx, KeyId("k1"), t0 + 2h); }).ok());
  Status unknown = run([](Tx& tx) { return HsmKeyRecords::mark_destroyed(tx, KeyId("nope"), t0); });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  auto k1 = run([](Tx& tx) { return HsmKeyRecords::find(tx, KeyId("k1")); });
  ASSERT_TRUE(k1.ok() && k1->has_value());
  EXPECT_EQ((*k1)->destroyed_at, t0 + 1h);
  auto live = run([](Tx& tx) { return HsmKeyRecords::live_for_owner(tx, "12345678Z"); });
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ(live->front().key_id.str(), "k2");
  auto all = run([](Tx& tx) { return HsmKeyRecords::list(tx); });
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Pki, PkiStore, ::testing::Values(Backend::sqlite, Backend::postgresql),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return std::string(to_string(info.param));
                         });

}  // namespace
}  // namespace firma::store
