// The citizens' settings: password.* (Argon2id and validity), otp.* (SMS codes), sms.* (the gateway) and
// rate_limit.* (the token buckets on citizen endpoints).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/config.h"

namespace firma::identity {

// Citizens' passwords: Argon2id (RFC 9106) parameters and the Cl@ve validity. Changing the parameters makes
// every login with an older hash rehash it (identity/password_hasher.h).
struct PasswordSettings {
  std::size_t argon2_memory_kib = 19456;  // m, KiB (RFC 9106 section 4, second recommended option: m=19 MiB, t=2)
  std::size_t argon2_iterations = 2;      // t
  std::size_t argon2_parallelism = 1;     // p
  std::size_t validity_days = 365;        // a Cl@ve password is valid for one year
};

// SMS one-time codes (policies/otp_policy.h checks the ranges).
struct OtpSettings {
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
struct SmsSettings {
  std::string gateway = "outbox";
  // The outbox shows every code to whoever may read it: with a shared (PostgreSQL) database firmad refuses it
  // unless this names the risk (kOutboxRiskAccepted).
  std::string outbox_on_shared_database = "refuse";
  std::string from = "Firma";  // sender id or number
  std::size_t timeout_seconds = 10;
  std::string kannel_url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  std::string kannel_username;
  std::string kannel_password_file;
  std::string kannel_password_env;
  std::string http_url;
  std::string http_method = "POST";                           // POST, PUT or GET
  std::string http_format = "form";                           // form, json or query: how {to} {from} {text} are escaped
  std::string http_body = "to={to}&from={from}&text={text}";  // template; for query, appended to the URL
  std::string http_auth = "none";                             // none, basic or bearer
  std::string http_username;                                  // basic
  std::string http_secret_file;                               // basic password or bearer token
  std::string http_secret_env;
};

// Token buckets on every public citizen endpoint (the Cl@ve forms' bot protection), shared by all nodes.
struct RateLimitSettings {
  std::size_t per_nif_burst = 10;
  std::size_t per_nif_per_hour = 30;
  std::size_t per_address_burst = 60;
  std::size_t per_address_per_hour = 600;
  std::string address_header;  // e.g. X-Real-IP when a proxy that overwrites it is in front; empty: the peer
};

// The keys of each, with their ranges and words.
const config::Keys<PasswordSettings>& password_setting_keys();
const config::Keys<OtpSettings>& otp_setting_keys();
const config::Keys<SmsSettings>& sms_setting_keys();
const config::Keys<RateLimitSettings>& rate_limit_setting_keys();

}  // namespace firma::identity
