// Key purposes as the CA uses them: each key it makes is recorded for its own signing path, a citizen's key
// recorded as a CA or OCSP key is refused, and the keys of a CA made before purposes get theirs at open.
#include <gtest/gtest.h>

#include "core/encoding.h"
#include "hsm/token.h"
#include "pki_fixture.h"
#include "store/certificates.h"

namespace firma::certs {
namespace {

using testing::advanced_citizen;
using testing::PkiFixture;

const Bytes kDigest = sha256("document");

// A fresh database beside the fixture's, recording the fixture's root and issuing CA certificates with the
// keys `root_key` and `issuing_key`: a deployment whose database names those keys.
std::unique_ptr<store::Database> database_naming(PkiFixture& f, const std::string& name, const KeyId& root_key,
                                                 const KeyId& issuing_key) {
  auto db = store::Database::open("sqlite:" + (f.dir.path() / name).string(), 2);
  EXPECT_TRUE(db.ok());
  EXPECT_TRUE((*db)->migrate().ok());
  auto record = [&](const CaCertificate& ca, std::string role, const KeyId& key) {
    return store::CaCertificateRecord{ca.serial,     std::move(role), key,  ca.subject,   ca.der,
                                      ca.not_before, ca.not_after,    true, f.clock.now()};
  };
  Status saved = (*db)->transact([&](store::Tx& tx) -> Status {
    if (Status s = store::CaCertificateRecords::insert(tx, record(f.ca->root(), "root", root_key)); !s) return s;
    return store::CaCertificateRecords::insert(tx, record(f.ca->issuing(), "issuing", issuing_key));
  });
  EXPECT_TRUE(saved.ok()) << saved.error().message;
  return std::move(*db);
}

// Records `key` as the active delegated OCSP signer, with the certificate of the one in use.
void record_ocsp_signer(PkiFixture& f, const KeyId& key) {
  const OcspResponderKey in_use = f.ca->ocsp_responder();
  const store::CaCertificateRecord record{
      CertSerial("0FF1CE"),      "ocsp_signer", key,          "OCSP signer", in_use.certificate, f.clock.now(),
      f.ca->issuing().not_after, true,          f.clock.now()};
  Status saved = f.db->transact([&](store::Tx& tx) -> Status {
    if (Status s = store::CaCertificateRecords::deactivate(tx, "ocsp_signer"); !s) return s;
    return store::CaCertificateRecords::insert(tx, record);
  });
  ASSERT_TRUE(saved.ok()) << saved.error().message;
}

// An EC key pair made by pkcs11-tool: what Firma's keys were before purposes were recorded.
void make_key_without_purpose(PkiFixture& f, const KeyId& id) {
  auto made = f.pkcs11_tool("--keypairgen --key-type EC:secp384r1 --usage-sign --label " + id.str() + " --id " +
                            to_hex(as_bytes(id.str())));
  ASSERT_EQ(made.status, 0) << made.output;
}

TEST(CaKeyPurpose, EachKeyTheCaMakesIsRecordedForItsOwnPath) {
  PkiFixture f;
  f.open();
  auto credential = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(credential.ok()) << credential.error().message;
  hsm::Token& token = f.hsm.token();

  EXPECT_EQ(token.purpose(f.ca->root().key_id).value(), hsm::KeyPurpose::certificate_authority);
  EXPECT_EQ(token.purpose(f.ca->issuing().key_id).value(), hsm::KeyPurpose::certificate_authority);
  EXPECT_EQ(token.purpose(f.ca->ocsp_responder().key_id).value(), hsm::KeyPurpose::ocsp_signing);
  EXPECT_EQ(token.purpose(credential->key_id).value(), hsm::KeyPurpose::citizen_signing);

  // The citizen path signs with the citizen's key and with none of the CA's.
  EXPECT_TRUE(token.sign_digest(credential->key_id, hsm::DigestAlgorithm::sha256, kDigest).ok());
  for (const KeyId& ca_key : {f.ca->root().key_id, f.ca->issuing().key_id, f.ca->ocsp_responder().key_id}) {
    auto refused = token.sign_digest(ca_key, hsm::DigestAlgorithm::sha256, kDigest);
    ASSERT_FALSE(refused.ok()) << ca_key.str();
    EXPECT_EQ(refused.error().code, ErrorCode::internal) << ca_key.str();
  }
}

TEST(CaKeyPurpose, ACitizenKeyRecordedAsTheIssuingCaStopsTheStart) {
  PkiFixture f;
  f.open();
  auto credential = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(credential.ok()) << credential.error().message;

  auto db = database_naming(f, "other.db", f.ca->root().key_id, credential->key_id);
  auto opened = CertificateAuthority::open(f.hsm.token(), *db, f.clock, f.random, PkiFixture::default_settings());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::internal);
  EXPECT_NE(opened.error().message.find("citizen_signing"), std::string::npos) << opened.error().message;
  // Refused without being relabelled: the citizen still signs with it.
  EXPECT_EQ(f.hsm.token().purpose(credential->key_id).value(), hsm::KeyPurpose::citizen_signing);
}

TEST(CaKeyPurpose, ACitizenKeyRecordedAsTheOcspSignerNeverAnswers) {
  PkiFixture f;
  f.open();
  auto credential = f.credentials->issue(advanced_citizen(), std::nullopt, "operator:test");
  ASSERT_TRUE(credential.ok()) << credential.error().message;
  const KeyId in_use = f.ca->ocsp_responder().key_id;

  record_ocsp_signer(f, credential->key_id);
  Status picked_up = f.ca->maintain();
  ASSERT_FALSE(picked_up.ok());
  EXPECT_EQ(picked_up.error().code, ErrorCode::internal);
  EXPECT_EQ(f.ca->ocsp_responder().key_id, in_use);
  // Nor on a restart.
  auto reopened = CertificateAuthority::open(f.hsm.token(), *f.db, f.clock, f.random, PkiFixture::default_settings());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code, ErrorCode::internal);
}

