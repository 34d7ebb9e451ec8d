// Access tokens a client application holds for a citizen: only their SHA-256 is stored, with whose they are.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/ids.h"
#include "core/result.h"
#include "store/database.h"

namespace firma::store {

struct AccessTokenRecord {
  std::string id;                             // names the token in the audit trail
  std::string value_sha256;                   // hex SHA-256 of the bearer value
  std::optional<std::string> refresh_sha256;  // hex SHA-256 of its refresh token, if it has one
  CitizenId citizen_id;
  AppId app_id;
  Instant issued_at;
  Instant expires_at;
  std::optional<Instant> refresh_expires_at;
  std::optional<Instant> revoked_at;
};

class AccessTokenRecords {
 public:
  static Status insert(Tx& tx, const AccessTokenRecord& record);
  static Result<std::optional<AccessTokenRecord>> find_by_value(Tx& tx, const std::string& value_sha256);
  static Result<std::optional<AccessTokenRecord>> find_by_refresh(Tx& tx, const std::string& refresh_sha256);
  // Deletes the tokens that can no longer be used, nor renewed, since before `before`; how many.
  static Result<std::int64_t> purge_ended(Tx& tx, Instant before);
  // Ends the token (and its refresh token) at `at`. False when it had ended already: one statement decides, so of
  // two concurrent renewals through one refresh token only one succeeds, on any node.
  static Result<bool> revoke(Tx& tx, const std::string& id, Instant at);
};

}  // namespace firma::store
