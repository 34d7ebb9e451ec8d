// Citizen accounts over the citizens table (migration 0002); the failure count changes in one atomic UPDATE.
#include "store/citizens.h"

#include <utility>
#include <vector>

#include "typed_columns.h"

namespace firma::store {
namespace {

constexpr std::string_view columns =
    "id, nif, given_name, surname1, surname2, email, mobile, registration_level, status, activation_code_hash, "
    "password_hash, password_expires_at, failed_attempts, created_at, updated_at";

Result<CitizenRow> row_from(const Row& r) {
  auto level = typed_column(parse_registration_level, "registration level", r.text(7));
  if (!level) return std::move(level).error();
  auto status = typed_column(parse_citizen_status, "citizen status", r.text(8));
  if (!status) return std::move(status).error();
  CitizenRow c;
  c.id = CitizenId(r.text(0));
  c.nif = r.text(1);
  c.given_name = r.text(2);
  c.surname1 = r.text(3);
  c.surname2 = r.text(4);
  c.email = r.text(5);
  c.mobile = r.text(6);
  c.registration_level = *level;
  c.status = *status;
  c.activation_code_hash = r.text(9);
  c.password_hash = r.optional_text(10);
  if (auto at = r.optional_integer(11)) c.password_expires_at = from_unix(*at);
  c.failed_attempts = static_cast<int>(r.integer(12));
  c.created_at = from_unix(r.integer(13));
  c.updated_at = from_unix(r.integer(14));
  return c;
}

Value optional_text(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  return *text;
}

Value optional_instant(const std::optional<Instant>& at) {
  if (!at) return nullptr;
  return to_unix(*at);
}

Result<std::optional<CitizenRow>> first(Result<std::vector<Row>> rows) {
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return std::optional<CitizenRow>{};
  auto row = row_from(rows->front());
  if (!row) return std::move(row).error();
  return std::optional<CitizenRow>{std::move(*row)};
}

Result<bool> changed_one(Result<std::int64_t> changed) {
  if (!changed.ok()) return std::move(changed).error();
  return *changed == 1;
}

}  // namespace

Status CitizenRows::insert(Tx& tx, const CitizenRow& c) {
  auto inserted = tx.execute(
      "INSERT INTO citizens (id, nif, given_name, surname1, surname2, email, mobile, registration_level, status, "
      "activation_code_hash, password_hash, password_expires_at, failed_attempts, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
      {c.id.str(), c.nif, c.given_name, c.surname1, c.surname2, c.email, c.mobile,
       std::string(to_string(c.registration_level)), std::string(to_string(c.status)), c.activation_code_hash,
       optional_text(c.password_hash), optional_instant(c.password_expires_at),
       static_cast<std::int64_t>(c.failed_attempts), to_unix(c.created_at), to_unix(c.updated_at)});
  if (!inserted.ok()) return std::move(inserted).error();
  return {};
}

Result<std::optional<CitizenRow>> CitizenRows::find_by_nif(Tx& tx, std::string_view nif) {
  return first(tx.query("SELECT " + std::string(columns) +
                            " FROM citizens WHERE nif = $1 "
                            "ORDER BY CASE WHEN status = 'deregistered' THEN 1 ELSE 0 END, created_at DESC, id "
                            "LIMIT 1",
                        {std::string(nif)}));
}

Result<std::optional<CitizenRow>> CitizenRows::find_by_id(Tx& tx, const CitizenId& id) {
  return first(tx.query("SELECT " + std::string(columns) + " FROM citizens WHERE id = $1", {id.str()}));
}

Result<std::optional<FailureCount>> CitizenRows::count_failure(Tx& tx, const CitizenId& id, int lock_at, Instant now) {
  // SET expressions read the row as it was before this UPDATE (both backends), so the status and the count move
  // together; the WHERE clause is re-checked against the latest row version after waiting for a row lock.
  auto rows = tx.query(
      "UPDATE citizens SET failed_attempts = failed_attempts + 1, "
      "status = CASE WHEN failed_attempts + 1 >= CAST($2 AS INTEGER) THEN 'locked' ELSE status END, "
      "updated_at = CAST($3 AS BIGINT) "
      "WHERE id = $1 AND status = 'active' RETURNING failed_attempts, status",
      {id.str(), static_cast<std::int64_t>(lock_at), to_unix(now)});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return std::optional<FailureCount>{};
  auto status = typed_column(parse_citizen_status, "citizen status", rows->front().text(1));
  if (!status) return std::move(status).error();
  return std::optional<FailureCount>{FailureCount{static_cast<int>(rows->front().integer(0)), *status}};
}

Result<bool> CitizenRows::record_success(Tx& tx, const CitizenId& id, const std::optional<std::string>& new_hash,
                                         Instant now) {
  if (new_hash)
    return changed_one(
        tx.execute("UPDATE citizens SET failed_attempts = 0, password_hash = $2, updated_at = $3 "
                   "WHERE id = $1 AND status = 'active'",
                   {id.str(), *new_hash, to_unix(now)}));
  return changed_one(
      tx.execute("UPDATE citizens SET failed_attempts = 0, updated_at = $2 WHERE id = $1 AND status = 'active'",
                 {id.str(), to_unix(now)}));
}

Result<bool> CitizenRows::set_password(Tx& tx, const CitizenId& id, std::string_view password_hash, Instant expires_at,
                                       std::initializer_list<CitizenStatus> from, Instant now) {
  if (from.size() == 0 || from.size() > 3) return make_error(ErrorCode::internal, "set_password: 1 to 3 states");
  std::vector<Value> params = {id.str(), std::string(password_hash), to_unix(expires_at), to_unix(now)};
  for (std::size_t i = 0; i < 3; ++i)
    params.emplace_back(std::string(to_string(*(from.begin() + (i < from.size() ? i : 0)))));
  return changed_one(tx.execute(
      "UPDATE citizens SET password_hash = $2, password_expires_at = $3, status = 'active', failed_attempts = 0, "
      "updated_at = $4 WHERE id = $1 AND status IN ($5, $6, $7)",
      std::move(params)));
}

Result<bool> CitizenRows::set_activation_code(Tx& tx, const CitizenId& id, std::string_view code_hash, Instant now) {
  return changed_one(tx.execute(
      "UPDATE citizens SET activation_code_hash = $2, updated_at = $3 WHERE id = $1 AND status <> 'deregistered'",
      {id.str(), std::string(code_hash), to_unix(now)}));
}

Result<bool> CitizenRows::deregister(Tx& tx, const CitizenId& id, Instant now) {
  return changed_one(
      tx.execute("UPDATE citizens SET status = 'deregistered', password_hash = NULL, activation_code_hash = '', "
                 "failed_attempts = 0, updated_at = $2 WHERE id = $1 AND status <> 'deregistered'",
                 {id.str(), to_unix(now)}));
}

}  // namespace firma::store
