// Everything firmad serves with, built from the configuration in dependency order; shared by firmad and the tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/http/routes.h"
#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "embedded.h"
#include "settings.h"

namespace firma::store {
class Database;
}
namespace firma::identity {
class OperatorService;
class SmsGateway;
class OutboxSmsGateway;
class OtpService;
class PasswordHasher;
class CitizenService;
class RateLimiter;
}  // namespace firma::identity
namespace firma::certs {
class AuditSealer;
class CertificateAuthority;
class CrlService;
class OcspResponder;
class RemoteTimeStamper;
class TimeStamper;
class TimeStampAuthority;
class CredentialService;
class KeyCustody;
}  // namespace firma::certs
namespace firma::signer {
class AccessTokens;
class ApplicationAuthorisations;
class ApplicationService;
class CitizenKeySigner;
class SigningCredentials;
struct LongTermServices;
class TransactionService;
}  // namespace firma::signer

namespace firma::app {

class Services {
 public:
  // Opens the HSM token and the database (migrated), starts the CA and every service. One clear error when a
  // part cannot start (wrong PIN, missing module, unreachable database, bad setting).
  static Result<std::unique_ptr<Services>> start(Settings settings, const Clock& clock, Random& random);
  ~Services();
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  // The whole route table and the bearer-token check of the API.
  std::vector<api::Route> routes(std::string openapi_yaml);
  api::Authenticator authenticator();
  // The fronts whose errors are not problem+json (the server's options carry them).
  std::vector<api::ErrorDialect> error_dialects() const;

  // Periodic upkeep (firmad runs it every minute): the OCSP signer on every node; abandoned confirmations,
  // expired transactions, certificates and CRLs on the one node holding the cluster's upkeep lease.
  void maintain();

  const Settings& settings() const noexcept { return settings_; }
  // The base URL citizens and applications reach (server.public_url, or http://LISTEN).
  std::string public_url() const;

  hsm::Token& token() { return *hsm_.token; }
  store::Database& database() { return *db_; }
  identity::OperatorService& operators() { return *operators_; }
  identity::CitizenService& citizens() { return *citizens_; }
  identity::OutboxSmsGateway* outbox() { return outbox_; }
  certs::CertificateAuthority& authority() { return *authority_; }
  certs::AuditSealer& audit_sealer() { return *audit_sealer_; }
  certs::CredentialService& credentials() { return *credentials_; }
  certs::KeyCustody& custody() { return *custody_; }
  // What stamps signatures (levels T, LT, LTA): the outside TSA of timestamp.url, or Firma's own.
  certs::TimeStamper& time_stamper();
  // What the signature levels past B need: the time stamper above and Firma's own validation data.
  signer::LongTermServices long_term_services();
  signer::ApplicationService& applications() { return *applications_; }
  // What signs with citizen keys: the signing services get this, never the token.
  signer::CitizenKeySigner& key_signer() { return *key_signer_; }
  signer::TransactionService& transactions() { return *transactions_; }
  signer::SigningCredentials& signing_credentials() { return *signing_credentials_; }
  signer::AccessTokens& access_tokens() { return *access_tokens_; }
  signer::ApplicationAuthorisations& authorisations() { return *authorisations_; }

 private:
  Services(Settings settings, const Clock& clock, Random& random);
  void recover_abandoned_transactions();

  Settings settings_;
  const Clock& clock_;
  Random& random_;
  std::string node_id_;  // this process, as the holder of cluster leases
  OpenedToken hsm_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<identity::OperatorService> operators_;
  identity::OutboxSmsGateway* outbox_ = nullptr;  // owned by sms_ when the outbox is the gateway
  std::unique_ptr<identity::SmsGateway> sms_;
  std::unique_ptr<identity::OtpService> otp_;
  std::unique_ptr<identity::PasswordHasher> hasher_;
  std::unique_ptr<identity::CitizenService> citizens_;
  std::unique_ptr<identity::RateLimiter> limiter_;
  std::unique_ptr<certs::CertificateAuthority> authority_;
  std::unique_ptr<certs::CrlService> crl_;
  std::unique_ptr<certs::CrlService> root_crl_;
  std::unique_ptr<certs::OcspResponder> ocsp_;
  std::unique_ptr<certs::KeyCustody> custody_;
  std::unique_ptr<certs::TimeStampAuthority> tsa_;
  std::unique_ptr<certs::RemoteTimeStamper> remote_tsa_;  // null: tsa_ stamps
  std::unique_ptr<certs::CredentialService> credentials_;
  std::unique_ptr<signer::ApplicationService> applications_;
  std::unique_ptr<signer::CitizenKeySigner> key_signer_;
  std::unique_ptr<signer::TransactionService> transactions_;
  std::unique_ptr<signer::SigningCredentials> signing_credentials_;
  std::unique_ptr<signer::AccessTokens> access_tokens_;
  std::unique_ptr<signer::ApplicationAuthorisations> authorisations_;
  std::unique_ptr<certs::AuditSealer> audit_sealer_;  // last: its thread stops before what it uses goes
};

}  // namespace firma::app
