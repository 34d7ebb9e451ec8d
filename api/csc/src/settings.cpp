// The csc.* keys.
#include "api/csc/settings.h"

namespace firma::api::csc {

const config::Keys<Settings>& setting_keys() {
  static const config::Keys<Settings> keys = {
      config::count("csc.sad_lifetime_seconds", &Settings::sad_lifetime_seconds, 10, 3600),
      config::count("csc.multisign", &Settings::multisign, 1, 100000),
      config::count("csc.access_token_lifetime_seconds", &Settings::access_token_lifetime_seconds, 60, 86400),
      config::text("csc.name", &Settings::name),
      config::text("csc.logo", &Settings::logo),
      config::text("csc.region", &Settings::region),
      config::text("csc.lang", &Settings::lang),
      config::text("csc.description", &Settings::description),
  };
  return keys;
}

}  // namespace firma::api::csc
