// Wrapped key custody over HTTP, end to end (issue 16): a citizen's first signature issues a wrapped key, the token
// keeps nothing per citizen, signatures verify with OpenSSL before and after a restart and a KEK rotation, and a key
// made in token mode keeps signing after the switch. On the embedded SQLite database and on PostgreSQL.
#include <gtest/gtest.h>

#include "certs/credentials.h"
#include "certs/key_custody.h"
#include "core/encoding.h"
#include "hsm/token.h"
#include "signing_stack.h"
#include "store/database.h"
#include "support/postgres.h"
#include "support/process.h"

namespace firma::testing {
namespace {

using nlohmann::json;

const std::string kPassword = "Firma-Segura-2026";

struct Signed {
  std::string certificate_pem;
  Bytes signature;
  Bytes digest;
};

class WrappedCustodyFlow : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      pg_ = std::make_unique<PostgresDatabase>();
      ASSERT_TRUE(pg_->ok()) << pg_->error();
    }
    stack_ = std::make_unique<SigningStack>(pg_ ? pg_->url() : "");
    app_key_ = stack_->register_application("Sede Electrónica de Ejemplo");
  }

  static void wrapped(app::Settings& s) { s.hsm.key_custody = "wrapped"; }

  // One raw signature for `nif` over HTTP: transaction, password, OTP, result.
  Signed sign(const std::string& nif, const std::string& mobile, const std::string& text) {
    Signed out;
    out.digest = sha256(as_bytes(text));
    json documents = json::array({{{"name", "hash"},
                                   {"format", "raw"},
                                   {"digest", {{"algorithm", "sha256"}, {"value", to_base64(out.digest)}}}}});
    auto created = stack_->post(
        "/v1/transactions",
        {{"nif", nif}, {"return_url", "https://sede.example.gob.es/firma/vuelta"}, {"documents", documents}}, app_key_);
    EXPECT_EQ(created.status, 201) << created.raw;
    const std::string id = created.body.value("id", "");
    auto started = stack_->post("/v1/transactions/" + id + "/authenticate", {{"nif", nif}, {"password", kPassword}});
    EXPECT_EQ(started.status, 202) << started.raw;
    auto confirmed = stack_->post("/v1/transactions/" + id + "/confirm", {{"otp", stack_->last_otp(mobile)}});
    EXPECT_EQ(confirmed.status, 200) << confirmed.raw;
    auto fetched = stack_->get("/v1/transactions/" + id, app_key_);
    EXPECT_EQ(fetched.status, 200) << fetched.raw;
    if (fetched.status != 200 || fetched.body["documents"].empty()) return out;
    out.certificate_pem = fetched.body.value("certificate", "");
    out.signature = *from_base64(fetched.body["documents"][0]["signature"].get<std::string>());
    return out;
  }

  // OpenSSL checks the certificate against the CA and the signature against the certificate's public key.
  void verifies(const Signed& s) {
    const auto& dir = stack_->dir().path();
    write_file(dir / "citizen.pem", s.certificate_pem);
    auto chain = run_command("openssl verify -x509_strict -CAfile " + stack_->ca_pem_path() + " " +
                             (dir / "citizen.pem").string());
    EXPECT_EQ(chain.status, 0) << chain.output;
    ASSERT_EQ(run_command("openssl x509 -in " + (dir / "citizen.pem").string() + " -pubkey -noout > " +
                          (dir / "pub.pem").string())
                  .status,
              0);
    write_file(dir / "digest.bin", to_string(s.digest));
    write_file(dir / "sig.der", to_string(s.signature));
    auto verified = run_command("openssl pkeyutl -verify -pubin -inkey " + (dir / "pub.pem").string() + " -in " +
                                (dir / "digest.bin").string() + " -sigfile " + (dir / "sig.der").string());
    EXPECT_NE(verified.output.find("Signature Verified Successfully"), std::string::npos) << verified.output;
  }

  std::size_t token_private_keys() {
    auto inventory = stack_->services().credentials().keys();
    EXPECT_TRUE(inventory.ok());
    return inventory.ok() ? inventory->size() : 0;
  }

  std::unique_ptr<PostgresDatabase> pg_;
  std::unique_ptr<SigningStack> stack_;
  std::string app_key_;
};

