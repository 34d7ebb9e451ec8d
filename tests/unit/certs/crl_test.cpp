// The CRL: signed by the issuing CA on the token, listing each revocation once, renewed before nextUpdate.
#include <botan/x509_crl.h>
#include <gtest/gtest.h>

#include <latch>
#include <set>
#include <thread>

#include "pki_fixture.h"
#include "store/certificates.h"

namespace firma::certs {
namespace {

using testing::advanced_citizen;
using testing::PkiFixture;
using namespace std::chrono_literals;

std::string crl_pem(const Bytes& der) {
  std::string base64 = to_base64(der), pem = "-----BEGIN X509 CRL-----\n";
  for (std::size_t i = 0; i < base64.size(); i += 64) pem += base64.substr(i, 64) + "\n";
  return pem + "-----END X509 CRL-----\n";
}

TEST(Crl, TheFirstCrlIsEmptyAndVerifiesUnderTheChain) {
  PkiFixture f;
  f.open();
  auto crl = f.crl->current();
  ASSERT_TRUE(crl.ok()) << crl.error().message;
  EXPECT_EQ(crl->this_update, f.clock.now());
  EXPECT_EQ(crl->next_update, f.clock.now() + 24h);
  const auto file = f.write_der("crl.der", crl->der);
  auto verified = f.openssl("crl -in " + file.string() + " -inform DER -CAfile " + f.chain_file().string() + " -noout");
  EXPECT_EQ(verified.status, 0) << verified.output;
  EXPECT_NE(verified.output.find("verify OK"), std::string::npos) << verified.output;
  auto text = f.openssl("crl -in " + file.string() + " -inform DER -noout -text");
  EXPECT_NE(text.output.find("No Revoked Certificates"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("X509v3 CRL Number"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("X509v3 Authority Key Identifier"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Issuer: C = ES, O = Firma, CN = Firma Citizens CA"), std::string::npos) << text.output;

  // Asking again does not publish again.
  auto same = f.crl->current();
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->number, crl->number);
  EXPECT_EQ(same->der, crl->der);
}

TEST(Crl, ARevocationIsListedWithItsTimeAndReasonAndOpenSslThenRejectsTheCertificate) {
  PkiFixture f;
  f.open();
  auto before = f.crl->current();
  ASSERT_TRUE(before.ok());
  auto credential = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(credential.ok()) << credential.error().message;
  const auto leaf = f.write_pem("leaf.pem", credential->certificate);
  const auto chain = f.chain_file();

  auto good = f.openssl("verify -crl_check -CAfile " + chain.string() + " -CRLfile " +
                        f.write("before.pem", crl_pem(before->der)).string() + " " + leaf.string());
  EXPECT_EQ(good.status, 0) << good.output;

  f.clock.advance(10min);
  auto revoked = f.credentials->revoke(credential->serial, RevocationReason::key_compromise, "operator:test");
  ASSERT_TRUE(revoked.ok()) << revoked.error().message;
  auto after = f.crl->current();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->number, before->number + 1) << "the revocation published a new CRL";

  const auto file = f.write_der("crl.der", after->der);
  auto verified = f.openssl("crl -in " + file.string() + " -inform DER -CAfile " + chain.string() + " -noout");
  EXPECT_NE(verified.output.find("verify OK"), std::string::npos) << verified.output;
  auto text = f.openssl("crl -in " + file.string() + " -inform DER -noout -text");
  EXPECT_NE(text.output.find("Serial Number: " + credential->serial.str()), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Key Compromise"), std::string::npos) << text.output;
  Botan::X509_CRL parsed(after->der);
  ASSERT_EQ(parsed.get_revoked().size(), 1u);
  EXPECT_EQ(parsed.get_revoked()[0].expire_time().time_since_epoch(),
            static_cast<std::uint64_t>(to_unix(f.clock.now())));

  auto rejected = f.openssl("verify -crl_check -CAfile " + chain.string() + " -CRLfile " +
                            f.write("after.pem", crl_pem(after->der)).string() + " " + leaf.string());
  EXPECT_NE(rejected.status, 0) << rejected.output;
  EXPECT_NE(rejected.output.find("certificate revoked"), std::string::npos) << rejected.output;
}

TEST(Crl, EachRevocationEntersOnceAndNumbersOnlyGrow) {
  PkiFixture f;
  f.open();
  std::vector<CertSerial> serials;
  for (const char* nif : {"12345678Z", "X1234567L", "Y1234567X"}) {
    auto c = f.credentials->issue(advanced_citizen(nif), std::nullopt, "operator:test");
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_TRUE(f.credentials->revoke(c->serial, RevocationReason::unspecified, "operator:test").ok());
    serials.push_back(c->serial);
  }
  auto republished = f.crl->publish();
  ASSERT_TRUE(republished.ok());
  Botan::X509_CRL parsed(republished->der);
  std::multiset<std::string> listed;
  for (const auto& e : parsed.get_revoked()) listed.insert(to_hex_upper(e.serial_number()));
  EXPECT_EQ(listed.size(), 3u);
  for (const auto& s : serials) EXPECT_EQ(listed.count(s.str()), 1u) << s.str();
  EXPECT_EQ(static_cast<std::int64_t>(parsed.crl_number()), republished->number);
}

TEST(Crl, ANewCrlIsMadeOnceHalfItsValidityHasPassed) {
  PkiFixture f;
  f.open();
  auto first = f.crl->current();
  ASSERT_TRUE(first.ok());
  f.clock.advance(11h);
  auto early = f.crl->refresh_if_due();
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(*early);
  f.clock.advance(1h);
  auto due = f.crl->refresh_if_due();
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(*due);
  auto second = f.crl->current();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->number, first->number + 1);
  EXPECT_EQ(second->this_update, f.clock.now());
  EXPECT_GT(second->next_update, first->next_update);
}

TEST(Crl, ConcurrentPublishersNeverReuseANumber) {
  PkiFixture f;
  f.open();
  ASSERT_TRUE(f.crl->current().ok());
  CrlService other(*f.ca, *f.db, f.clock);  // as a second node would
  constexpr int kEach = 3;
  std::latch start(2);
  std::vector<std::int64_t> numbers_a, numbers_b;
  auto run = [&](CrlService& service, std::vector<std::int64_t>& numbers) {
    start.arrive_and_wait();
    for (int i = 0; i < kEach; ++i) {
      auto published = service.publish();
      ASSERT_TRUE(published.ok()) << published.error().message;
      numbers.push_back(published->number);
    }
  };
  std::thread a([&] { run(*f.crl, numbers_a); });
  std::thread b([&] { run(other, numbers_b); });
  a.join();
  b.join();
  std::set<std::int64_t> all(numbers_a.begin(), numbers_a.end());
  all.insert(numbers_b.begin(), numbers_b.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(2 * kEach));
}

}  // namespace
}  // namespace firma::certs