TEST(CaKeyPurpose, TheKeysOfACaMadeBeforePurposesAreRecordedAtOpen) {
  PkiFixture f;
  f.open();
  const KeyId root("legacy-root"), issuing("legacy-issuing"), responder("legacy-ocsp");
  for (const KeyId& id : {root, issuing, responder}) make_key_without_purpose(f, id);
  EXPECT_EQ(f.hsm.token().purpose(issuing).value(), std::nullopt);

  // The database names the keys: opening the CA records them as the CA's.
  auto db = database_naming(f, "legacy.db", root, issuing);
  auto settings = PkiFixture::default_settings();
  settings.ocsp_signer = OcspSigner::ca;
  auto opened = CertificateAuthority::open(f.hsm.token(), *db, f.clock, f.random, settings);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(f.hsm.token().purpose(root).value(), hsm::KeyPurpose::certificate_authority);
  EXPECT_EQ(f.hsm.token().purpose(issuing).value(), hsm::KeyPurpose::certificate_authority);
  auto listing = f.pkcs11_tool("--list-objects --type privkey");
  EXPECT_NE(listing.output.find("[certificate_authority] legacy-issuing"), std::string::npos) << listing.output;
  EXPECT_EQ(f.hsm.token().sign_digest(issuing, hsm::DigestAlgorithm::sha256, kDigest).error().code,
            ErrorCode::internal);

  // A delegated OCSP signer recorded before purposes becomes an ocsp_signing key when the CA takes it up.
  record_ocsp_signer(f, responder);
  ASSERT_TRUE(f.ca->maintain().ok());
  EXPECT_EQ(f.ca->ocsp_responder().key_id, responder);
  EXPECT_EQ(f.hsm.token().purpose(responder).value(), hsm::KeyPurpose::ocsp_signing);
}

}  // namespace
}  // namespace firma::certs
