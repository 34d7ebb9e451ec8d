// Citizens' credentials on SoftHSM2: the issued certificate as openssl reads it, the key as pkcs11-tool lists it,
// renewal, revocation, refusals and the key inventory.
#include <botan/x509cert.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <latch>
#include <set>
#include <thread>

#include "core/metrics.h"
#include "hsm/token.h"
#include "pki_fixture.h"
#include "store/audit_log.h"
#include "store/certificates.h"

namespace firma::certs {
namespace {

using testing::advanced_citizen;
using testing::PkiFixture;
using namespace std::chrono_literals;

std::string certificate_text(PkiFixture& f, const Bytes& der) {
  auto r = f.openssl("x509 -noout -text -nameopt utf8 -in " + f.write_pem("cert.pem", der).string());
  EXPECT_EQ(r.status, 0) << r.output;
  return r.output;
}

std::size_t key_count(PkiFixture& f) {
  auto inventory = f.hsm.token().inventory();
  EXPECT_TRUE(inventory.ok());
  return inventory.ok() ? inventory->size() : 0;
}

TEST(CitizenCredential, IssuedCertificateVerifiesAndCarriesTheProfile) {
  PkiFixture f;
  f.open();
  auto credential = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(credential.ok()) << credential.error().message;

  const auto leaf = f.write_pem("leaf.pem", credential->certificate);
  auto verified = f.openssl("verify -x509_strict -CAfile " + f.chain_file().string() + " " + leaf.string());
  EXPECT_EQ(verified.status, 0) << verified.output;
  EXPECT_NE(verified.output.find(": OK"), std::string::npos) << verified.output;

  const std::string text = certificate_text(f, credential->certificate);
  EXPECT_NE(text.find("Subject: C=ES, serialNumber=IDCES-12345678Z, SN=GARCÍA NÚÑEZ, GN=MARÍA JOSÉ, "
                      "CN=GARCÍA NÚÑEZ MARÍA JOSÉ - 12345678Z\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("X509v3 Key Usage: critical\n                Digital Signature, Non Repudiation\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("CA:FALSE"), std::string::npos) << text;
  EXPECT_NE(text.find("Policy: 1.3.6.1.4.1.32473.1.1"), std::string::npos) << text;
  EXPECT_NE(text.find("OCSP - URI:http://127.0.0.1:8080/pki/ocsp"), std::string::npos) << text;
  EXPECT_NE(text.find("CA Issuers - URI:http://127.0.0.1:8080/pki/ca.cer"), std::string::npos) << text;
  EXPECT_NE(text.find("X509v3 CRL Distribution Points"), std::string::npos) << text;
  EXPECT_NE(text.find("URI:http://127.0.0.1:8080/pki/crl"), std::string::npos) << text;
  EXPECT_NE(text.find("X509v3 Subject Key Identifier"), std::string::npos) << text;
  EXPECT_NE(text.find("X509v3 Authority Key Identifier"), std::string::npos) << text;
  EXPECT_NE(text.find("ASN1 OID: prime256v1"), std::string::npos) << text;

  // A positive serial of at least 64 random bits, spelled as the API spells it.
  const Botan::X509_Certificate parsed(credential->certificate);
  EXPECT_GE(parsed.serial_number().size(), 9u);
  EXPECT_EQ(credential->serial.str(), to_hex_upper(parsed.serial_number()));
  // Two years from the moment of issue.
  EXPECT_EQ(credential->not_after - credential->not_before, std::chrono::days(730));
  EXPECT_EQ(credential->not_before, f.clock.now());
  ASSERT_EQ(credential->chain.size(), 2u);
  EXPECT_EQ(credential->chain[0], f.ca->issuing().der);
  EXPECT_EQ(credential->chain[1], f.ca->root().der);
}

TEST(CitizenCredential, TheKeyPairAndCertificateShareOneIdAndTheKeyNeverLeaves) {
  PkiFixture f;
  f.open();
  auto credential = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(credential.ok()) << credential.error().message;
  auto listed = f.pkcs11_tool("--list-objects");
  ASSERT_EQ(listed.status, 0) << listed.output;

  const std::string id = to_hex(as_bytes(credential->key_id.str()));
  // pkcs11-tool prints one block per object; find the three with this CKA_ID.
  std::vector<std::string> blocks;
  for (std::size_t at = 0; (at = listed.output.find(" Object;", at)) != std::string::npos;) {
    std::size_t start = listed.output.rfind('\n', at);
    start = start == std::string::npos ? 0 : start + 1;
    std::size_t end = listed.output.find(" Object;", at + 1);
    end = end == std::string::npos ? listed.output.size() : listed.output.rfind('\n', end);
    blocks.push_back(listed.output.substr(start, end - start));
    at += 8;
  }
  int private_keys = 0, public_keys = 0, certificates = 0;
  for (const std::string& block : blocks) {
    if (block.find(id) == std::string::npos) continue;
    if (block.rfind("Private Key Object", 0) == 0) {
      ++private_keys;
      EXPECT_NE(block.find("sensitive"), std::string::npos) << block;
      EXPECT_NE(block.find("never extractable"), std::string::npos) << block;
      EXPECT_EQ(block.find("Access:       local, extractable"), std::string::npos) << block;
    } else if (block.rfind("Public Key Object", 0) == 0) {
      ++public_keys;
    } else if (block.rfind("Certificate Object", 0) == 0) {
      ++certificates;
      EXPECT_NE(block.find("IDCES-12345678Z"), std::string::npos) << block;
    }
  }
  EXPECT_EQ(private_keys, 1) << listed.output;
  EXPECT_EQ(public_keys, 1) << listed.output;
  EXPECT_EQ(certificates, 1) << listed.output;
}

class CitizenKeyAlgorithm : public ::testing::TestWithParam<hsm::KeyAlgorithm> {};

TEST_P(CitizenKeyAlgorithm, IssuesForTheRequestedAlgorithm) {
  PkiFixture f;
  f.open();
  auto credential = f.credentials->issue(advanced_citizen(), GetParam(), "operator:test");
  ASSERT_TRUE(credential.ok()) << credential.error().message;
  EXPECT_EQ(credential->algorithm, GetParam());
  auto algorithm = f.hsm.token().algorithm(credential->key_id);
  ASSERT_TRUE(algorithm.ok());
  EXPECT_EQ(*algorithm, GetParam());
  auto verified = f.openssl("verify -x509_strict -CAfile " + f.chain_file().string() + " " +
                            f.write_pem("leaf.pem", credential->certificate).string());
  EXPECT_EQ(verified.status, 0) << verified.output;
}

INSTANTIATE_TEST_SUITE_P(Pki, CitizenKeyAlgorithm,
                         ::testing::Values(hsm::KeyAlgorithm::ec_p256, hsm::KeyAlgorithm::rsa2048,
                                           hsm::KeyAlgorithm::rsa3072),
                         [](const ::testing::TestParamInfo<hsm::KeyAlgorithm>& info) {
                           std::string name(hsm::to_string(info.param));
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

TEST(CitizenCredential, IneligibleCitizensGetNoKeyAndNoCertificate) {
  PkiFixture f;
  f.open();
  const std::size_t keys_before = key_count(f);
  struct Case {
    CitizenStatus status;
    RegistrationLevel level;
    ErrorCode code;
  };
  for (const Case& c :
       {Case{CitizenStatus::active, RegistrationLevel::basic, ErrorCode::registration_level},
        Case{CitizenStatus::pending_activation, RegistrationLevel::advanced, ErrorCode::account_not_active},
        Case{CitizenStatus::locked, RegistrationLevel::advanced, ErrorCode::account_not_active},
        Case{CitizenStatus::deregistered, RegistrationLevel::advanced, ErrorCode::account_not_active}}) {
    auto citizen = advanced_citizen();
    citizen.status = c.status;
    citizen.registration_level = c.level;
    auto issued = f.credentials->issue(citizen, std::nullopt, "operator:test");
    ASSERT_FALSE(issued.ok()) << to_string(c.status) << "/" << to_string(c.level);
    EXPECT_EQ(issued.error().code, c.code) << to_string(c.status) << "/" << to_string(c.level);
    auto ensured = f.credentials->ensure_certificate(citizen, "citizen:12345678Z");
    ASSERT_FALSE(ensured.ok());
    EXPECT_EQ(ensured.error().code, c.code);
  }
  EXPECT_EQ(key_count(f), keys_before);
  auto listed = f.credentials->list("12345678Z");
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

TEST(CitizenCredential, IssuingAgainSupersedesTheOldCertificateAndDestroysItsKey) {
  PkiFixture f;
  f.open();
  auto first = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(first.ok()) << first.error().message;
  f.clock.advance(1h);
  auto second = f.credentials->issue(advanced_citizen(), hsm::KeyAlgorithm::rsa2048, "operator:test");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_NE(second->serial, first->serial);
  EXPECT_FALSE(f.hsm.token().has_key(first->key_id));
  EXPECT_TRUE(f.hsm.token().has_key(second->key_id));

  auto old = f.credentials->find(first->serial);
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->status, CertificateStatus::revoked);
  EXPECT_EQ((*old)->revocation_reason, RevocationReason::superseded);
  EXPECT_EQ((*old)->revoked_at, f.clock.now());

  auto current = f.credentials->current_credential("12345678Z");
  ASSERT_TRUE(current.ok() && current->has_value());
  EXPECT_EQ((*current)->serial, second->serial);

  // The superseded certificate is on the CRL.
  auto crl = f.crl->current();
  ASSERT_TRUE(crl.ok()) << crl.error().message;
  auto text = f.openssl("crl -inform DER -noout -text -in " + f.write_der("crl.der", crl->der).string());
  EXPECT_NE(text.output.find("Serial Number: " + first->serial.str()), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Superseded"), std::string::npos) << text.output;
}

TEST(CitizenCredential, EnsureReusesTheCredentialAndRenewsItNearExpiry) {
  PkiFixture f;
  f.open();
  auto first = f.credentials->ensure_certificate(advanced_citizen(), "citizen:12345678Z");
  ASSERT_TRUE(first.ok()) << first.error().message;
  f.clock.advance(std::chrono::days(300));
  auto again = f.credentials->ensure_certificate(advanced_citizen(), "citizen:12345678Z");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->serial, first->serial);
  EXPECT_EQ(again->key_id, first->key_id);

  // 29 days before expiry (renew_before is 30 days): a new key and certificate.
  f.clock.set(first->not_after - std::chrono::days(29));
  auto renewed = f.credentials->ensure_certificate(advanced_citizen(), "citizen:12345678Z");
  ASSERT_TRUE(renewed.ok()) << renewed.error().message;
  EXPECT_NE(renewed->serial, first->serial);
  EXPECT_NE(renewed->key_id, first->key_id);
  auto old = f.credentials->find(first->serial);
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->status, CertificateStatus::revoked);
  EXPECT_EQ((*old)->revocation_reason, RevocationReason::superseded);
}

// A key that vanished from the token (destroyed or damaged behind Firma's back) is still replaced, so the
// citizen can sign, but as an alarm: an error-level log, an audit event naming the cause, a metric.
TEST(CitizenCredential, ALostKeyIsReplacedLoudly) {
  PkiFixture f;
  f.open();
  auto first = f.credentials->ensure_certificate(advanced_citizen(), "citizen:12345678Z");
  ASSERT_TRUE(first.ok()) << first.error().message;
  metrics::Counter& lost = metrics::counter("firma_citizen_keys_lost_total", "", {{"cause", "key_missing"}});
  const auto lost_before = lost.value();

  // Only the private key object goes, as a damaged token would lose it; its certificate stays valid.
  auto deleted = f.pkcs11_tool("--delete-object --type privkey --id " + to_hex(as_bytes(first->key_id.str())));
  ASSERT_EQ(deleted.status, 0) << deleted.output;
  // The next signature finds the key gone (its handle no longer names an object)...
  auto refused = f.hsm.token().sign_digest(first->key_id, hsm::DigestAlgorithm::sha256, sha256("document"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::not_found) << refused.error().message;
  // ... and the citizen's next confirmation asks for their credential again.
  f.clock.advance(1h);

  auto second = f.credentials->ensure_certificate(advanced_citizen(), "citizen:12345678Z");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_NE(second->key_id, first->key_id);
  auto old = f.credentials->find(first->serial);
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->revocation_reason, RevocationReason::superseded);

  EXPECT_EQ(lost.value() - lost_before, 1u);
  auto events = f.db->transact([](store::Tx& tx) { return store::AuditLog::list(tx, 0, 1000); });
  ASSERT_TRUE(events.ok()) << events.error().message;
  auto alarm = std::find_if(events->begin(), events->end(), [](const auto& r) { return r.event.action == "key.lost"; });
  ASSERT_NE(alarm, events->end()) << "no key.lost audit event";
  EXPECT_EQ(alarm->event.subject, "key:" + first->key_id.str());
  EXPECT_EQ(alarm->event.outcome, "failure");
  EXPECT_NE(alarm->event.detail.find("cause=key_missing"), std::string::npos) << alarm->event.detail;
  EXPECT_NE(alarm->event.detail.find("certificate=" + first->serial.str()), std::string::npos) << alarm->event.detail;
  EXPECT_NE(alarm->event.detail.find("replaced_by=" + second->serial.str()), std::string::npos) << alarm->event.detail;

  // An ordinary renewal near expiry raises no alarm.
  f.clock.set(second->not_after - std::chrono::days(29));
  auto renewed = f.credentials->ensure_certificate(advanced_citizen(), "citizen:12345678Z");
  ASSERT_TRUE(renewed.ok()) << renewed.error().message;
  EXPECT_EQ(lost.value() - lost_before, 1u);
}

TEST(CitizenCredential, AfterExpiryTheOldCertificateIsExpiredNotRevoked) {
  PkiFixture f;
  f.open();
  auto first = f.credentials->ensure_certificate(advanced_citizen(), "citizen:12345678Z");
  ASSERT_TRUE(first.ok()) << first.error().message;
  f.clock.set(first->not_after + std::chrono::days(1));
  auto none = f.credentials->current_credential("12345678Z");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto listed = f.credentials->list("12345678Z");
  ASSERT_TRUE(listed.ok() && listed->size() == 1);
  EXPECT_EQ(listed->front().status, CertificateStatus::expired) << "read as expired before the upkeep records it";

  auto renewed = f.credentials->ensure_certificate(advanced_citizen(), "citizen:12345678Z");
  ASSERT_TRUE(renewed.ok()) << renewed.error().message;
  auto old = f.credentials->find(first->serial);
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->status, CertificateStatus::expired);
  EXPECT_FALSE((*old)->revoked_at.has_value());
}

TEST(CitizenCredential, UpkeepRecordsExpiries) {
  PkiFixture f;
  f.open();
  ASSERT_TRUE(f.credentials->issue(advanced_citizen("12345678Z"), std::nullopt, "t").ok());
  f.clock.advance(std::chrono::days(10));
  ASSERT_TRUE(f.credentials->issue(advanced_citizen("X1234567L"), std::nullopt, "t").ok());
  f.clock.advance(std::chrono::days(725));  // past the first one's two years, not the second's
  auto expired = f.credentials->expire_due();
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 1u);
  auto again = f.credentials->expire_due();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0u);
}

TEST(CitizenCredential, RevokingDestroysTheKeyRecordsTheReasonAndRefusesTwice) {
  PkiFixture f;
  f.open();
  auto credential = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(credential.ok());
  f.clock.advance(5min);
  auto revoked = f.credentials->revoke(credential->serial, RevocationReason::key_compromise, "operator:alice");
  ASSERT_TRUE(revoked.ok()) << revoked.error().message;
  EXPECT_EQ(revoked->status, CertificateStatus::revoked);
  EXPECT_EQ(revoked->revoked_at, f.clock.now());
  EXPECT_EQ(revoked->revocation_reason, RevocationReason::key_compromise);
  EXPECT_FALSE(f.hsm.token().has_key(credential->key_id));
  auto current = f.credentials->current_credential("12345678Z");
  ASSERT_TRUE(current.ok());
  EXPECT_FALSE(current->has_value());

  auto twice = f.credentials->revoke(credential->serial, RevocationReason::unspecified, "operator:alice");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::conflict);
  auto unknown = f.credentials->revoke(CertSerial("0123456789ABCDEF"), RevocationReason::unspecified, "operator:alice");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);

  auto events = f.db->transact([](store::Tx& tx) { return store::AuditLog::list(tx, 0, 100); });
  ASSERT_TRUE(events.ok());
  auto revocation = std::find_if(events->begin(), events->end(),
                                 [](const store::AuditRecord& r) { return r.event.action == "certificate.revoke"; });
  ASSERT_NE(revocation, events->end());
  EXPECT_EQ(revocation->event.actor, "operator:alice");
  EXPECT_EQ(revocation->event.subject, "certificate:" + credential->serial.str());
  EXPECT_NE(revocation->event.detail.find("reason=key_compromise"), std::string::npos);
  auto key = f.db->transact([&](store::Tx& tx) { return store::HsmKeyRecords::find(tx, credential->key_id); });
  ASSERT_TRUE(key.ok() && key->has_value());
  EXPECT_TRUE((*key)->destroyed_at.has_value());
}

