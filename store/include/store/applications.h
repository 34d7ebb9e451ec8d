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

class ApplicationRecords {
 public:
  static Status insert(Tx& tx, const ApplicationRecord& record);
  static Result<std::optional<ApplicationRecord>> find(Tx& tx, const AppId& id);
  static Result<std::optional<ApplicationRecord>> find_by_key_hash(Tx& tx, std::string_view api_key_hash);
  static Result<std::vector<ApplicationRecord>> list(Tx& tx);
};

}  // namespace firma::store
