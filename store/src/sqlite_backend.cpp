// The SQLite backend: the embedded default, one file in WAL mode, a pool of connections with cached statements.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>

#include "backends.h"
#include "pool.h"
#include "store/database.h"

namespace firma::store {
namespace {

// Writers queue this long for the write lock (BEGIN IMMEDIATE) before giving up with `unavailable`.
constexpr int busy_timeout_ms = 30'000;
constexpr auto pool_wait_limit = std::chrono::seconds(30);
// Statements are the fixed texts of the repositories; the bound only guards against a caller building SQL.
constexpr std::size_t statement_cache_limit = 1000;

struct DatabaseCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};
using DatabaseHandle = std::unique_ptr<sqlite3, DatabaseCloser>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// Extended result codes (sqlite3_extended_result_codes is on) to the project's error vocabulary.
Error translate(int code, sqlite3* db) {
  const std::string message = "SQLite: " + one_line(db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code));
  if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
    return make_error(ErrorCode::conflict, message);
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL: return make_error(ErrorCode::unavailable, message);
    default: return make_error(ErrorCode::internal, message);
  }
}

class SqliteConnection {
 public:
  explicit SqliteConnection(DatabaseHandle db) : db_(std::move(db)) {}
  sqlite3* db() const noexcept { return db_.get(); }

  // The cached statement for this text, prepared on first use (SQLITE_PREPARE_PERSISTENT: it lives long).
  Result<sqlite3_stmt*> prepare(std::string_view sql) {
    auto found = statements_.find(std::string(sql));
    if (found != statements_.end()) return found->second.get();
    if (statements_.size() >= statement_cache_limit) statements_.clear();
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw, &tail);
    StatementHandle statement(raw);
    if (rc != SQLITE_OK) return translate(sqlite3_extended_errcode(db_.get()), db_.get());
    if (statement == nullptr) return make_error(ErrorCode::internal, "SQLite: empty statement");
    const auto rest = tail == nullptr ? std::string_view{} : sql.substr(static_cast<std::size_t>(tail - sql.data()));
    if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos)
      return make_error(ErrorCode::internal, "SQLite: one statement at a time (Tx::query/execute)");
    return statements_.emplace(std::string(sql), std::move(statement)).first->second.get();
  }

  // Runs a statement without parameters or rows (BEGIN, COMMIT, ROLLBACK).
  Status run(std::string_view sql) {
    auto statement = prepare(sql);
    if (!statement.ok()) return std::move(statement).error();
    const int rc = sqlite3_step(*statement);
    sqlite3_reset(*statement);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return translate(sqlite3_extended_errcode(db_.get()), db_.get());
    return {};
  }

 private:
  // Declared before the statements: the map is destroyed first, finalizing them before the database closes.
  DatabaseHandle db_;
  std::unordered_map<std::string, StatementHandle> statements_;
};

// Puts a statement back in its reusable state (and releases the parameter buffers it points into).
class StatementReset {
 public:
  explicit StatementReset(sqlite3_stmt* statement) noexcept : statement_(statement) {}
  ~StatementReset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  StatementReset(const StatementReset&) = delete;
  StatementReset& operator=(const StatementReset&) = delete;

 private:
  sqlite3_stmt* statement_;
};

Status bind(sqlite3_stmt* statement, const std::vector<Value>& params) {
  const int expected = sqlite3_bind_parameter_count(statement);
  if (expected != static_cast<int>(params.size()))
    return make_error(ErrorCode::internal, "SQLite: the statement takes " + std::to_string(expected) + " parameters, " +
                                               std::to_string(params.size()) + " given");
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string name = "$" + std::to_string(i + 1);
    const int index = sqlite3_bind_parameter_index(statement, name.c_str());
    if (index == 0) return make_error(ErrorCode::internal, "SQLite: the statement has no parameter " + name);
    int rc = SQLITE_OK;
    const Value& param = params[i];
    if (std::holds_alternative<std::nullptr_t>(param)) {
      rc = sqlite3_bind_null(statement, index);
    } else if (const auto* number = std::get_if<std::int64_t>(&param)) {
      rc = sqlite3_bind_int64(statement, index, *number);
    } else if (const auto* text = std::get_if<std::string>(&param)) {
      // PostgreSQL text cannot hold NUL; refusing it here too keeps the backends alike.
      if (text->find('\0') != std::string::npos)
        return make_error(ErrorCode::invalid_request, "text parameter " + name + " contains a NUL character");
      rc = sqlite3_bind_text64(statement, index, text->data(), text->size(), SQLITE_STATIC, SQLITE_UTF8);
    } else {
      const auto& bytes = std::get<Bytes>(param);
      // An empty vector may have no buffer, and a null pointer would bind NULL rather than an empty blob.
      rc = bytes.empty() ? sqlite3_bind_zeroblob(statement, index, 0)
                         : sqlite3_bind_blob64(statement, index, bytes.data(), bytes.size(), SQLITE_STATIC);
    }
    if (rc != SQLITE_OK) return translate(rc, sqlite3_db_handle(statement));
  }
  return {};
}

