// PostgreSQL advisory locks for the tasks done once per cluster (store/cluster_lock.h).
#include "store/cluster_lock.h"

#include <cstdint>
#include <string>
#include <utility>

namespace firma::store {
namespace {

// Advisory lock keys: "firmaCL" as big-endian bytes, then the task. The migration runner's key ("firmaMIG",
// store/src/migrations.cpp) differs in its seventh byte.
std::int64_t lock_key(ClusterTask task) {
  constexpr std::int64_t base = 0x6669726d61434c00;  // "firmaCL\0"
  return base + static_cast<std::int64_t>(task) + 1;
}

std::string_view lease_name(ClusterTask task) {
  switch (task) {
    case ClusterTask::upkeep: return "upkeep";
    default: return "";
  }
}

}  // namespace

Result<bool> ClusterLock::take_lease(Tx& tx, ClusterTask task, std::string_view holder, Instant now, Instant until) {
  const std::string_view name = lease_name(task);
  if (name.empty()) return make_error(ErrorCode::internal, "this cluster task has no lease");
  auto taken = tx.execute(
      "UPDATE cluster_leases SET holder = $1, until = $2 WHERE task = $3 AND (until <= $4 OR "
      "holder = $1)",
      {std::string(holder), to_unix(until), std::string(name), to_unix(now)});
  if (!taken) return std::move(taken).error();
  return *taken == 1;
}

Status ClusterLock::hold(Tx& tx, ClusterTask task) {
  if (tx.backend() != Backend::postgresql) return {};
  auto locked = tx.query("SELECT pg_advisory_xact_lock(CAST($1 AS BIGINT))", {lock_key(task)});
  if (!locked) return std::move(locked).error();
  return {};
}

Result<bool> ClusterLock::try_hold(Tx& tx, ClusterTask task) {
  if (tx.backend() != Backend::postgresql) return true;
  auto locked = tx.query("SELECT pg_try_advisory_xact_lock(CAST($1 AS BIGINT))", {lock_key(task)});
  if (!locked) return std::move(locked).error();
  if (locked->size() != 1) return make_error(ErrorCode::internal, "pg_try_advisory_xact_lock returned no row");
  return locked->front().integer(0) != 0;
}

}  // namespace firma::store
