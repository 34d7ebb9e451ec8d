// The PKI test fixture: token, database, clock, CA and services, and the outside tools.
#include "pki_fixture.h"

#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>

#include "core/encoding.h"

namespace firma::testing {

certs::CitizenForIssuance advanced_citizen(std::string nif) {
  return certs::CitizenForIssuance{std::move(nif), "María José",          "García",
                                   "Núñez",        CitizenStatus::active, RegistrationLevel::advanced};
}

PkiFixture::PkiFixture() : clock(SystemClock().now()) {
  auto opened = store::Database::open("sqlite:" + (dir.path() / "firma.db").string(), 4);
  if (!opened) throw std::runtime_error("PkiFixture: " + opened.error().message);
  db = std::move(*opened);
  if (Status s = db->migrate(); !s) throw std::runtime_error("PkiFixture: migrate: " + s.error().message);
}

PkiFixture::~PkiFixture() {
  // Services first, then the CA, then the database and the token they use.
  tsa.reset();
  ocsp.reset();
  credentials.reset();
  custody.reset();
  crl.reset();
  ca.reset();
}

certs::CaSettings PkiFixture::default_settings() {
  certs::CaSettings s;
  s.base_url = "http://127.0.0.1:8080";
  return s;
}

void PkiFixture::open(certs::CaSettings settings) {
  tsa.reset();
  ocsp.reset();
  credentials.reset();
  custody.reset();
  crl.reset();
  ca.reset();
  auto opened = certs::CertificateAuthority::open(hsm.token(), *db, clock, random, std::move(settings));
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ca = std::move(*opened);
  crl = std::make_unique<certs::CrlService>(*ca, *db, clock);
  custody = std::make_unique<certs::KeyCustody>(hsm.token(), *db, clock, random, custody_mode);
  Status prepared = custody->prepare();
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  credentials = std::make_unique<certs::CredentialService>(hsm.token(), *custody, *db, *ca, *crl, clock, random);
  ocsp = std::make_unique<certs::OcspResponder>(*ca, hsm.token(), *db, clock);
  tsa = std::make_unique<certs::TimeStampAuthority>(*ca, hsm.token(), clock, random);
}

std::filesystem::path PkiFixture::write(const std::string& name, const std::string& content) const {
  const auto path = dir.path() / name;
  write_file(path, content);
  return path;
}

std::filesystem::path PkiFixture::write_der(const std::string& name, const Bytes& der) const {
  return write(name, std::string(der.begin(), der.end()));
}

std::filesystem::path PkiFixture::write_pem(const std::string& name, const Bytes& certificate_der) const {
  std::string base64 = to_base64(certificate_der);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < base64.size(); i += 64) pem += base64.substr(i, 64) + "\n";
  pem += "-----END CERTIFICATE-----\n";
  return write(name, pem);
}

std::filesystem::path PkiFixture::chain_file() const {
  return write("chain.pem", ca->chain_pem());
}

std::filesystem::path PkiFixture::root_file() const {
  return write_pem("root.pem", ca->root().der);
}

CommandResult PkiFixture::openssl(const std::string& args) const {
  return run_command("openssl " + args);
}

CommandResult PkiFixture::pkcs11_tool(const std::string& args) const {
  return run_command("SOFTHSM2_CONF=" + hsm.config_path() + " pkcs11-tool --module " + hsm.module_path() +
                     " --token-label " + hsm.label() + " --login --pin " + std::string(hsm.user_pin().reveal()) + " " +
                     args);
}

}  // namespace firma::testing
