// The PostgreSQL backend (libpq): a pool of connections, statements prepared once per connection, retried work.
#include <libpq-fe.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>

#include "backends.h"
#include "core/log.h"
#include "pool.h"
#include "store/database.h"

namespace firma::store {
namespace {

constexpr auto pool_wait_limit = std::chrono::seconds(30);
// A serialization failure or deadlock reruns the whole work; beyond this many attempts the error is returned.
constexpr int max_attempts = 5;
constexpr std::size_t statement_cache_limit = 1000;
// Type OIDs from the server's catalogue (src/include/catalog/pg_type.dat); stable across versions.
constexpr Oid bool_oid = 16, bytea_oid = 17, int8_oid = 20, int2_oid = 21, int4_oid = 23, oid_oid = 26;

struct ConnectionCloser {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
struct ResultClearer {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
struct ConninfoFreer {
  void operator()(PQconninfoOption* options) const noexcept { PQconninfoFree(options); }
};
using ConnectionHandle = std::unique_ptr<PGconn, ConnectionCloser>;
using ResultHandle = std::unique_ptr<PGresult, ResultClearer>;

void ignore_notice(void*, const char*) {}  // NOTICEs ("... already exists, skipping") are not the service's log

std::string first_line(std::string_view text) {
  return one_line(text.substr(0, text.find('\n')));
}

// A failed call, translated once: what to tell the caller, and what the transaction loop must do about it.
struct Failure {
  Error error;
  bool retryable = false;        // SQLSTATE 40001 serialization_failure, 40P01 deadlock_detected
  bool connection_lost = false;  // the connection is unusable: discard it
};

// SQLSTATE codes: PostgreSQL documentation, Appendix A "PostgreSQL Error Codes".
Failure translate(PGconn* conn, const PGresult* result) {
  if (PQstatus(conn) == CONNECTION_BAD)
    return {make_error(ErrorCode::unavailable, "PostgreSQL connection lost: " + first_line(PQerrorMessage(conn))),
            false, true};
  if (result == nullptr)
    return {make_error(ErrorCode::unavailable, "PostgreSQL: " + first_line(PQerrorMessage(conn))), false, false};
  const char* sqlstate_field = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string sqlstate = sqlstate_field == nullptr ? "" : sqlstate_field;
  const char* primary_field = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  // Only the primary message: DETAIL repeats the offending row's values ("Key (name)=(alice) already exists").
  const std::string primary = one_line(primary_field != nullptr ? primary_field : PQresultErrorMessage(result));
  const std::string message = "PostgreSQL: " + primary + " (SQLSTATE " + sqlstate + ")";
  const std::string_view category = std::string_view(sqlstate).substr(0, 2);
  if (sqlstate == "23505") return {make_error(ErrorCode::conflict, message)};
  if (sqlstate == "40001" || sqlstate == "40P01") return {make_error(ErrorCode::unavailable, message), true, false};
  if (category == "08" || category == "53" || category == "57")  // connection, resources, operator intervention
    return {make_error(ErrorCode::unavailable, message), false, PQstatus(conn) == CONNECTION_BAD};
  if (category == "22")  // data exceptions quote the rejected value, which may be a secret
    return {make_error(ErrorCode::internal, "PostgreSQL rejected a parameter value (SQLSTATE " + sqlstate + ")")};
  return {make_error(ErrorCode::internal, message)};
}

bool succeeded(const PGresult* result) {
  const auto status = PQresultStatus(result);
  return result != nullptr && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK);
}

std::optional<std::int64_t> parse_integer(const char* text, int length) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text, text + length, value);
  if (error != std::errc{} || end != text + length) return std::nullopt;
  return value;
}

// Results arrive in text format; the column's type says how to read it back into a Value.
Value column_value(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column)) return nullptr;
  const char* text = PQgetvalue(result, row, column);
  const int length = PQgetlength(result, row, column);
  switch (PQftype(result, column)) {
    case int8_oid:
    case int4_oid:
    case int2_oid:
    case oid_oid:
      if (auto number = parse_integer(text, length)) return *number;
      break;
    case bool_oid: return static_cast<std::int64_t>(length > 0 && text[0] == 't' ? 1 : 0);
    case bytea_oid: {
      std::size_t size = 0;
      unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
      if (raw == nullptr) break;
      Bytes bytes(raw, raw + size);
      PQfreemem(raw);
      return bytes;
    }
    default: break;
  }
  return std::string(text, static_cast<std::size_t>(length));
}

