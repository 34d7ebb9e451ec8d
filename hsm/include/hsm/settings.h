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
  // Where citizens' keys live: "token" (a key pair object per citizen on the token) or "wrapped" (in the database,
  // wrapped under a key-encryption key that never leaves the token; see ARCHITECTURE.md "Embedded default and
  // scale"). A citizen's next key follows it; keys made under the other mode stay usable.
  std::string key_custody = "token";
  // Wrapped mode: unwrapped keys kept on the token (session objects, sensitive, never extractable) between
  // signatures: a citizen signing a batch unwraps once (about 1,000 unwraps + signatures per second against 10,000
  // signatures with a kept key, SoftHSM2 2.6, EC P-256).
  std::size_t unwrapped_cache = 64;
};

// hsm.module, hsm.token_label, hsm.pin_file, hsm.pin_env, hsm.sessions, hsm.key_custody, hsm.unwrapped_cache.
const config::Keys<Settings>& setting_keys();

}  // namespace firma::hsm
