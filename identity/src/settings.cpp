// The password.*, otp.*, sms.* and rate_limit.* keys.
#include "identity/settings.h"

namespace firma::identity {

const config::Keys<PasswordSettings>& password_setting_keys() {
  using S = PasswordSettings;
  static const config::Keys<S> keys = {
      config::count("password.argon2_memory_kib", &S::argon2_memory_kib, 8, 4u << 20),
      config::count("password.argon2_iterations", &S::argon2_iterations, 1, 100),
      config::count("password.argon2_parallelism", &S::argon2_parallelism, 1, 16),
      config::count("password.validity_days", &S::validity_days, 1, 3650),
  };
  return keys;
}

const config::Keys<OtpSettings>& otp_setting_keys() {
  using S = OtpSettings;
  static const config::Keys<S> keys = {
      config::count("otp.digits", &S::digits, 6, 8),
      config::count("otp.ttl_seconds", &S::ttl_seconds, 30, 3600),
      config::count("otp.max_attempts", &S::max_attempts, 1, 10),
      config::count("otp.resend_cooldown_seconds", &S::resend_cooldown_seconds, 0, 3600),
      config::count("otp.max_wrong_per_citizen_per_hour", &S::max_wrong_per_citizen_per_hour, 1, 1000),
  };
  return keys;
}

const config::Keys<SmsSettings>& sms_setting_keys() {
  using S = SmsSettings;
  static const config::Keys<S> keys = {
      config::one_of("sms.gateway", &S::gateway, {"outbox", "kannel", "http"}),
      config::one_of("sms.outbox_on_shared_database", &S::outbox_on_shared_database, {"refuse", kOutboxRiskAccepted}),
      config::text("sms.from", &S::from),
      config::count("sms.timeout_seconds", &S::timeout_seconds, 1, 300),
      config::text("sms.kannel.url", &S::kannel_url),
      config::text("sms.kannel.username", &S::kannel_username),
      config::text("sms.kannel.password_file", &S::kannel_password_file),
      config::text("sms.kannel.password_env", &S::kannel_password_env),
      config::text("sms.http.url", &S::http_url),
      config::one_of("sms.http.method", &S::http_method, {"POST", "PUT", "GET"}),
      config::one_of("sms.http.format", &S::http_format, {"form", "json", "query"}),
      config::text("sms.http.body", &S::http_body),
      config::one_of("sms.http.auth", &S::http_auth, {"none", "basic", "bearer"}),
      config::text("sms.http.username", &S::http_username),
      config::text("sms.http.secret_file", &S::http_secret_file),
      config::text("sms.http.secret_env", &S::http_secret_env),
  };
  return keys;
}

const config::Keys<RateLimitSettings>& rate_limit_setting_keys() {
  using S = RateLimitSettings;
  static const config::Keys<S> keys = {
      config::count("rate_limit.per_nif.burst", &S::per_nif_burst, 1, 1'000'000),
      config::count("rate_limit.per_nif.per_hour", &S::per_nif_per_hour, 1, 100'000'000),
      config::count("rate_limit.per_address.burst", &S::per_address_burst, 1, 1'000'000),
      config::count("rate_limit.per_address.per_hour", &S::per_address_per_hour, 1, 100'000'000),
      config::text("rate_limit.address_header", &S::address_header),
  };
  return keys;
}

}  // namespace firma::identity
