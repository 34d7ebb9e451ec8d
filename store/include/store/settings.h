// The database.* settings: which database and how many connections a node keeps.
#pragma once

#include <cstddef>
#include <string>

#include "core/config.h"

namespace firma::store {

struct Settings {
  std::string url;  // "postgresql://..." or "sqlite:PATH"; empty: DATA_DIR/firma.db
  std::size_t pool_size = 8;
};

// database.url, database.pool_size.
const config::Keys<Settings>& setting_keys();

}  // namespace firma::store
