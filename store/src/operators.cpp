// Operator accounts over the operators table (migration 0001).
#include "store/operators.h"

#include <utility>

#include "typed_columns.h"

namespace firma::store {
namespace {

constexpr std::string_view columns = "id, name, roles, token_hash, created_at, revoked_at";

// The roles column, as join_roles wrote it.
Result<std::vector<Role>> split_roles(const std::string& text) {
  std::vector<Role> roles;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) {
      auto role = typed_column(parse_role, "operator role", text.substr(start, comma - start));
      if (!role) return std::move(role).error();
      roles.push_back(*role);
    }
    start = comma + 1;
  }
  return roles;
}

Result<OperatorRecord> record_from(const Row& row) {
  auto roles = split_roles(row.text(2));
  if (!roles) return std::move(roles).error();
  OperatorRecord record{OperatorId(row.text(0)),   row.text(1), std::move(*roles), row.text(3),
                        from_unix(row.integer(4)), std::nullopt};
  if (auto revoked = row.optional_integer(5)) record.revoked_at = from_unix(*revoked);
  return record;
}

Value optional_instant(const std::optional<Instant>& at) {
  if (!at) return nullptr;
  return to_unix(*at);
}

}  // namespace

Status OperatorRecords::insert(Tx& tx, const OperatorRecord& record) {
  auto inserted = tx.execute(
      "INSERT INTO operators (id, name, roles, token_hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)",
      {record.id.str(), record.name, join_roles(record.roles), record.token_hash, to_unix(record.created_at),
       optional_instant(record.revoked_at)});
  if (!inserted.ok()) return std::move(inserted).error();
  return {};
}

Result<std::optional<OperatorRecord>> OperatorRecords::find_by_token_hash(Tx& tx, std::string_view token_hash) {
  auto rows =
      tx.query("SELECT " + std::string(columns) + " FROM operators WHERE token_hash = $1", {std::string(token_hash)});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return std::optional<OperatorRecord>{};
  auto record = record_from(rows->front());
  if (!record) return std::move(record).error();
  return std::optional<OperatorRecord>{std::move(*record)};
}

Result<std::vector<OperatorRecord>> OperatorRecords::list(Tx& tx) {
  auto rows = tx.query("SELECT " + std::string(columns) + " FROM operators ORDER BY created_at, id");
  if (!rows.ok()) return std::move(rows).error();
  std::vector<OperatorRecord> records;
  records.reserve(rows->size());
  for (const Row& row : *rows) {
    auto record = record_from(row);
    if (!record) return std::move(record).error();
    records.push_back(std::move(*record));
  }
  return records;
}

Result<std::int64_t> OperatorRecords::count(Tx& tx) {
  auto rows = tx.query("SELECT count(*) FROM operators");
  if (!rows.ok()) return std::move(rows).error();
  return rows->empty() ? 0 : rows->front().integer(0);
}

Status OperatorRecords::revoke(Tx& tx, const OperatorId& id, Instant at) {
  auto revoked =
      tx.execute("UPDATE operators SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", {id.str(), to_unix(at)});
  if (!revoked.ok()) return std::move(revoked).error();
  if (*revoked == 1) return {};
  auto exists = tx.query("SELECT id FROM operators WHERE id = $1", {id.str()});
  if (!exists.ok()) return std::move(exists).error();
  if (exists->empty()) return make_error(ErrorCode::not_found, "no operator " + id.str());
  return {};  // already revoked: the first revocation time stands
}

}  // namespace firma::store
