// Client applications: e-government services that ask for signatures with an API key or a TLS client certificate.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/random.h"
#include "core/result.h"
#include "core/secret.h"
#include "signer/formats.h"

namespace firma::store {
class Database;
}

namespace firma::signer {

struct Application {
  AppId id;
  std::string name;
  std::vector<std::string> return_url_prefixes;
  std::vector<Format> allowed_formats;
  std::vector<std::string> redirect_uris;

  bool allows(Format format) const;
  // The canonical form of `url` (policies::canonical_http_url: dot segments resolved, encoded slashes and dots,
  // backslashes and userinfo refused) when it lies under one of the prefixes at a path-segment boundary, so that
  // ".../app/../../evil" does not escape "https://sede.gob.es/app/" and "https://sede.gob.es" does not admit
  // "https://sede.gob.es.evil.example"; nullopt otherwise.
  std::optional<std::string> accepted_return_url(std::string_view url) const;
  // Whether `uri` is one of the registered redirect URIs, compared as strings (RFC 6749 3.1.2.2); never a prefix.
  bool accepts_redirect_uri(std::string_view uri) const;
};

// A TLS client certificate registered for an application, as an operator sees it.
struct ClientCertificate {
  std::string sha256_hex;  // of the DER: what a presented certificate is matched on
  std::string subject;
  std::string serial_hex;
  Instant not_after;
};

// What an operator registers (POST /v1/admin/apps).
struct ApplicationRegistration {
  std::string name;
  std::vector<std::string> return_url_prefixes;
  std::vector<std::string> allowed_formats;
  std::vector<std::string> redirect_uris;        // OAuth 2.0 (the CSC front): exact URIs; possibly none
  std::vector<std::string> client_certificates;  // PEM, presented in TLS (the FIRe front); possibly none
};

struct RegisteredApplication {
  AppId id;
  Secret api_key;  // shown once; only its SHA-256 is stored
  std::vector<ClientCertificate> client_certificates;
};

class ApplicationService {
 public:
  ApplicationService(store::Database& db, const Clock& clock, Random& random);

  // Prefixes must be absolute http(s) URLs; formats a non-empty subset of raw, cades, pades, xades; redirect URIs
  // (at most 20, possibly none) pass policies::check_redirect_uri and are kept as given; client certificates (PEM,
  // at most 10) are those the application may present instead of its API key (FIRe's clients authenticate that
  // way).
  Result<RegisteredApplication> register_application(const ApplicationRegistration& registration,
                                                     std::string_view actor);
  // The application an API key belongs to; unauthorized otherwise.
  Result<Application> authenticate(std::string_view api_key) const;
  // The application `id` when `certificate` (DER) is one registered for it. An unknown or disabled application and
  // a certificate it did not register all answer the same unauthorized error.
  Result<Application> authenticate_by_certificate(const AppId& id, std::span<const std::uint8_t> certificate) const;
  Result<Application> find(const AppId& id) const;

 private:
  store::Database& db_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace firma::signer
