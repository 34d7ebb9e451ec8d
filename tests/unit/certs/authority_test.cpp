// The CA on a SoftHSM2 token: created once, reused after, imported from existing keys, checked with openssl.
#include <botan/x509cert.h>
#include <gtest/gtest.h>

#include "hsm/token.h"
#include "pki_fixture.h"
#include "store/audit_log.h"
#include "store/certificates.h"

namespace firma::certs {
namespace {

using testing::PkiFixture;
using namespace std::chrono_literals;

std::string text_of(PkiFixture& f, const std::filesystem::path& pem) {
  auto r = f.openssl("x509 -noout -text -in " + pem.string());
  EXPECT_EQ(r.status, 0) << r.output;
  return r.output;
}

TEST(CertificateAuthority, FirstOpenCreatesARootAndIssuingCaThatOpenSslAccepts) {
  PkiFixture f;
  f.open();
  const auto root = f.root_file();
  const auto issuing = f.write_pem("issuing.pem", f.ca->issuing().der);

  auto self = f.openssl("verify -x509_strict -CAfile " + root.string() + " " + root.string());
  EXPECT_EQ(self.status, 0) << self.output;
  auto chained = f.openssl("verify -x509_strict -CAfile " + root.string() + " " + issuing.string());
  EXPECT_EQ(chained.status, 0) << chained.output;
  EXPECT_NE(chained.output.find(": OK"), std::string::npos) << chained.output;

  const std::string root_text = text_of(f, root);
  EXPECT_NE(root_text.find("X509v3 Basic Constraints: critical"), std::string::npos) << root_text;
  EXPECT_NE(root_text.find("CA:TRUE, pathlen:1"), std::string::npos) << root_text;
  EXPECT_NE(root_text.find("X509v3 Key Usage: critical"), std::string::npos) << root_text;
  EXPECT_NE(root_text.find("Certificate Sign, CRL Sign"), std::string::npos) << root_text;
  EXPECT_NE(root_text.find("X509v3 Subject Key Identifier"), std::string::npos) << root_text;
  EXPECT_NE(root_text.find("ASN1 OID: secp384r1"), std::string::npos) << root_text;
  EXPECT_NE(root_text.find("ecdsa-with-SHA384"), std::string::npos) << root_text;
  EXPECT_NE(root_text.find("Subject: C = ES, O = Firma, CN = Firma Root CA"), std::string::npos) << root_text;

  const std::string issuing_text = text_of(f, issuing);
  EXPECT_NE(issuing_text.find("CA:TRUE, pathlen:0"), std::string::npos) << issuing_text;
  EXPECT_NE(issuing_text.find("X509v3 Authority Key Identifier"), std::string::npos) << issuing_text;
  EXPECT_NE(issuing_text.find("Issuer: C = ES, O = Firma, CN = Firma Root CA"), std::string::npos) << issuing_text;

  // Each certificate sits on the token beside its key, under the same CKA_ID.
  for (const CaCertificate* c : {&f.ca->root(), &f.ca->issuing()}) {
    EXPECT_TRUE(f.hsm.token().has_key(c->key_id)) << c->key_id.str();
    auto stored = f.hsm.token().certificate(c->key_id);
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    EXPECT_EQ(*stored, c->der);
  }

  // The served chain is the issuing CA, then the root.
  const std::string chain = f.ca->chain_pem();
  EXPECT_LT(chain.find(Botan::X509_Certificate(f.ca->issuing().der).PEM_encode()),
            chain.find(Botan::X509_Certificate(f.ca->root().der).PEM_encode()));

  auto created = f.db->transact([](store::Tx& tx) { return store::AuditLog::list(tx, 0, 100); });
  ASSERT_TRUE(created.ok());
  int ca_events = 0;
  for (const auto& e : *created) ca_events += e.event.action == "ca.create" ? 1 : 0;
  EXPECT_EQ(ca_events, 1);
}

TEST(CertificateAuthority, ReopeningReusesTheSameCaAndKeys) {
  PkiFixture f;
  f.open();
  const CertSerial root = f.ca->root().serial, issuing = f.ca->issuing().serial;
  const KeyId responder = f.ca->ocsp_responder().key_id;
  auto before = f.hsm.token().inventory();
  ASSERT_TRUE(before.ok());

  f.hsm.reopen();
  f.open();
  EXPECT_EQ(f.ca->root().serial, root);
  EXPECT_EQ(f.ca->issuing().serial, issuing);
  EXPECT_EQ(f.ca->ocsp_responder().key_id, responder);
  auto after = f.hsm.token().inventory();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), before->size()) << "no new keys on a restart";
}

TEST(CertificateAuthority, RsaCaKeysOnRequest) {
  PkiFixture f;
  auto settings = PkiFixture::default_settings();
  settings.ca_algorithm = hsm::KeyAlgorithm::rsa3072;
  f.open(settings);
  const auto root = f.root_file();
  auto verified = f.openssl("verify -x509_strict -CAfile " + root.string() + " " +
                            f.write_pem("issuing.pem", f.ca->issuing().der).string());
  EXPECT_EQ(verified.status, 0) << verified.output;
  const std::string text = text_of(f, root);
  EXPECT_NE(text.find("Public-Key: (3072 bit)"), std::string::npos) << text;
  EXPECT_NE(text.find("sha256WithRSAEncryption"), std::string::npos) << text;
}