class PgConnection {
 public:
  explicit PgConnection(ConnectionHandle conn) : conn_(std::move(conn)) {}
  PGconn* get() const noexcept { return conn_.get(); }
  bool broken() const noexcept { return PQstatus(conn_.get()) == CONNECTION_BAD; }

  struct Prepared {
    std::string name;
    int parameters = 0;
  };

  // The statement for this text, prepared on this connection on first use (PQprepare, then PQdescribePrepared to
  // learn how many parameters it takes, so that a count mismatch is our error rather than a protocol violation).
  // Prepared statements outlive transactions, rolled back or not.
  std::variant<const Prepared*, Failure> prepare(std::string_view sql) {
    std::string text(sql);
    auto found = statements_.find(text);
    if (found != statements_.end()) return &found->second;
    if (statements_.size() >= statement_cache_limit) {
      ResultHandle deallocated = exec("DEALLOCATE ALL");
      if (!succeeded(deallocated.get())) return translate(conn_.get(), deallocated.get());
      statements_.clear();
    }
    Prepared prepared{"firma_" + std::to_string(next_name_++), 0};
    ResultHandle made(PQprepare(conn_.get(), prepared.name.c_str(), text.c_str(), 0, nullptr));
    if (!succeeded(made.get())) return translate(conn_.get(), made.get());
    ResultHandle described(PQdescribePrepared(conn_.get(), prepared.name.c_str()));
    if (!succeeded(described.get())) return translate(conn_.get(), described.get());
    prepared.parameters = PQnparams(described.get());
    return &statements_.emplace(std::move(text), std::move(prepared)).first->second;
  }

  ResultHandle exec(const char* sql) { return ResultHandle(PQexec(conn_.get(), sql)); }

 private:
  ConnectionHandle conn_;
  std::unordered_map<std::string, Prepared> statements_;
  unsigned long next_name_ = 0;
};

class PgTx final : public Tx {
 public:
  explicit PgTx(PgConnection& connection) : connection_(connection) {}

  Result<std::vector<Row>> query(std::string_view sql, std::vector<Value> params) override {
    std::vector<Row> rows;
    auto status = run(sql, params, &rows);
    if (!status.ok()) return std::move(status).error();
    return rows;
  }

  Backend backend() const noexcept override { return Backend::postgresql; }

  Result<std::int64_t> execute(std::string_view sql, std::vector<Value> params) override {
    auto status = run(sql, params, nullptr);
    if (!status.ok()) return std::move(status).error();
    return affected_;
  }

  // Several statements, no parameters: the simple query protocol, within the open transaction.
  Status execute_script(std::string_view sql) {
    if (auto refused = refuse_if_failed(); !refused.ok()) return refused;
    const std::string text(sql);
    ResultHandle result = connection_.exec(text.c_str());
    if (!succeeded(result.get())) return fail(translate(connection_.get(), result.get()));
    return {};
  }

  const std::optional<Error>& first_error() const noexcept { return first_error_; }
  bool retryable() const noexcept { return retryable_; }

 private:
  Status refuse_if_failed() const {
    if (first_error_) return make_error(first_error_->code, "the transaction already failed: " + first_error_->message);
    return {};
  }

  Status fail(Failure failure) {
    retryable_ = retryable_ || failure.retryable;
    if (!first_error_) first_error_ = failure.error;
    return std::move(failure.error);
  }

