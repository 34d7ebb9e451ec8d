// Client applications (e-government services) that ask for signatures.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/result.h"
#include "store/database.h"

namespace firma::store {

struct ApplicationRecord {
  AppId id;
  std::string name;
  std::string api_key_hash;  // SHA-256 hex of the API key
  std::vector<std::string> return_url_prefixes;
  std::vector<std::string> allowed_formats;
  Instant created_at;
  std::optional<Instant> disabled_at;
  std::vector<std::string> redirect_uris;  // exact URIs, for authorisations given on Firma's page
};

// A TLS client certificate an application authenticates with (migration 0009).
struct ApplicationCertificateRecord {
  std::string sha256;  // hex SHA-256 of the DER: what is matched
  std::string subject;
  std::string serial;  // hex
  Instant not_after;
  Instant added_at;
};

class ApplicationRecords {
 public:
  static Status insert(Tx& tx, const ApplicationRecord& record);
  static Result<std::optional<ApplicationRecord>> find(Tx& tx, const AppId& id);
  static Result<std::optional<ApplicationRecord>> find_by_key_hash(Tx& tx, std::string_view api_key_hash);
  static Result<std::vector<ApplicationRecord>> list(Tx& tx);

  static Status add_certificate(Tx& tx, const AppId& app, const ApplicationCertificateRecord& certificate);
  static Result<std::vector<ApplicationCertificateRecord>> certificates(Tx& tx, const AppId& app);
  // Whether `sha256` (hex of a certificate's DER) is registered for `app`.
  static Result<bool> has_certificate(Tx& tx, const AppId& app, std::string_view sha256);
};

}  // namespace firma::store