Value column_value(sqlite3_stmt* statement, int column) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_NULL: return nullptr;
    case SQLITE_INTEGER: return static_cast<std::int64_t>(sqlite3_column_int64(statement, column));
    case SQLITE_BLOB: {
      const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement, column));
      const int size = sqlite3_column_bytes(statement, column);
      return data == nullptr ? Bytes{} : Bytes(data, data + size);
    }
    default: {  // TEXT, and FLOAT as its text (the schema has no floating point)
      const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
      const int size = sqlite3_column_bytes(statement, column);
      return data == nullptr ? std::string{} : std::string(data, static_cast<std::size_t>(size));
    }
  }
}

class SqliteTx final : public Tx {
 public:
  explicit SqliteTx(SqliteConnection& connection) : connection_(connection) {}

  Result<std::vector<Row>> query(std::string_view sql, std::vector<Value> params) override {
    std::vector<Row> rows;
    auto status = run(sql, params, &rows);
    if (!status.ok()) return std::move(status).error();
    return rows;
  }

  Backend backend() const noexcept override { return Backend::sqlite; }

  Result<std::int64_t> execute(std::string_view sql, std::vector<Value> params) override {
    auto status = run(sql, params, nullptr);
    if (!status.ok()) return std::move(status).error();
    return changes_;
  }

  Status execute_script(std::string_view sql) {
    const std::string text(sql);
    char* message = nullptr;
    const int rc = sqlite3_exec(connection_.db(), text.c_str(), nullptr, nullptr, &message);
    sqlite3_free(message);  // sqlite3_errmsg below says the same
    if (rc != SQLITE_OK) return fail(translate(sqlite3_extended_errcode(connection_.db()), connection_.db()));
    return {};
  }

  const std::optional<Error>& first_error() const noexcept { return first_error_; }

 private:
  Status fail(Error error) {
    if (!first_error_) first_error_ = error;
    return error;
  }

  Status run(std::string_view sql, const std::vector<Value>& params, std::vector<Row>* rows) {
    if (first_error_) return make_error(first_error_->code, "the transaction already failed: " + first_error_->message);
    auto prepared = connection_.prepare(sql);
    if (!prepared.ok()) return fail(std::move(prepared).error());
    sqlite3_stmt* statement = *prepared;
    StatementReset reset(statement);
    if (auto bound = bind(statement, params); !bound.ok()) return fail(std::move(bound).error());
    const int columns = sqlite3_column_count(statement);
    for (;;) {
      const int rc = sqlite3_step(statement);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return fail(translate(sqlite3_extended_errcode(connection_.db()), connection_.db()));
      if (rows == nullptr) continue;
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) values.push_back(column_value(statement, c));
      rows->emplace_back(std::move(values));
    }
    changes_ = sqlite3_stmt_readonly(statement) ? 0 : sqlite3_changes64(connection_.db());
    return {};
  }

  SqliteConnection& connection_;
  std::optional<Error> first_error_;
  std::int64_t changes_ = 0;
};

