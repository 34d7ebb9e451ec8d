// The versioned schema migrations embedded at build time, and their per-backend rendering.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/database.h"

namespace firma::store {

struct Migration {
  long version;           // NNNN of store/migrations/NNNN_name.sql
  std::string_view name;  // the file name without .sql
  std::string_view sql;   // the file, verbatim
};

// Every embedded migration, ascending by version (generated from store/migrations/ by CMake).
std::span<const Migration> embedded_migrations() noexcept;

// The SQL for one backend: each {{placeholder}} of store/migrations/README.md replaced by its dialect's text.
// An unknown or unterminated placeholder is an error naming it.
Result<std::string> render_migration(std::string_view sql, Backend backend);

}  // namespace firma::store