  Status run(std::string_view sql, const std::vector<Value>& params, std::vector<Row>* rows) {
    if (auto refused = refuse_if_failed(); !refused.ok()) return refused;
    auto prepared = connection_.prepare(sql);
    if (auto* failure = std::get_if<Failure>(&prepared)) return fail(std::move(*failure));
    const auto* statement = std::get<const PgConnection::Prepared*>(prepared);
    if (statement->parameters != static_cast<int>(params.size()))
      return fail(
          {make_error(ErrorCode::internal, "PostgreSQL: the statement takes " + std::to_string(statement->parameters) +
                                               " parameters, " + std::to_string(params.size()) + " given")});

    // Integers and text go as text (the server converts to the column's type, e.g. BIGINT or a 0/1 boolean),
    // bytes as binary (format 1: no escaping, NUL bytes allowed). A null pointer is SQL NULL.
    static const char empty = '\0';
    std::vector<std::string> numbers;
    numbers.reserve(params.size());  // no reallocation: values point into it
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<int> lengths(params.size(), 0);
    std::vector<int> formats(params.size(), 0);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Value& param = params[i];
      if (const auto* number = std::get_if<std::int64_t>(&param)) {
        values[i] = numbers.emplace_back(std::to_string(*number)).c_str();
      } else if (const auto* text = std::get_if<std::string>(&param)) {
        if (text->find('\0') != std::string::npos)
          return fail({make_error(ErrorCode::invalid_request,
                                  "text parameter $" + std::to_string(i + 1) + " contains a NUL character")});
        values[i] = text->c_str();
      } else if (const auto* bytes = std::get_if<Bytes>(&param)) {
        values[i] = bytes->empty() ? &empty : reinterpret_cast<const char*>(bytes->data());
        lengths[i] = static_cast<int>(bytes->size());
        formats[i] = 1;
      }
    }
    ResultHandle result(PQexecPrepared(connection_.get(), statement->name.c_str(), static_cast<int>(params.size()),
                                       values.data(), lengths.data(), formats.data(), 0));
    if (!succeeded(result.get())) return fail(translate(connection_.get(), result.get()));
    if (rows != nullptr && PQresultStatus(result.get()) == PGRES_TUPLES_OK) {
      const int row_count = PQntuples(result.get());
      const int columns = PQnfields(result.get());
      rows->reserve(static_cast<std::size_t>(row_count));
      for (int r = 0; r < row_count; ++r) {
        std::vector<Value> row;
        row.reserve(static_cast<std::size_t>(columns));
        for (int c = 0; c < columns; ++c) row.push_back(column_value(result.get(), r, c));
        rows->emplace_back(std::move(row));
      }
    }
    const char* affected = PQcmdTuples(result.get());  // "" for statements that change no rows
    affected_ = parse_integer(affected, static_cast<int>(std::strlen(affected))).value_or(0);
    return {};
  }

  PgConnection& connection_;
  std::optional<Error> first_error_;
  bool retryable_ = false;
  std::int64_t affected_ = 0;
};

// Where the URL points, for messages: host:port/dbname, never the user's password.
Result<std::string> describe(const std::string& url) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoFreer> options(PQconninfoParse(url.c_str(), &error));
  if (options == nullptr) {
    std::string reason = error != nullptr ? first_line(error) : "out of memory";
    PQfreemem(error);
    // libpq quotes the offending part of the URL, which may be the password: keep the words, drop the quotes.
    std::string redacted;
    bool quoted = false;
    for (char c : reason) {
      if (c == '"') {
        if (!quoted) redacted += "\"...\"";
        quoted = !quoted;
      } else if (!quoted) {
        redacted += c;
      }
    }
    return make_error(ErrorCode::invalid_request, "malformed PostgreSQL URL: " + redacted);
  }
  std::string host, port, dbname;
  for (auto* option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const std::string_view keyword = option->keyword;
    if (keyword == "host" || (keyword == "hostaddr" && host.empty())) host = option->val;
    if (keyword == "port") port = option->val;
    if (keyword == "dbname") dbname = option->val;
  }
  return (host.empty() ? std::string("localhost") : host) + ":" + (port.empty() ? "5432" : port) + "/" + dbname;
}

Result<std::unique_ptr<PgConnection>> connect(const std::string& url, const std::string& where) {
  // Keywords are applied in order and the URL (expand_dbname) overrides those before it: our defaults for the
  // connect timeout and application name yield to the URL; the client encoding does not.
  const char* const keywords[] = {"connect_timeout", "application_name", "dbname", "client_encoding", nullptr};
  const char* const values[] = {"5", "firma", url.c_str(), "UTF8", nullptr};
  ConnectionHandle conn(PQconnectdbParams(keywords, values, 1));
  if (conn == nullptr) return make_error(ErrorCode::unavailable, "cannot connect to PostgreSQL at " + where);
  if (PQstatus(conn.get()) != CONNECTION_OK)
    return make_error(ErrorCode::unavailable,
                      "cannot connect to PostgreSQL at " + where + ": " + first_line(PQerrorMessage(conn.get())));
  PQsetNoticeProcessor(conn.get(), ignore_notice, nullptr);
  return std::make_unique<PgConnection>(std::move(conn));
}

class PostgresBackend final : public Database {
 public:
  using Pool = ConnectionPool<PgConnection>;

  PostgresBackend(std::string url, std::string where, std::size_t pool_size)
      : url_(std::move(url)),
        where_(std::move(where)),
        capacity_(pool_size),
        pool_(
            pool_size, [this] { return connect(url_, where_); },
            std::chrono::duration_cast<std::chrono::milliseconds>(pool_wait_limit)) {}

