// The hsm.* settings: which PKCS#11 module and token, where the PIN comes from, how many sessions.
#pragma once

#include <cstddef>
#include <string>

#include "core/config.h"

namespace firma::hsm {

struct Settings {
  std::string module;  // PKCS#11 module path; empty: the embedded SoftHSM2 token
  std::string token_label = "firma";
  std::string pin_file;      // file holding the user PIN
  std::string pin_env;       // or: name of an environment variable holding it
  std::size_t sessions = 8;  // size of the session pool
};

// hsm.module, hsm.token_label, hsm.pin_file, hsm.pin_env, hsm.sessions.
const config::Keys<Settings>& setting_keys();

}  // namespace firma::hsm