TEST_P(WrappedCustodyFlow, IssueSignRestartRotateAndSignAgain) {
  // A citizen who signed in token mode keeps the key on the token.
  stack_->make_citizen("12345678Z", "+34600111222", kPassword);
  const Signed on_token = sign("12345678Z", "+34600111222", "antes del cambio");
  verifies(on_token);

  stack_->restart(wrapped);
  const std::size_t keys_before = token_private_keys();
  stack_->make_citizen("X1234567L", "+34600333444", kPassword);
  stack_->make_citizen("Y1234567X", "+34600555666", kPassword);
  const Signed first = sign("X1234567L", "+34600333444", "primera firma");
  verifies(first);
  verifies(sign("Y1234567X", "+34600555666", "otra ciudadana"));
  EXPECT_EQ(token_private_keys(), keys_before) << "new citizens add nothing to the token";
  const Signed still_on_token = sign("12345678Z", "+34600111222", "despues del cambio");
  verifies(still_on_token);
  EXPECT_EQ(still_on_token.certificate_pem, on_token.certificate_pem);

  stack_->restart(wrapped);
  const Signed after_restart = sign("X1234567L", "+34600333444", "tras reiniciar");
  verifies(after_restart);
  EXPECT_EQ(after_restart.certificate_pem, first.certificate_pem);

  auto keks = stack_->services().custody().keks();
  ASSERT_TRUE(keks.ok());
  ASSERT_EQ(keks->size(), 1u);
  const KeyId old_kek = keks->front().kek_id;
  auto rotated = stack_->services().custody().rotate("operator:test");
  ASSERT_TRUE(rotated.ok()) << rotated.error().message;
  verifies(sign("X1234567L", "+34600333444", "durante la rotacion"));
  stack_->services().maintain();  // the upkeep rewraps, then destroys the old KEK
  keks = stack_->services().custody().keks();
  ASSERT_TRUE(keks.ok());
  for (const certs::KekInfo& k : *keks) {
    EXPECT_EQ(k.state, k.kek_id == old_kek ? "destroyed" : "current");
    EXPECT_EQ(k.keys, k.kek_id == old_kek ? 0 : 2);
  }
  const Signed after_rotation = sign("X1234567L", "+34600333444", "tras la rotacion");
  verifies(after_rotation);
  EXPECT_EQ(after_rotation.certificate_pem, first.certificate_pem);
  stack_->restart(wrapped);
  verifies(sign("Y1234567X", "+34600555666", "tras rotar y reiniciar"));
}

// scripts/backup.sh while the service runs, scripts/restore.sh into a fresh directory: the service started there
// signs with a key made before the backup.
class WrappedCustodyBackup : public WrappedCustodyFlow {};

TEST_P(WrappedCustodyBackup, ABackupTakenWhileRunningRestoresIntoAFreshDirectory) {
  stack_->restart(wrapped);
  stack_->make_citizen("X1234567L", "+34600333444", kPassword);
  const Signed before = sign("X1234567L", "+34600333444", "antes de la copia");
  verifies(before);

  const auto& dir = stack_->dir().path();
  const std::string scripts = std::string(FIRMA_SOURCE_DIR) + "/scripts/";
  auto backup = run_command(scripts + "backup.sh " + (dir / "var").string() + " " + (dir / "backup").string());
  ASSERT_EQ(backup.status, 0) << backup.output;
  stack_->make_citizen("Y1234567X", "+34600555666", kPassword);
  verifies(sign("Y1234567X", "+34600555666", "despues de la copia"));

  // A restore refuses a directory that is not empty.
  auto refused = run_command(scripts + "restore.sh " + (dir / "backup").string() + " " + (dir / "var").string());
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("is not empty"), std::string::npos) << refused.output;
  auto restored = run_command(scripts + "restore.sh " + (dir / "backup").string() + " " + (dir / "fresh").string());
  ASSERT_EQ(restored.status, 0) << restored.output;
  stack_->restart([&](app::Settings& s) {
    wrapped(s);
    s.data_dir = (dir / "fresh").string();
  });
  const Signed after = sign("X1234567L", "+34600333444", "tras restaurar");
  verifies(after);
  EXPECT_EQ(after.certificate_pem, before.certificate_pem) << "the key made before the backup signs";
}

INSTANTIATE_TEST_SUITE_P(Embedded, WrappedCustodyBackup, ::testing::Values("sqlite"),
                         [](const auto& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(Databases, WrappedCustodyFlow, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace firma::testing
