// The two Database backends, opened by Database::open() from the URL's scheme.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/result.h"
#include "store/database.h"

namespace firma::store {

// path: a file in an existing directory (created with mode 0600 when missing).
Result<std::unique_ptr<Database>> open_sqlite(const std::string& path, std::size_t pool_size);
// url: postgresql://... or postgres://...
Result<std::unique_ptr<Database>> open_postgresql(const std::string& url, std::size_t pool_size);

// One line from a driver's message: newlines and tabs folded, surrounding blanks dropped.
std::string one_line(std::string_view text);

}  // namespace firma::store
