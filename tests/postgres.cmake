# A private PostgreSQL server for the suites that need one, as a CTest fixture named `postgres`.
#
# A suite opts in with one line:
#   firma_test(my_test SOURCES ... LIBS ... PROPERTIES ${FIRMA_POSTGRES_TEST_PROPERTIES})
# which adds FIXTURES_REQUIRED postgres (CTest runs postgres_start before and postgres_stop after) and puts the
# server's base URL in the test's environment as FIRMA_TEST_POSTGRES_URL (read it with firma::testing::postgres_url(),
# or take a fresh database per test with firma::testing::PostgresDatabase).
#
# The port is fixed per build tree (derived from its path, overridable) so that two build trees on one machine
# running their suites at the same time do not share, or stop, each other's server.
include_guard(GLOBAL)

string(MD5 firma_build_tree_hash "${PROJECT_BINARY_DIR}")
string(SUBSTRING "${firma_build_tree_hash}" 0 3 firma_port_offset_hex)
math(EXPR firma_default_postgres_port "55433 + (0x${firma_port_offset_hex} % 1000)")
set(FIRMA_TEST_POSTGRES_PORT "${firma_default_postgres_port}" CACHE STRING
  "TCP port (127.0.0.1) of the private PostgreSQL server the tests start")
string(SUBSTRING "${firma_build_tree_hash}" 0 12 firma_build_tree_tag)
set(FIRMA_TEST_POSTGRES_DIR "/tmp/firma-postgres-${firma_build_tree_tag}" CACHE PATH
  "Directory of the private PostgreSQL server the tests start (data, socket, log); removed when the tests end")

set(FIRMA_TEST_POSTGRES_URL "postgresql://postgres@127.0.0.1:${FIRMA_TEST_POSTGRES_PORT}/postgres"
  CACHE INTERNAL "Base URL of the tests' PostgreSQL server")
set(FIRMA_POSTGRES_TEST_PROPERTIES
  FIXTURES_REQUIRED postgres
  ENVIRONMENT "FIRMA_TEST_POSTGRES_URL=${FIRMA_TEST_POSTGRES_URL}"
  CACHE INTERNAL "Test properties of a suite that needs the PostgreSQL fixture")

add_test(NAME postgres_start
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/test-postgres.sh start ${FIRMA_TEST_POSTGRES_DIR} ${FIRMA_TEST_POSTGRES_PORT})
add_test(NAME postgres_stop
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/test-postgres.sh stop ${FIRMA_TEST_POSTGRES_DIR} ${FIRMA_TEST_POSTGRES_PORT})
set_tests_properties(postgres_start PROPERTIES FIXTURES_SETUP postgres TIMEOUT 120)
set_tests_properties(postgres_stop PROPERTIES FIXTURES_CLEANUP postgres TIMEOUT 120)

# tests/support/postgres.cpp talks to the server with libpq (to create and drop a database per test). Deferred to the
# end of this directory so that it works wherever this file is included relative to add_subdirectory(support).
cmake_language(DEFER CALL target_link_libraries firma_test_support PRIVATE PkgConfig::LIBPQ)
