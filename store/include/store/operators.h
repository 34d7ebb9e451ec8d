// Operator accounts: who may call the operator API, found by the SHA-256 of their bearer token.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/result.h"
#include "core/statuses.h"
#include "store/database.h"

namespace firma::store {

struct OperatorRecord {
  OperatorId id;
  std::string name;         // unique
  std::vector<Role> roles;  // stored comma-separated, e.g. "admin" or "registrar,auditor"
  std::string token_hash;   // lower-case hex SHA-256 of the bearer token (the token itself is never stored); unique
  Instant created_at{};
  std::optional<Instant> revoked_at;
};

class OperatorRecords {
 public:
  // conflict when the id, the name or the token hash is taken.
  static Status insert(Tx& tx, const OperatorRecord& record);
  // The operator holding this token hash, revoked or not (the caller decides what a revoked one may do). Reads
  // answer internal for a row holding a role this build does not know.
  static Result<std::optional<OperatorRecord>> find_by_token_hash(Tx& tx, std::string_view token_hash);
  // Every operator, oldest first.
  static Result<std::vector<OperatorRecord>> list(Tx& tx);
  // Every operator, revoked ones included (zero means a fresh installation).
  static Result<std::int64_t> count(Tx& tx);
  // Marks the operator revoked at `at`; revoking again keeps the first time. not_found for an unknown id.
  static Status revoke(Tx& tx, const OperatorId& id, Instant at);
};

}  // namespace firma::store
