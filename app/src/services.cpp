// Building the services in dependency order (hsm, store -> identity, certs -> signer) and the route table.
#include "services.h"

#include <algorithm>
#include <iterator>

#include "api/csc/csc_routes.h"
#include "api/csc/oauth2_routes.h"
#include "api/fire/fire_routes.h"
#include "api/rest/admin_citizen_routes.h"
#include "api/rest/admin_pki_routes.h"
#include "api/rest/audit_routes.h"
#include "api/rest/citizen_routes.h"
#include "api/rest/operator_routes.h"
#include "api/rest/pki_routes.h"
#include "api/rest/signing_routes.h"
#include "api/rest/system_routes.h"
#include "api/web/web_routes.h"
#include "audit_reader.h"
#include "certs/audit_sealer.h"
#include "certs/authority.h"
#include "certs/credentials.h"
#include "certs/crl.h"
#include "certs/key_custody.h"
#include "certs/ocsp.h"
#include "certs/settings.h"
#include "certs/timestamp.h"
#include "core/log.h"
#include "hsm/token.h"
#include "identity/citizens.h"
#include "identity/operators.h"
#include "identity/otp_service.h"
#include "identity/password_hasher.h"
#include "identity/rate_limiter.h"
#include "identity/sms_gateway.h"
#include "policies/nif.h"
#include "signer/access_tokens.h"
#include "signer/application_authorisations.h"
#include "signer/applications.h"
#include "signer/citizen_key_signer.h"
#include "signer/signing_credentials.h"
#include "signer/transactions.h"
#include "store/cluster_lock.h"
#include "store/database.h"

