// A CA on a fresh SoftHSM2 token and SQLite database for one test, with the OpenSSL command line to check results.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "certs/authority.h"
#include "certs/credentials.h"
#include "certs/crl.h"
#include "certs/key_custody.h"
#include "certs/ocsp.h"
#include "certs/settings.h"
#include "certs/timestamp.h"
#include "core/clock.h"
#include "core/random.h"
#include "store/database.h"
#include "support/process.h"
#include "support/softhsm_token.h"
#include "support/temp_dir.h"

namespace firma::testing {

// An active citizen with advanced registration (the only kind that may hold a certificate).
certs::CitizenForIssuance advanced_citizen(std::string nif = "12345678Z");

class PkiFixture {
 public:
  // A token and an empty, migrated database; the clock starts at the real time (openssl checks validity against it).
  PkiFixture();
  ~PkiFixture();

  // Opens the CA (creating it the first time) and the services over it, citizens' keys kept as `custody_mode`
  // says. Fails the test on error.
  void open(certs::CaSettings settings = default_settings());
  static certs::CaSettings default_settings();

  // Writes a file under the test's directory and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& content) const;
  std::filesystem::path write_der(const std::string& name, const Bytes& der) const;
  std::filesystem::path write_pem(const std::string& name, const Bytes& certificate_der) const;
  // The CA chain (issuing CA, root) as PEM, and the root alone.
  std::filesystem::path chain_file() const;
  std::filesystem::path root_file() const;
  // `openssl ARGS` with its combined output.
  CommandResult openssl(const std::string& args) const;
  // `pkcs11-tool --module ... --login --pin ... ARGS` on the test token.
  CommandResult pkcs11_tool(const std::string& args) const;

  SoftHsmToken hsm;
  TempDir dir;
  std::unique_ptr<store::Database> db;
  ManualClock clock;
  SystemRandom random;
  std::unique_ptr<certs::CertificateAuthority> ca;
  std::unique_ptr<certs::CrlService> crl;
  certs::CustodyMode custody_mode = certs::CustodyMode::token;
  std::unique_ptr<certs::KeyCustody> custody;
  std::unique_ptr<certs::CredentialService> credentials;
  std::unique_ptr<certs::OcspResponder> ocsp;
  std::unique_ptr<certs::TimeStampAuthority> tsa;
};

}  // namespace firma::testing