TEST(CitizenCredential, DeregistrationRevokesAndDestroysEveryKeyOfTheCitizen) {
  PkiFixture f;
  f.open();
  auto credential = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(credential.ok());
  auto other = f.credentials->issue(advanced_citizen("X1234567L"), std::nullopt, "operator:test");
  ASSERT_TRUE(other.ok());
  auto count =
      f.credentials->revoke_all_for("12345678Z", RevocationReason::cessation_of_operation, "citizen:12345678Z");
  ASSERT_TRUE(count.ok()) << count.error().message;
  EXPECT_EQ(*count, 1u);
  EXPECT_FALSE(f.hsm.token().has_key(credential->key_id));
  EXPECT_TRUE(f.hsm.token().has_key(other->key_id)) << "another citizen's key stays";
  auto none = f.credentials->revoke_all_for("12345678Z", RevocationReason::cessation_of_operation, "citizen:12345678Z");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
}

TEST(CitizenCredential, TheKeyInventoryNamesOwnersAndReportsTheFlags) {
  PkiFixture f;
  f.open();
  auto credential = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(credential.ok());
  auto keys = f.credentials->keys();
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 5u);  // root, issuing CA, OCSP signer, TSA, the citizen
  int ca_keys = 0;
  for (const KeyEntry& k : *keys) {
    EXPECT_TRUE(k.sensitive) << k.key_id.str();
    EXPECT_FALSE(k.extractable) << k.key_id.str();
    EXPECT_TRUE(k.has_certificate) << k.key_id.str();
    EXPECT_TRUE(k.created_at.has_value());
    if (k.owner == "ca") ++ca_keys;
    if (k.key_id == credential->key_id) {
      EXPECT_EQ(k.owner, "12345678Z");
      EXPECT_EQ(k.purpose, "citizen");
      EXPECT_EQ(k.algorithm, hsm::KeyAlgorithm::ec_p256);
    }
  }
  EXPECT_EQ(ca_keys, 4);
}

TEST(CitizenCredential, ConcurrentFirstSignaturesShareOneCredential) {
  PkiFixture f;
  f.open();
  constexpr int kThreads = 4;
  std::vector<Result<Credential>> results(kThreads, make_error(ErrorCode::internal, "not run"));
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[static_cast<std::size_t>(i)] = f.credentials->ensure_certificate(advanced_citizen(), "citizen:12345678Z");
    });
  for (auto& t : threads) t.join();
  std::set<std::string> serials;
  for (auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    serials.insert(r->serial.str());
  }
  auto listed = f.credentials->list("12345678Z");
  ASSERT_TRUE(listed.ok());
  int valid = 0;
  for (const auto& c : *listed) valid += c.status == CertificateStatus::valid ? 1 : 0;
  EXPECT_EQ(valid, 1);
  // Every caller got the same credential: the losers of the race saw the winner's and used it.
  EXPECT_EQ(serials.size(), 1u);
  EXPECT_EQ(listed->size(), 1u);
  // Keys of losing issuances do not linger on the token.
  auto keys = f.credentials->keys();
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 5u);  // the CA's four and the one citizen key
}

}  // namespace
}  // namespace firma::certs
