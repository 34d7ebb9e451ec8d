// The one adapter over the database drivers: a pooled Database running units of work (Tx) on SQLite or PostgreSQL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/encoding.h"
#include "core/result.h"

namespace firma::store {

// A parameter or a column value. Booleans travel as 0/1 integers and instants as unix seconds (BIGINT columns), so
// that one SQL text and one decoding serve both backends.
using Value = std::variant<std::nullptr_t, std::int64_t, std::string, Bytes>;

// One result row, fully read from the driver. Accessors convert where it is lossless and unsurprising (an integer
// written as decimal text reads as an integer, a PostgreSQL boolean reads as 0/1); NULL reads as 0, "" or empty
// bytes, so nullable columns are read with is_null() or the optional_ accessors. An index past size() reads as NULL.
class Row {
 public:
  Row() = default;
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}

  std::size_t size() const noexcept { return values_.size(); }
  const Value& value(std::size_t column) const noexcept;
  bool is_null(std::size_t column) const noexcept;
  std::int64_t integer(std::size_t column) const;
  std::string text(std::size_t column) const;
  Bytes blob(std::size_t column) const;
  std::optional<std::int64_t> optional_integer(std::size_t column) const;
  std::optional<std::string> optional_text(std::size_t column) const;

 private:
  std::vector<Value> values_;
};

enum class Backend { sqlite, postgresql };
std::string_view to_string(Backend backend) noexcept;

// One unit of work on one connection, inside one database transaction (see Database::transact).
// SQL placeholders are $1 .. $n in both backends; statements are prepared once per connection and reused.
// Any failed statement dooms the whole transaction (as PostgreSQL does; SQLite is held to the same rule), so a
// work function that ignores an error still cannot commit a partial change.
class Tx {
 public:
  virtual ~Tx() = default;
  // Rows of a statement (SELECT, or INSERT/UPDATE/DELETE ... RETURNING).
  virtual Result<std::vector<Row>> query(std::string_view sql, std::vector<Value> params = {}) = 0;
  // Number of rows a statement inserted, updated or deleted.
  virtual Result<std::int64_t> execute(std::string_view sql, std::vector<Value> params = {}) = 0;
  // Which database runs it (for the few statements that differ, e.g. store/cluster_lock.h).
  virtual Backend backend() const noexcept = 0;
};

namespace detail {
template <class R>
struct TransactResult {
  static_assert(sizeof(R) == 0, "transact: the work must return Status or Result<T>");
};
template <class T>
struct TransactResult<Result<T>> {
  using value_type = T;
};
}  // namespace detail

// A pool of connections to one database. Thread-safe: any thread may call transact() at any time; when every
// connection is busy it waits for one. Errors are translated once, here: a unique violation is
// ErrorCode::conflict, a lost or unreachable server is unavailable (the pool reconnects on the next use), any other
// failure is internal with the driver's message (never a parameter value: parameters may be secrets).
class Database {
 public:
  virtual ~Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // "sqlite:/path/to/file.db" (the embedded default; the directory must exist, the file is created with mode 0600)
  // or "postgresql://user:password@host:port/dbname?..." ("postgres://" too). pool_size >= 1 connections at most.
  // A malformed url is invalid_request; a database that cannot be reached or opened is unavailable, with one line
  // that says where and why (never the password).
  static Result<std::unique_ptr<Database>> open(const std::string& url, std::size_t pool_size);

  virtual Backend backend() const noexcept = 0;

  // Applies every embedded migration (store/migrations/NNNN_name.sql) not yet recorded in schema_migrations, all in
  // one transaction. On PostgreSQL it holds an advisory lock while doing so, so nodes starting together apply each
  // migration exactly once. Idempotent.
  Status migrate();

  // Round trip to the database (for readiness probes).
  virtual Status ping() = 0;

  // Runs work(Tx&), which returns Status or Result<T>, inside one database transaction, and returns what it
  // returned: committed when it is ok, rolled back when it is an error or throws (the exception then propagates).
  // PostgreSQL: READ COMMITTED; the whole work is run again (a bounded number of times) after a serialization
  // failure or deadlock (SQLSTATE 40001, 40P01), so work must have no effect outside the Tx. SQLite: BEGIN IMMEDIATE,
  // so writers queue on the busy timeout instead of failing. Do not call transact() from inside a work function of
  // the same Database (it would wait for itself): that returns an internal error.
  template <class F>
  auto transact(F&& work) -> std::invoke_result_t<F&, Tx&>;

 protected:
  Database() = default;
  // The non-template core of transact(): begin, run, commit or roll back, retry where the backend allows.
  virtual Status run_transaction(const std::function<Status(Tx&)>& work) = 0;
  // Runs a whole migration script (several statements, no parameters) within the current transaction.
  virtual Status execute_script(Tx& tx, std::string_view sql) = 0;
};

template <class F>
auto Database::transact(F&& work) -> std::invoke_result_t<F&, Tx&> {
  using R = std::invoke_result_t<F&, Tx&>;
  if constexpr (std::is_same_v<R, Status>) {
    return run_transaction([&work](Tx& tx) -> Status { return work(tx); });
  } else {
    using T = typename detail::TransactResult<R>::value_type;
    std::optional<T> produced;
    Status status = run_transaction([&work, &produced](Tx& tx) -> Status {
      produced.reset();  // a retried attempt starts afresh
      R result = work(tx);
      if (!result.ok()) return std::move(result).error();
      produced.emplace(std::move(result).value());
      return {};
    });
    if (!status.ok()) return R(std::move(status).error());
    return R(std::move(*produced));
  }
}

}  // namespace firma::store
