// Service configuration: typed settings filled from defaults, a file, the environment and flags.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace firma {

struct HsmConfig {
  std::string module;               // PKCS#11 module path; empty: the embedded SoftHSM2 token
  std::string token_label = "firma";
  std::string pin_file;             // file holding the user PIN
  std::string pin_env;              // or: name of an environment variable holding it
  std::size_t sessions = 8;         // size of the session pool
};

struct DatabaseConfig {
  std::string url;                  // "postgresql://..." or "sqlite:PATH"; empty: DATA_DIR/firma.db
  std::size_t pool_size = 8;
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  std::string public_url;           // base of confirm_url and AIA links; empty: http://LISTEN
  std::string tls_cert;             // PEM files; both set: HTTPS
  std::string tls_key;
  std::size_t threads = 4;
  std::size_t max_body_bytes = 16 * 1024 * 1024;
};

struct Config {
  std::string data_dir = "./var";
  std::string log_level = "info";
  HsmConfig hsm;
  DatabaseConfig database;
  ServerConfig server;
};

// Sets one key ("hsm.module", "server.listen", ...). Unknown keys and bad values are errors.
Status apply_setting(Config& config, std::string_view key, std::string_view value);

// Reads `key = value` lines (# comments, blank lines). Errors name the file and line.
Status apply_config_file(Config& config, const std::string& path);

// Reads FIRMA_<KEY> variables, the key upper-cased with dots as underscores (FIRMA_HSM_MODULE).
Status apply_environment(Config& config, char** environ);

// Every key the configuration knows, for --help and documentation.
std::vector<std::string_view> config_keys();

}  // namespace firma
