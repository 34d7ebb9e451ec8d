// firmad's own keys and the registry of every module's.
#include "settings.h"

namespace firma::app {
namespace {

const config::Keys<Settings>& own_keys() {
  static const config::Keys<Settings> keys = {
      config::text("data_dir", &Settings::data_dir),
      {"log.level",
       [](Settings& s, std::string_view v) -> Status {
         if (v != "debug" && v != "info" && v != "warn" && v != "error")
           return make_error(ErrorCode::invalid_request, "log.level must be debug, info, warn or error");
         s.log_level = std::string(v);
         return {};
       }},
  };
  return keys;
}

}  // namespace

config::Registry settings_registry(Settings& settings) {
  config::Registry registry;
  registry.add(own_keys(), settings);
  registry.add(hsm::setting_keys(), settings.hsm);
  registry.add(store::setting_keys(), settings.database);
  registry.add(api::setting_keys(), settings.server);
  registry.add(certs::setting_keys(), settings.pki);
  registry.add(certs::timestamp_setting_keys(), settings.timestamp);
  registry.add(identity::password_setting_keys(), settings.password);
  registry.add(signer::setting_keys(), settings.signing);
  registry.add(api::csc::setting_keys(), settings.csc);
  registry.add(identity::otp_setting_keys(), settings.otp);
  registry.add(identity::sms_setting_keys(), settings.sms);
  registry.add(identity::rate_limit_setting_keys(), settings.rate_limit);
  return registry;
}

}  // namespace firma::app