Result<std::unique_ptr<SqliteConnection>> connect(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  DatabaseHandle db(raw);
  if (rc != SQLITE_OK)
    return make_error(ErrorCode::unavailable, "cannot open SQLite database " + path + ": " +
                                                  one_line(db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  auto connection = std::make_unique<SqliteConnection>(std::move(db));
  // WAL: readers never block the writer; NORMAL is durable in WAL mode except for the last commits on power loss.
  for (const char* pragma : {"PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL"}) {
    if (auto status = connection->run(pragma); !status.ok())
      return make_error(ErrorCode::unavailable, "cannot open SQLite database " + path + ": " + status.error().message);
  }
  return connection;
}

class SqliteBackend final : public Database {
 public:
  SqliteBackend(std::string path, std::size_t pool_size)
      : path_(std::move(path)),
        pool_(
            pool_size, [this] { return connect(path_); },
            std::chrono::duration_cast<std::chrono::milliseconds>(pool_wait_limit)) {}

  Status start() {
    std::error_code ec;
    const auto directory = std::filesystem::path(path_).parent_path();
    if (!directory.empty() && !std::filesystem::is_directory(directory, ec))
      return make_error(ErrorCode::unavailable, "cannot open SQLite database " + path_ + ": directory " +
                                                    directory.string() + " does not exist");
    // Created here rather than by SQLite so that it is private from the first byte (SQLite gives its -wal and -shm
    // files the same mode).
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
      return make_error(ErrorCode::unavailable, "cannot open SQLite database " + path_ + ": " + std::strerror(errno));
    ::close(fd);
    auto first = connect(path_);
    if (!first.ok()) return std::move(first).error();
    // The journal mode is a property of the file, set once; a file system without shared memory refuses it.
    auto statement = (*first)->prepare("PRAGMA journal_mode = WAL");
    if (!statement.ok()) return make_error(ErrorCode::unavailable, statement.error().message);
    StatementReset reset(*statement);
    const bool wal = sqlite3_step(*statement) == SQLITE_ROW && sqlite3_column_text(*statement, 0) != nullptr &&
                     std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(*statement, 0))) == "wal";
    if (!wal)
      return make_error(ErrorCode::unavailable,
                        "cannot open SQLite database " + path_ + ": the file system does not allow WAL mode");
    pool_.adopt(std::move(first).value());
    return {};
  }

  Backend backend() const noexcept override { return Backend::sqlite; }

  Status ping() override {
    auto lease = pool_.acquire();
    if (!lease.ok()) return std::move(lease).error();
    // Reads the schema page: the file is really there and readable, not merely a handle.
    return (*lease)->run("SELECT count(*) FROM sqlite_schema");
  }

 protected:
  Status run_transaction(const std::function<Status(Tx&)>& work) override {
    NestedTransactionGuard guard(this);
    if (guard.nested())
      return make_error(ErrorCode::internal, "transact() called inside a transaction of the same database");
    auto lease = pool_.acquire();
    if (!lease.ok()) return std::move(lease).error();
    SqliteConnection& connection = **lease;
    // IMMEDIATE takes the write lock now, waiting up to the busy timeout, so two writers never deadlock upgrading
    // read locks (which SQLite would report as SQLITE_BUSY at once, without waiting).
    if (auto begun = connection.run("BEGIN IMMEDIATE"); !begun.ok()) return begun;
    SqliteTx tx(connection);
    Status status;
    try {
      status = work(tx);
    } catch (...) {
      roll_back(*lease);
      throw;
    }
    if (status.ok() && tx.first_error()) status = *tx.first_error();
    if (!status.ok()) {
      roll_back(*lease);
      return status;
    }
    if (auto committed = connection.run("COMMIT"); !committed.ok()) {
      roll_back(*lease);
      return committed;
    }
    return {};
  }

  Status execute_script(Tx& tx, std::string_view sql) override {
    // Only ever given the Tx that run_transaction created.
    return static_cast<SqliteTx&>(tx).execute_script(sql);
  }

 private:
  static void roll_back(ConnectionPool<SqliteConnection>::Lease& lease) {
    // Some errors (SQLITE_FULL, SQLITE_IOERR, ...) end the transaction themselves.
    if (sqlite3_get_autocommit(lease->db()) != 0) return;
    if (!lease->run("ROLLBACK").ok()) lease.discard();
  }

  std::string path_;
  ConnectionPool<SqliteConnection> pool_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const std::string& path, std::size_t pool_size) {
  auto database = std::make_unique<SqliteBackend>(path, pool_size);
  if (auto started = database->start(); !started.ok()) return std::move(started).error();
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace firma::store
