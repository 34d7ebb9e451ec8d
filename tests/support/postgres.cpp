// Creates and drops a per-test database on the tests' PostgreSQL server, straight through libpq.
#include "support/postgres.h"

// Spelled with its directory so that this file compiles in every suite, whatever include paths the suite has.
#include <postgresql/libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>

#include "core/random.h"

namespace firma::testing {
namespace {

struct ConnectionCloser {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
struct ResultClearer {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using Connection = std::unique_ptr<PGconn, ConnectionCloser>;
using ResultPtr = std::unique_ptr<PGresult, ResultClearer>;

void ignore_notice(void*, const char*) {}

// Runs one statement that cannot take parameters (CREATE/DROP DATABASE); "" when it succeeded, else the reason.
std::string run_on_server(const std::string& base_url, const std::string& statement) {
  Connection conn{PQconnectdb(base_url.c_str())};
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK)
    return "cannot connect to the test PostgreSQL server: " + std::string(conn ? PQerrorMessage(conn.get()) : "");
  PQsetNoticeProcessor(conn.get(), ignore_notice, nullptr);
  ResultPtr result{PQexec(conn.get(), statement.c_str())};
  if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) return statement + ": " + PQerrorMessage(conn.get());
  return {};
}

// The base URL with its database name replaced: postgresql://user@host:port/postgres?x=y -> .../<name>?x=y
std::string with_database(const std::string& base_url, const std::string& name) {
  const auto scheme_end = base_url.find("://");
  const auto query = base_url.find('?');
  const auto path_end = query == std::string::npos ? base_url.size() : query;
  const auto authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  auto slash = base_url.find('/', authority);
  if (slash == std::string::npos || slash > path_end) slash = path_end;
  return base_url.substr(0, slash) + "/" + name + base_url.substr(path_end);
}

}  // namespace

std::string postgres_url() {
  const char* url = std::getenv("FIRMA_TEST_POSTGRES_URL");
  return url == nullptr ? std::string{} : std::string{url};
}

PostgresDatabase::PostgresDatabase() {
  const std::string base = postgres_url();
  if (base.empty()) {
    error_ = "FIRMA_TEST_POSTGRES_URL is not set: run this suite through ctest, which starts the PostgreSQL fixture";
    return;
  }
  static std::atomic<unsigned> counter{0};
  SystemRandom random;
  name_ = "firma_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + random.hex_token(4);
  error_ = run_on_server(base, "CREATE DATABASE " + name_);
  if (ok()) url_ = with_database(base, name_);
}

PostgresDatabase::~PostgresDatabase() {
  if (ok()) (void)run_on_server(postgres_url(), "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

}  // namespace firma::testing
