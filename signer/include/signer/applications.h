// Client applications: e-government services that ask for signatures with an API key.
#pragma once

#include <optional>
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

struct RegisteredApplication {
  AppId id;
  Secret api_key;  // shown once; only its SHA-256 is stored
};

class ApplicationService {
 public:
  ApplicationService(store::Database& db, const Clock& clock, Random& random);

  // Prefixes must be absolute http(s) URLs; formats a non-empty subset of raw, cades, pades, xades; redirect URIs
  // (at most 20, possibly none) pass policies::check_redirect_uri and are kept as given.
  Result<RegisteredApplication> register_application(std::string_view name, const std::vector<std::string>& prefixes,
                                                     const std::vector<std::string>& formats, std::string_view actor,
                                                     const std::vector<std::string>& redirect_uris = {});
  // The application an API key belongs to; unauthorized otherwise.
  Result<Application> authenticate(std::string_view api_key) const;
  Result<Application> find(const AppId& id) const;

 private:
  store::Database& db_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace firma::signer