namespace firma::app {
namespace {

// Keys rewrapped per upkeep after a KEK rotation (about 1,000 unwrap + wrap per second on SoftHSM2).
constexpr std::size_t kRewrapBatch = 1000;
// How often the audit sealer runs (on whichever node holds the sealing lock): the window in which an event is
// committed but not yet covered by a signed checkpoint.
constexpr std::chrono::milliseconds audit_seal_interval{1000};

Error prefixed(std::string_view part, const Error& e) {
  return make_error(e.code, std::string(part) + ": " + e.message);
}

template <class T>
void append(std::vector<T>& to, std::vector<T> more) {
  std::ranges::move(more, std::back_inserter(to));
}

}  // namespace

Services::Services(Settings settings, const Clock& clock, Random& random)
    : settings_(std::move(settings)), clock_(clock), random_(random), node_id_("node-" + random.hex_token(8)) {}

Services::~Services() = default;

std::string Services::public_url() const {
  if (!settings_.server.public_url.empty()) return settings_.server.public_url;
  return (settings_.server.tls_cert.empty() ? "http://" : "https://") + settings_.server.listen;
}

Result<std::unique_ptr<Services>> Services::start(Settings settings, const Clock& clock, Random& random) {
  std::unique_ptr<Services> s(new Services(std::move(settings), clock, random));
  const Settings& c = s->settings_;

  auto hsm = open_token(c, random);
  if (!hsm) return prefixed("HSM", hsm.error());
  s->hsm_ = std::move(*hsm);

  auto db = store::Database::open(database_url(c), c.database.pool_size);
  if (!db) return prefixed("database", db.error());
  s->db_ = std::move(*db);
  if (Status m = s->db_->migrate(); !m) return prefixed("database", m.error());

  s->operators_ = std::make_unique<identity::OperatorService>(*s->db_, clock, random);
  auto sms = identity::make_sms_gateway(c.sms, *s->db_, clock, &s->outbox_);
  if (!sms) return prefixed("sms", sms.error());
  s->sms_ = std::move(*sms);
  auto otp_policy = identity::OtpService::policy_from_config(c.otp);
  if (!otp_policy) return prefixed("otp", otp_policy.error());
  s->otp_ = std::make_unique<identity::OtpService>(*s->db_, *s->sms_, clock, random, *otp_policy);
  auto argon2 = identity::Argon2Parameters::from_config(c.password);
  if (!argon2) return prefixed("password", argon2.error());
  s->hasher_ = std::make_unique<identity::PasswordHasher>(*argon2, random);
  s->citizens_ = std::make_unique<identity::CitizenService>(*s->db_, *s->otp_, *s->hasher_, clock, random,
                                                            identity::CitizenOptions::from_config(c.password));
  s->limiter_ = std::make_unique<identity::RateLimiter>(*s->db_, clock);

  auto ca_settings = certs::ca_settings(c.pki, s->public_url());
  if (!ca_settings) return prefixed("pki", ca_settings.error());
  auto authority = certs::CertificateAuthority::open(*s->hsm_.token, *s->db_, clock, random, *ca_settings);
  if (!authority) return prefixed("CA", authority.error());
  s->authority_ = std::move(*authority);
  s->crl_ = std::make_unique<certs::CrlService>(*s->authority_, *s->db_, clock);
  s->root_crl_ = std::make_unique<certs::CrlService>(*s->authority_, *s->db_, clock, certs::CrlIssuer::root);
  s->ocsp_ = std::make_unique<certs::OcspResponder>(*s->authority_, *s->hsm_.token, *s->db_, clock);
  auto custody_mode = certs::parse_custody_mode(c.hsm.key_custody);
  if (!custody_mode)
    return prefixed("hsm", make_error(ErrorCode::invalid_request, "hsm.key_custody: token or wrapped"));
  s->custody_ = std::make_unique<certs::KeyCustody>(*s->hsm_.token, *s->db_, clock, random, *custody_mode);
  if (Status prepared = s->custody_->prepare(); !prepared) return prefixed("HSM", prepared.error());
  s->hsm_.token->keep_unwrapped(c.hsm.unwrapped_cache);
  s->credentials_ = std::make_unique<certs::CredentialService>(*s->hsm_.token, *s->custody_, *s->db_, *s->authority_,
                                                               *s->crl_, clock, random);
  s->tsa_ = std::make_unique<certs::TimeStampAuthority>(*s->authority_, *s->hsm_.token, clock, random);
  auto remote_tsa = certs::remote_time_stamper(c.timestamp, random);
  if (!remote_tsa) return prefixed("timestamp", remote_tsa.error());
  s->remote_tsa_ = std::move(*remote_tsa);
  auto sealer = certs::AuditSealer::open(*s->authority_, *s->hsm_.token, *s->db_, clock, random);
  if (!sealer) return prefixed("audit", sealer.error());
  s->audit_sealer_ = std::move(*sealer);
  s->audit_sealer_->run_every(audit_seal_interval);

  // Deregistration revokes the citizen's certificates and destroys their keys (once it has committed).
  s->citizens_->on_deregistered([credentials = s->credentials_.get()](const identity::Citizen& citizen) {
    auto revoked = credentials->revoke_all_for(citizen.nif.str(), certs::RevocationReason::cessation_of_operation,
                                               "citizen:" + citizen.nif.str());
    if (!revoked)
      log::error("deregistration.revoke_failed", {{"citizen", citizen.id.str()}, {"detail", revoked.error().message}});
  });

  s->applications_ = std::make_unique<signer::ApplicationService>(*s->db_, clock, random);
  // Invariant 1 by construction: the token that holds citizen keys reaches the signing services only inside the
  // CitizenKeySigner, which checks a SAD before every signature.
  s->key_signer_ = std::make_unique<signer::CitizenKeySigner>(*s->hsm_.token, *s->db_, clock);
  s->transactions_ = std::make_unique<signer::TransactionService>(
      *s->db_, *s->citizens_, *s->credentials_, *s->authority_, *s->key_signer_, s->long_term_services(), clock, random,
      signer::SigningLimits{
          c.signing.max_documents, c.signing.max_document_bytes,
          std::chrono::seconds(c.signing.transaction_lifetime_seconds),
          std::chrono::seconds(c.signing.sad_lifetime_seconds), std::chrono::seconds(c.signing.claim_timeout_seconds),
          signer::XmlLimits{c.signing.xml_max_attributes, c.signing.xml_max_nodes, c.signing.xml_max_depth,
                            std::chrono::milliseconds(c.signing.xml_max_parse_ms)}});
  // The remote-signing fronts' credentials (CSC): SADs with the csc.* lifetime and budget.
  s->signing_credentials_ = std::make_unique<signer::SigningCredentials>(
      *s->db_, *s->citizens_, *s->credentials_, *s->authority_, clock, random,
      signer::CredentialLimits{std::chrono::seconds(c.csc.sad_lifetime_seconds), c.csc.multisign});
  // Authorisations citizens give applications on Firma's page (OAuth2), and the tokens applications hold.
  s->access_tokens_ = std::make_unique<signer::AccessTokens>(*s->db_, clock, random);
  signer::AuthorisationLimits authorisation_limits;
  authorisation_limits.sad_lifetime = std::chrono::seconds(c.csc.sad_lifetime_seconds);
  s->authorisations_ =
      std::make_unique<signer::ApplicationAuthorisations>(*s->db_, *s->applications_, *s->citizens_, *s->credentials_,
                                                          *s->access_tokens_, clock, random, authorisation_limits);
  // Confirmations a killed process left half done are failed now rather than at the first upkeep.
  s->recover_abandoned_transactions();
  return s;
}

certs::TimeStamper& Services::time_stamper() {
  if (remote_tsa_) return *remote_tsa_;
  return *tsa_;
}

signer::LongTermServices Services::long_term_services() {
  return {[this](hsm::DigestAlgorithm algorithm, std::span<const std::uint8_t> digest) {
            return time_stamper().timestamp(algorithm, digest);
          },
          // Level LT's validation data is Firma's own, gathered in-process (ETSI EN 319 122-1 5.5): the OCSP answer
          // about the citizen's certificate, the issuing CA's CRL (which also answers for the TSA's certificate),
          // the root's CRL (the issuing CA's status) and the TSA's certificate.
          [this](std::span<const std::uint8_t> certificate) -> Result<signer::ValidationData> {
            signer::ValidationData data;
            auto ocsp = ocsp_->status_of(certificate);
            if (!ocsp) return std::move(ocsp).error();
            data.ocsp_responses.push_back(std::move(*ocsp));
            auto crl = crl_->current();
            if (!crl) return std::move(crl).error();
            data.crls.push_back(std::move(crl->der));
            // An offline root publishes its CRL elsewhere: then the validator fetches it.
            if (auto root = root_crl_->current()) data.crls.push_back(std::move(root->der));
            if (!remote_tsa_) data.certificates.push_back(authority_->tsa_signer().certificate);
            return data;
          }};
}

std::vector<api::Route> Services::routes(std::string openapi_yaml) {
  std::vector<api::ReadinessProbe> probes = {
      {"database", [this] { return db_->ping(); }},
      {"hsm", [this] { return hsm_.token->ping(); }},
  };
  std::vector<api::Route> routes = api::system_routes(std::move(probes), std::move(openapi_yaml));
  append(routes, api::operator_routes(*operators_));
  append(routes, api::admin_citizen_routes(*citizens_, outbox_));
  const api::CitizenRoutesOptions limits{identity::CitizenRateLimits::from_config(settings_.rate_limit),
                                         settings_.rate_limit.address_header};
  append(routes, api::citizen_routes(*citizens_, *limiter_, limits));
  append(routes, api::application_admin_routes(*applications_));
  auto throttle = std::make_shared<const api::CitizenThrottle>(*limiter_, limits);
  append(routes, api::transaction_routes(*transactions_, *applications_, public_url(), throttle));
  // FIRe's protocol over the same transactions: applications authenticate with their TLS client certificate.
  append(routes, api::fire_routes(*transactions_, *applications_, public_url()));
  // The citizens' web pages: the same services and the same throttle as their JSON twins.
  append(routes, api::web_routes(*transactions_, *citizens_, *authorisations_, throttle, random_,
                                 {public_url(), std::chrono::seconds(settings_.otp.resend_cooldown_seconds)}));
  // The CSC API (/csc/v1, /csc/v2): the same credentials, SADs and CitizenKeySigner; the same throttle.
  append(routes, api::csc::csc_routes({*applications_, *signing_credentials_, *key_signer_, *access_tokens_, *citizens_,
                                       time_stamper(), long_term_services(), throttle, public_url(), settings_.csc}));
  // OAuth2's JSON endpoints; its authorisation endpoint is the citizen's page above.
  append(routes, api::oauth2_routes(*authorisations_, *applications_, *access_tokens_, clock_, {public_url()}));
  append(routes, api::pki_routes(*authority_, *crl_, *root_crl_, *ocsp_, *tsa_));
  append(routes, api::audit_routes(audit_reader(*audit_sealer_, *db_)));
  append(routes, api::admin_custody_routes(*custody_));
  // Operators issue certificates for citizens found by NIF; certs sees only what issuance needs.
  append(routes,
         api::admin_pki_routes(*credentials_, [this](std::string_view nif) -> Result<certs::CitizenForIssuance> {
           auto parsed = policies::Nif::parse(nif);
           if (!parsed) return make_error(ErrorCode::invalid_request, "nif: " + parsed.error().message);
           auto citizen = citizens_->find_by_nif(*parsed);
           if (!citizen) return std::move(citizen).error();
           return certs::CitizenForIssuance{citizen->nif.str(), citizen->given_name, citizen->surname1,
                                            citizen->surname2,  citizen->status,     citizen->registration_level};
         }));
  return routes;
}

std::vector<api::ErrorDialect> Services::error_dialects() const {
  return {api::csc::csc_error_dialect(), api::fire_error_dialect()};
}

api::Authenticator Services::authenticator() {
  return [this](api::Access access, std::string_view bearer) -> Result<api::Caller> {
    if (access == api::Access::application) {
      auto app = applications_->authenticate(bearer);
      if (!app) return std::move(app).error();
      return api::Caller{api::Caller::Kind::application, app->id.str(), {}};
    }
    auto op = operators_->authenticate(bearer);
    if (!op) return std::move(op).error();
    return api::Caller{api::Caller::Kind::operator_, op->id.str(), op->roles};
  };
}

void Services::recover_abandoned_transactions() {
  auto recovered = transactions_->recover_abandoned();
  if (!recovered) {
    log::warn("maintenance.recovery", {{"detail", recovered.error().message}});
    return;
  }
  // A confirmation stopped half way means a node died (or lost the database) mid-request: worth a look.
  if (*recovered > 0) log::warn("transactions.recovered", {{"count", static_cast<std::int64_t>(*recovered)}});
}

void Services::maintain() {
  // Every node: picks up an OCSP signer another node renewed (and renews it when due, once per cluster).
  if (Status ca = authority_->maintain(); !ca) log::warn("maintenance.ca", {{"detail", ca.error().message}});
  // The sweeps, by one node of the cluster: the holder of the upkeep lease keeps it while it runs, and when it
  // stops the lease lapses and another node takes over.
  const Instant now = clock_.now();
  const auto interval = std::chrono::seconds(settings_.pki.maintenance_interval_seconds);
  auto lease = db_->transact([&](store::Tx& tx) {
    return store::ClusterLock::take_lease(tx, store::ClusterTask::upkeep, node_id_, now, now + interval + interval / 2);
  });
  if (!lease) {
    log::warn("maintenance.lease", {{"detail", lease.error().message}});
    return;
  }
  if (!*lease) return;
  recover_abandoned_transactions();
  if (auto expired = transactions_->expire_overdue(); !expired)
    log::warn("maintenance.transactions", {{"detail", expired.error().message}});
  if (auto purged = otp_->purge_expired(); !purged) log::warn("maintenance.otp", {{"detail", purged.error().message}});
  if (auto purged = authorisations_->purge_ended(); !purged)
    log::warn("maintenance.authorisations", {{"detail", purged.error().message}});
  if (auto purged = limiter_->purge_idle(); !purged)
    log::warn("maintenance.rate_limits", {{"detail", purged.error().message}});
  // A KEK rotation's rewrap goes on in batches, one per upkeep, until the old KEK can be destroyed.
  if (auto rewrapped = custody_->rewrap(kRewrapBatch, "system"); !rewrapped)
    log::warn("maintenance.kek_rewrap", {{"detail", rewrapped.error().message}});
  if (auto expired = credentials_->expire_due(); !expired)
    log::warn("maintenance.certificates", {{"detail", expired.error().message}});
  if (auto crl = crl_->refresh_if_due(); !crl) log::warn("maintenance.crl", {{"detail", crl.error().message}});
  // An offline root's CRL is published by the PKI operators, not here.
  if (auto crl = root_crl_->refresh_if_due(); !crl && crl.error().code != ErrorCode::unavailable)
    log::warn("maintenance.root_crl", {{"detail", crl.error().message}});
}

}  // namespace firma::app