TEST(CertificateAuthority, ExistingKeysNamedInTheConfigurationAreUsed) {
  PkiFixture first;
  first.open();
  const CaCertificate root = first.ca->root(), issuing = first.ca->issuing();

  // A second deployment with its own (empty) database, pointed at the keys already on the token.
  auto fresh = store::Database::open("sqlite:" + (first.dir.path() / "other.db").string(), 2);
  ASSERT_TRUE(fresh.ok());
  ASSERT_TRUE((*fresh)->migrate().ok());
  auto settings = PkiFixture::default_settings();
  settings.root_key_id = root.key_id.str();
  settings.issuing_key_id = issuing.key_id.str();
  settings.ocsp_signer = OcspSigner::ca;
  auto imported = CertificateAuthority::open(first.hsm.token(), **fresh, first.clock, first.random, settings);
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ((*imported)->root().serial, root.serial);
  EXPECT_EQ((*imported)->issuing().serial, issuing.serial);
  EXPECT_EQ((*imported)->issuing().der, issuing.der);
  auto events = (*fresh)->transact([](store::Tx& tx) { return store::AuditLog::list(tx, 0, 10); });
  ASSERT_TRUE(events.ok());
  ASSERT_FALSE(events->empty());
  EXPECT_EQ(events->front().event.action, "ca.import");

  // Keys that are not there: one clear error naming the setting.
  auto other = store::Database::open("sqlite:" + (first.dir.path() / "third.db").string(), 2);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->migrate().ok());
  settings.issuing_key_id = "no-such-key";
  auto missing = CertificateAuthority::open(first.hsm.token(), **other, first.clock, first.random, settings);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_NE(missing.error().message.find("pki.issuing_key_id"), std::string::npos) << missing.error().message;
}

TEST(CertificateAuthority, AnIssuingKeyMissingFromTheTokenStopsTheStart) {
  PkiFixture f;
  f.open();
  const KeyId issuing = f.ca->issuing().key_id;
  f.ca.reset();
  ASSERT_TRUE(f.hsm.token().destroy_key(issuing).ok());
  auto reopened = CertificateAuthority::open(f.hsm.token(), *f.db, f.clock, f.random, PkiFixture::default_settings());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code, ErrorCode::unavailable);
  EXPECT_NE(reopened.error().message.find(issuing.str()), std::string::npos) << reopened.error().message;
}

TEST(CertificateAuthority, TheDelegatedOcspSignerIsAnOcspSigningCertificateRenewedBeforeExpiry) {
  PkiFixture f;
  f.open();
  const OcspResponderKey first = f.ca->ocsp_responder();
  ASSERT_TRUE(first.delegated);
  EXPECT_TRUE(f.hsm.token().has_key(first.key_id));
  const auto chain = f.chain_file();
  const auto signer = f.write_pem("ocsp.pem", first.certificate);
  auto verified = f.openssl("verify -x509_strict -CAfile " + chain.string() + " " + signer.string());
  EXPECT_EQ(verified.status, 0) << verified.output;
  const std::string text = text_of(f, signer);
  EXPECT_NE(text.find("OCSP Signing"), std::string::npos) << text;
  EXPECT_NE(text.find("OCSP No Check"), std::string::npos) << text;
  EXPECT_NE(text.find("Digital Signature"), std::string::npos) << text;

  // Not due yet: the same signer.
  ASSERT_TRUE(f.ca->maintain().ok());
  EXPECT_EQ(f.ca->ocsp_responder().key_id, first.key_id);
  // Inside the renewal window (30 days before its one-year expiry): a new signer, recorded as the active one.
  f.clock.advance(std::chrono::days(340));
  ASSERT_TRUE(f.ca->maintain().ok());
  const OcspResponderKey second = f.ca->ocsp_responder();
  EXPECT_NE(second.key_id, first.key_id);
  EXPECT_NE(second.certificate, first.certificate);
  auto active = f.db->transact([](store::Tx& tx) { return store::CaCertificateRecords::active(tx, "ocsp_signer"); });
  ASSERT_TRUE(active.ok() && active->has_value());
  EXPECT_EQ((*active)->key_id, second.key_id);
}

TEST(CertificateAuthority, WithOcspSignerCaTheIssuingCaAnswers) {
  PkiFixture f;
  auto settings = PkiFixture::default_settings();
  settings.ocsp_signer = OcspSigner::ca;
  f.open(settings);
  const OcspResponderKey responder = f.ca->ocsp_responder();
  EXPECT_FALSE(responder.delegated);
  EXPECT_EQ(responder.key_id, f.ca->issuing().key_id);
}

}  // namespace
}  // namespace firma::certs
