// The SMS outbox: messages the `outbox` gateway stores instead of sending, for operators and tests to read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/database.h"

namespace firma::store {

struct OutboxRow {
  std::int64_t id = 0;
  std::string to;  // E.164
  std::string body;
  Instant created_at{};
};

class SmsOutboxRows {
 public:
  static Result<std::int64_t> insert(Tx& tx, std::string_view to, std::string_view body, Instant at);
  // Oldest first; only those to `to` when given; at most `limit`, the most recent ones when there are more.
  static Result<std::vector<OutboxRow>> list(Tx& tx, const std::optional<std::string>& to, std::size_t limit);
};

}  // namespace firma::store
