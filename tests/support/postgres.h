// The tests' PostgreSQL server (a CTest fixture, tests/postgres.cmake) and a fresh database per test on it.
#pragma once

#include <string>

namespace firma::testing {

// The server's base URL from FIRMA_TEST_POSTGRES_URL, which CTest sets for suites that require the `postgres`
// fixture; empty when the variable is unset (the binary was run by hand, outside CTest).
std::string postgres_url();

// A uniquely named database created for one test and dropped (with any connection left on it) when the object
// goes away, so tests running in parallel never see each other's rows.
class PostgresDatabase {
 public:
  // On failure (no server, no FIRMA_TEST_POSTGRES_URL) ok() is false and error() says why; url() is then empty.
  PostgresDatabase();
  ~PostgresDatabase();
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  // postgresql://...:PORT/<name>
  const std::string& url() const { return url_; }

 private:
  std::string name_;
  std::string url_;
  std::string error_;
};

}  // namespace firma::testing
