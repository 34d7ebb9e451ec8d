// Client applications: registration (API key hashed at rest), authentication, return-URL rules.
#include "signer/applications.h"

#include <botan/data_src.h>
#include <botan/pkix_types.h>
#include <botan/x509cert.h>

#include <algorithm>

#include "core/encoding.h"
#include "policies/return_url.h"
#include "policies/shown_text.h"
#include "store/applications.h"
#include "store/audit_log.h"
#include "store/database.h"
#include "transaction_state.h"

namespace firma::signer {
namespace {

constexpr std::string_view kKeyPrefix = "fak_";

std::string key_hash(std::string_view key) {
  return to_hex(sha256(key));
}

constexpr std::size_t kMaxClientCertificates = 10;

// One PEM certificate as what is stored of it: the SHA-256 of its DER, and what an operator reads.
Result<store::ApplicationCertificateRecord> client_certificate(const std::string& pem, std::size_t index, Instant now) {
  const std::string where = "client_certificates[" + std::to_string(index) + "]: ";
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return make_error(ErrorCode::invalid_request, where + "expected a PEM certificate");
  try {
    Botan::DataSource_Memory source(pem);
    Botan::X509_Certificate certificate(source);
    const std::vector<std::uint8_t> der = certificate.BER_encode();
    return store::ApplicationCertificateRecord{
        to_hex(sha256(der)), certificate.subject_dn().to_string(), to_hex(certificate.serial_number()),
        Instant(std::chrono::seconds(certificate.not_after().time_since_epoch())), now};
  } catch (const std::exception&) {
    return make_error(ErrorCode::invalid_request, where + "not a readable X.509 certificate");
  }
}

}  // namespace

Application to_application(const store::ApplicationRecord& r) {
  Application app{r.id, r.name, r.return_url_prefixes, {}, r.redirect_uris};
  for (const auto& f : r.allowed_formats)
    if (auto format = parse_format(f)) app.allowed_formats.push_back(*format);
  return app;
}

bool Application::allows(Format format) const {
  return std::find(allowed_formats.begin(), allowed_formats.end(), format) != allowed_formats.end();
}

std::optional<std::string> Application::accepted_return_url(std::string_view url) const {
  auto canonical = policies::canonical_http_url(url);
  if (!canonical) return std::nullopt;
  // Prefixes registered before they were stored canonical are made so here.
  for (const std::string& registered : return_url_prefixes)
    if (auto prefix = policies::canonical_http_url(registered);
        prefix && policies::is_under_prefix(*canonical, *prefix))
      return std::move(*canonical);
  return std::nullopt;
}

bool Application::accepts_redirect_uri(std::string_view uri) const {
  return std::find(redirect_uris.begin(), redirect_uris.end(), uri) != redirect_uris.end();
}

ApplicationService::ApplicationService(store::Database& db, const Clock& clock, Random& random)
    : db_(db), clock_(clock), random_(random) {}

Result<RegisteredApplication> ApplicationService::register_application(const ApplicationRegistration& registration,
                                                                       std::string_view actor) {
  const std::string_view name = registration.name;
  const auto& prefixes = registration.return_url_prefixes;
  const auto& formats = registration.allowed_formats;
  const auto& redirect_uris = registration.redirect_uris;
  const auto& client_pems = registration.client_certificates;
  if (Status s = policies::check_application_name(name); !s) return std::move(s).error();
  if (prefixes.empty() || prefixes.size() > 20)
    return make_error(ErrorCode::invalid_request, "return_url_prefixes must list 1 to 20 URL prefixes");
  std::vector<std::string> canonical_prefixes;
  for (const auto& p : prefixes) {
    auto canonical = policies::canonical_http_url(p);
    if (!canonical)
      return make_error(ErrorCode::invalid_request, "return_url_prefixes: '" + p + "': " + canonical.error().message);
    canonical_prefixes.push_back(std::move(*canonical));
  }
  if (redirect_uris.size() > 20) return make_error(ErrorCode::invalid_request, "redirect_uris lists at most 20 URIs");
  for (const auto& uri : redirect_uris)
    if (Status s = policies::check_redirect_uri(uri); !s)
      return make_error(ErrorCode::invalid_request, "redirect_uris: '" + uri + "': " + s.error().message);
  if (formats.empty()) return make_error(ErrorCode::invalid_request, "allowed_formats must not be empty");
  std::vector<std::string> normalised;
  for (const auto& f : formats) {
    if (!parse_format(f))
      return make_error(ErrorCode::invalid_request, "unknown format '" + f + "' (raw, cades, pades, xades)");
    if (std::find(normalised.begin(), normalised.end(), f) == normalised.end()) normalised.push_back(f);
  }

  if (client_pems.size() > kMaxClientCertificates)
    return make_error(ErrorCode::invalid_request,
                      "client_certificates: at most " + std::to_string(kMaxClientCertificates) + " certificates");
  std::vector<store::ApplicationCertificateRecord> certificates;
  for (std::size_t i = 0; i < client_pems.size(); ++i) {
    auto certificate = client_certificate(client_pems[i], i, clock_.now());
    if (!certificate) return std::move(certificate).error();
    const auto same = [&](const auto& c) { return c.sha256 == certificate->sha256; };
    if (std::none_of(certificates.begin(), certificates.end(), same)) certificates.push_back(std::move(*certificate));
  }

  RegisteredApplication registered{
      AppId("app-" + random_.hex_token(8)), Secret(std::string(kKeyPrefix) + random_.hex_token(32)), {}};
  for (const auto& c : certificates)
    registered.client_certificates.push_back({c.sha256, c.subject, c.serial, c.not_after});
  store::ApplicationRecord record{registered.id,      std::string(name), key_hash(registered.api_key.reveal()),
                                  canonical_prefixes, normalised,        clock_.now(),
                                  std::nullopt,       redirect_uris};
  Status saved = db_.transact([&](store::Tx& tx) -> Status {
    if (Status s = store::ApplicationRecords::insert(tx, record); !s) return s;
    for (const auto& c : certificates)
      if (Status s = store::ApplicationRecords::add_certificate(tx, registered.id, c); !s) return s;
    return store::AuditLog::append(tx,
                                   {std::string(actor), "application.register", registered.id.str(), "success",
                                    record.name + " (" + std::to_string(certificates.size()) + " client certificates)"},
                                   clock_.now());
  });
  if (!saved) {
    if (saved.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, "an application named '" + std::string(name) + "' exists");
    return std::move(saved).error();
  }
  return registered;
}

Result<Application> ApplicationService::authenticate(std::string_view api_key) const {
  if (api_key.substr(0, kKeyPrefix.size()) != kKeyPrefix) return make_error(ErrorCode::unauthorized, "unknown API key");
  const std::string hash = key_hash(api_key);
  auto found = db_.transact([&](store::Tx& tx) { return store::ApplicationRecords::find_by_key_hash(tx, hash); });
  if (!found) return std::move(found).error();
  if (!found->has_value() || (*found)->disabled_at) return make_error(ErrorCode::unauthorized, "unknown API key");
  return to_application(**found);
}

Result<Application> ApplicationService::authenticate_by_certificate(const AppId& id,
                                                                    std::span<const std::uint8_t> certificate) const {
  const std::string fingerprint = to_hex(sha256(certificate));
  auto found = db_.transact([&](store::Tx& tx) -> Result<std::optional<store::ApplicationRecord>> {
    auto app = store::ApplicationRecords::find(tx, id);
    if (!app || !app->has_value()) return app;
    auto registered = store::ApplicationRecords::has_certificate(tx, id, fingerprint);
    if (!registered) return std::move(registered).error();
    if (!*registered) return std::optional<store::ApplicationRecord>{};
    return app;
  });
  if (!found) return std::move(found).error();
  if (!found->has_value() || (*found)->disabled_at)
    return make_error(ErrorCode::unauthorized, "unknown application or client certificate");
  return to_application(**found);
}

Result<Application> ApplicationService::find(const AppId& id) const {
  auto found = db_.transact([&](store::Tx& tx) { return store::ApplicationRecords::find(tx, id); });
  if (!found) return std::move(found).error();
  if (!found->has_value()) return make_error(ErrorCode::not_found, "no application " + id.str());
  return to_application(**found);
}

}  // namespace firma::signer