  Status start() {
    auto first = connect(url_, where_);
    if (!first.ok()) return std::move(first).error();
    pool_.adopt(std::move(first).value());
    return {};
  }

  Backend backend() const noexcept override { return Backend::postgresql; }

  Status ping() override {
    auto lease = live_lease([](PgConnection& connection) {
      ResultHandle result = connection.exec("SELECT 1");
      if (succeeded(result.get())) return std::optional<Failure>{};
      return std::optional<Failure>{translate(connection.get(), result.get())};
    });
    if (!lease.ok()) return std::move(lease).error();
    return {};
  }

 protected:
  Status run_transaction(const std::function<Status(Tx&)>& work) override {
    NestedTransactionGuard guard(this);
    if (guard.nested())
      return make_error(ErrorCode::internal, "transact() called inside a transaction of the same database");
    for (int attempt = 1;; ++attempt) {
      // READ COMMITTED (the server's default): each statement sees what committed before it, and an UPDATE
      // waits for the row lock and then sees the committed row, which is what serialised counters rely on.
      auto begun = live_lease([](PgConnection& connection) {
        ResultHandle result = connection.exec("BEGIN");
        if (succeeded(result.get())) return std::optional<Failure>{};
        return std::optional<Failure>{translate(connection.get(), result.get())};
      });
      if (!begun.ok()) return std::move(begun).error();
      Pool::Lease lease = std::move(begun).value();
      PgTx tx(*lease);
      Status status;
      try {
        status = work(tx);
      } catch (...) {
        roll_back(lease);
        throw;
      }
      if (status.ok() && tx.first_error()) status = *tx.first_error();
      bool retryable = tx.retryable();
      if (status.ok()) {
        ResultHandle committed = lease->exec("COMMIT");
        // COMMIT of a transaction that had failed answers "ROLLBACK", without an error.
        if (succeeded(committed.get()) && std::string_view(PQcmdStatus(committed.get())) == "COMMIT") return {};
        if (succeeded(committed.get()))
          return make_error(ErrorCode::internal, "PostgreSQL rolled the transaction back");
        Failure failure = translate(lease->get(), committed.get());
        if (failure.connection_lost) lease.discard();
        retryable = failure.retryable;
        status = std::move(failure.error);
        // A commit that failed ends the transaction; nothing to roll back.
      } else {
        roll_back(lease);
      }
      if (!retryable || attempt >= max_attempts) return status;
      log::info("store.transaction_retry", {{"attempt", attempt}, {"reason", status.error().message}});
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));  // let the other transaction finish
    }
  }

  Status execute_script(Tx& tx, std::string_view sql) override {
    // Only ever given the Tx that run_transaction created.
    return static_cast<PgTx&>(tx).execute_script(sql);
  }

 private:
  // A leased connection on which `first` (BEGIN, SELECT 1) succeeded. An idle connection may have died since it
  // was last used (server restart, idle timeout): it is discarded and the next one tried, up to a fresh one,
  // whose failure is the answer.
  template <class First>
  Result<Pool::Lease> live_lease(First first) {
    for (std::size_t tries = 0;; ++tries) {
      auto acquired = pool_.acquire();
      if (!acquired.ok()) return std::move(acquired).error();
      Pool::Lease lease = std::move(acquired).value();
      auto failure = first(*lease);
      if (!failure) return lease;
      if (!lease->broken()) return std::move(failure->error);
      lease.discard();
      if (lease.fresh() || tries >= capacity_) return std::move(failure->error);
      log::warn("store.reconnect", {{"backend", "postgresql"}, {"reason", failure->error.message}});
    }
  }

  static void roll_back(Pool::Lease& lease) {
    if (lease->broken()) {
      lease.discard();
      return;
    }
    ResultHandle result = lease->exec("ROLLBACK");
    if (!succeeded(result.get()) || lease->broken()) lease.discard();
  }

  std::string url_;    // may hold the password: never in a message
  std::string where_;  // host:port/dbname, for messages
  std::size_t capacity_;
  Pool pool_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_postgresql(const std::string& url, std::size_t pool_size) {
  auto where = describe(url);
  if (!where.ok()) return std::move(where).error();
  auto database = std::make_unique<PostgresBackend>(url, std::move(where).value(), pool_size);
  if (auto started = database->start(); !started.ok()) return std::move(started).error();
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace firma::store
