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
  std::size_t threads = 64;  // handler threads: a password check waiting at the gate holds one (api/server.h)
  std::size_t max_body_bytes = 12 * 1024 * 1024;  // a whole request (FIRe's sample: 12 MB)
};

// The CA and citizens' certificates (certs/). Algorithms use the hsm spelling: ec-p256, ec-p384, rsa-2048, rsa-3072.
// With root_key_id and issuing_key_id set, firmad uses those keys and the certificates stored beside them on the
// token instead of creating a CA on first start.
struct PkiConfig {
  std::string ca_algorithm = "ec-p384";           // root, issuing CA and OCSP signer keys made on first start
  std::string certificate_algorithm = "ec-p256";  // citizens' keys when the request names none
  std::string organization = "Firma";             // O of the CA names
  std::string country = "ES";                     // C of every name
  std::string root_name = "Firma Root CA";        // CN of the root
  std::string issuing_name = "Firma Citizens CA"; // CN of the issuing CA
  std::size_t root_validity_days = 7305;
  std::size_t issuing_validity_days = 3653;
  std::size_t certificate_validity_days = 730;    // citizens' certificates: two years
  std::size_t renew_before_days = 30;             // a credential this close to expiry is renewed on next use
  std::string policy_oid = "1.3.6.1.4.1.32473.1.1";  // certificatePolicies of citizens' certificates
  std::string base_url;                           // of the AIA and CRL DP links; empty: server.public_url
  std::size_t crl_validity_hours = 24;            // nextUpdate - thisUpdate; a new CRL is made at half-life
  std::string ocsp_signer = "delegated";          // "delegated" (id-kp-OCSPSigning certificate) or "ca"
  std::size_t ocsp_signer_validity_days = 365;
  std::size_t ocsp_validity_seconds = 3600;       // nextUpdate of OCSP answers
  std::size_t maintenance_interval_seconds = 60;  // how often CRL freshness, expiries and the OCSP signer are checked
  std::string root_key_id;                        // existing CA keys on the token (CKA_ID as text)
  std::string issuing_key_id;
};

// Citizens' passwords: Argon2id (RFC 9106) parameters and the Cl@ve validity. Changing the parameters makes
// every login with an older hash rehash it (identity/password_hasher.h).
struct PasswordConfig {
  std::size_t argon2_memory_kib = 19456;  // m, KiB (RFC 9106 section 4, second recommended option: m=19 MiB, t=2)
  std::size_t argon2_iterations = 2;      // t
  std::size_t argon2_parallelism = 1;     // p
  std::size_t validity_days = 365;        // a Cl@ve password is valid for one year
};

// SMS one-time codes (policies/otp_policy.h checks the ranges).
struct OtpConfig {
  std::size_t digits = 6;
  std::size_t ttl_seconds = 300;
  std::size_t max_attempts = 3;
  std::size_t resend_cooldown_seconds = 30;
  // Wrong codes one citizen may type in an hour, across all their challenges and transactions (a new transaction
  // must not bring fresh guesses); past it every answer is refused for a while, the right code included.
  std::size_t max_wrong_per_citizen_per_hour = 10;
};

// The value of sms.outbox_on_shared_database that accepts the outbox on a shared database: it names the risk.
inline constexpr std::string_view kOutboxRiskAccepted = "i-understand-operators-can-read-codes";

// Where SMS go: "outbox" (stored in the database, read by operators), "kannel" (Kannel's sendsms), "http" (a
// generic provider). Secrets (passwords, tokens) come from a file or an environment variable, never the config.
struct SmsConfig {
  std::string gateway = "outbox";
  // The outbox shows every code to whoever may read it: with a shared (PostgreSQL) database firmad refuses it
  // unless this names the risk (kOutboxRiskAccepted).
  std::string outbox_on_shared_database = "refuse";
  std::string from = "Firma";                  // sender id or number
  std::size_t timeout_seconds = 10;
  std::string kannel_url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  std::string kannel_username;
  std::string kannel_password_file;
  std::string kannel_password_env;
  std::string http_url;
  std::string http_method = "POST";            // POST, PUT or GET
  std::string http_format = "form";            // form, json or query: how {to} {from} {text} are escaped
  std::string http_body = "to={to}&from={from}&text={text}";  // template; for query, appended to the URL
  std::string http_auth = "none";              // none, basic or bearer
  std::string http_username;                   // basic
  std::string http_secret_file;                // basic password or bearer token
  std::string http_secret_env;
};

// Token buckets on every public citizen endpoint (the Cl@ve forms' bot protection), shared by all nodes.
struct RateLimitConfig {
  std::size_t per_nif_burst = 10;
  std::size_t per_nif_per_hour = 30;
  std::size_t per_address_burst = 60;
  std::size_t per_address_per_hour = 600;
  std::string address_header;  // e.g. X-Real-IP when a proxy that overwrites it is in front; empty: the peer
};

// Limits of signing transactions (FIRe's sample configuration: 10 documents of 8 MB, 600 s).
struct SigningConfig {
  std::size_t max_documents = 10;
  std::size_t max_document_bytes = 8 * 1024 * 1024;
  std::size_t transaction_lifetime_seconds = 600;
  std::size_t sad_lifetime_seconds = 120;  // between the OTP and the last HSM signature of a confirmation
  // What one xades document may make the XML parser do (more: 413 payload_too_large).
  std::size_t xml_max_attributes = 256;  // per element, namespace declarations included
  std::size_t xml_max_nodes = 1000000;   // elements, attributes, comments and processing instructions
  std::size_t xml_max_depth = 128;       // nesting of elements
  std::size_t xml_max_parse_ms = 5000;   // libxml2's parse of one document
  // How long a confirmation may hold its transaction in `signing`: past it, the upkeep of any node takes the
  // confirming process for dead and fails the transaction. Longer than any real confirmation.
  std::size_t claim_timeout_seconds = 120;
};

struct Config {
  std::string data_dir = "./var";
  std::string log_level = "info";
  HsmConfig hsm;
  DatabaseConfig database;
  ServerConfig server;
  PkiConfig pki;
  PasswordConfig password;
  OtpConfig otp;
  SmsConfig sms;
  RateLimitConfig rate_limit;
  SigningConfig signing;
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
