// The database.* keys.
#include "store/settings.h"

namespace firma::store {

const config::Keys<Settings>& setting_keys() {
  static const config::Keys<Settings> keys = {
      config::text("database.url", &Settings::url),
      config::count("database.pool_size", &Settings::pool_size, 1, 256),
  };
  return keys;
}

}  // namespace firma::store
