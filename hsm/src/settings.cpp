// The hsm.* keys.
#include "hsm/settings.h"

namespace firma::hsm {

const config::Keys<Settings>& setting_keys() {
  static const config::Keys<Settings> keys = {
      config::text("hsm.module", &Settings::module),
      config::text("hsm.token_label", &Settings::token_label),
      config::text("hsm.pin_file", &Settings::pin_file),
      config::text("hsm.pin_env", &Settings::pin_env),
      config::count("hsm.sessions", &Settings::sessions, 1, 256),
      config::one_of("hsm.key_custody", &Settings::key_custody, {"token", "wrapped"}),
      config::count("hsm.unwrapped_cache", &Settings::unwrapped_cache, 0, 100000),
  };
  return keys;
}

}  // namespace firma::hsm
