// Every setting of firmad: its own (data_dir, log.level) and each module's, read from a file, the environment
// and flags.
#pragma once

#include <string>

#include "api/csc/settings.h"
#include "api/http/settings.h"
#include "certs/settings.h"
#include "core/config.h"
#include "hsm/settings.h"
#include "identity/settings.h"
#include "signer/settings.h"
#include "store/settings.h"

namespace firma::app {

struct Settings {
  std::string data_dir = "./var";
  std::string log_level = "info";
  hsm::Settings hsm;
  store::Settings database;
  api::Settings server;
  certs::Settings pki;
  certs::TimestampSettings timestamp;
  identity::PasswordSettings password;
  identity::OtpSettings otp;
  identity::SmsSettings sms;
  identity::RateLimitSettings rate_limit;
  signer::Settings signing;
  api::csc::Settings csc;
};

// Every key, bound to `settings` (which must outlive the registry).
config::Registry settings_registry(Settings& settings);

}  // namespace firma::app
