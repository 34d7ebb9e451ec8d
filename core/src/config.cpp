// Configuration keys, parsing and validation. One table: adding a setting is adding a row.
#include "core/config.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>

namespace firma {
namespace {

using Setter = std::function<Status(Config&, std::string_view)>;

struct Key {
  std::string_view name;
  Setter set;
};

Setter text(std::string Config::*field) {
  return [field](Config& c, std::string_view v) -> Status {
    c.*field = std::string(v);
    return {};
  };
}

template <class Section>
Setter text(Section Config::*section, std::string Section::*field) {
  return [section, field](Config& c, std::string_view v) -> Status {
    (c.*section).*field = std::string(v);
    return {};
  };
}

template <class Section>
Setter count(Section Config::*section, std::size_t Section::*field, std::size_t min, std::size_t max) {
  return [=](Config& c, std::string_view v) -> Status {
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || end != v.data() + v.size() || n < min || n > max)
      return make_error(ErrorCode::invalid_request, "expected a whole number from " + std::to_string(min) + " to " +
                                                        std::to_string(max) + ", got '" + std::string(v) + "'");
    (c.*section).*field = n;
    return {};
  };
}

// One of a fixed set of words (sms.gateway, ...).
template <class Section>
Setter one_of(Section Config::*section, std::string Section::*field, std::vector<std::string_view> allowed) {
  return [=](Config& c, std::string_view v) -> Status {
    for (std::string_view a : allowed) {
      if (a != v) continue;
      (c.*section).*field = std::string(v);
      return {};
    }
    std::string words;
    for (std::string_view a : allowed) words += (words.empty() ? "" : ", ") + std::string(a);
    return make_error(ErrorCode::invalid_request, "expected one of " + words + ", got '" + std::string(v) + "'");
  };
}

const std::vector<Key>& keys() {
  static const std::vector<Key> table = {
      {"data_dir", text(&Config::data_dir)},
      {"log.level",
       [](Config& c, std::string_view v) -> Status {
         if (v != "debug" && v != "info" && v != "warn" && v != "error")
           return make_error(ErrorCode::invalid_request, "log.level must be debug, info, warn or error");
         c.log_level = std::string(v);
         return {};
       }},
      {"hsm.module", text(&Config::hsm, &HsmConfig::module)},
      {"hsm.token_label", text(&Config::hsm, &HsmConfig::token_label)},
      {"hsm.pin_file", text(&Config::hsm, &HsmConfig::pin_file)},
      {"hsm.pin_env", text(&Config::hsm, &HsmConfig::pin_env)},
      {"hsm.sessions", count(&Config::hsm, &HsmConfig::sessions, 1, 256)},
      {"database.url", text(&Config::database, &DatabaseConfig::url)},
      {"database.pool_size", count(&Config::database, &DatabaseConfig::pool_size, 1, 256)},
      {"server.listen", text(&Config::server, &ServerConfig::listen)},
      {"server.public_url", text(&Config::server, &ServerConfig::public_url)},
      {"server.tls_cert", text(&Config::server, &ServerConfig::tls_cert)},
      {"server.tls_key", text(&Config::server, &ServerConfig::tls_key)},
      {"server.threads", count(&Config::server, &ServerConfig::threads, 1, 256)},
      {"server.max_body_bytes", count(&Config::server, &ServerConfig::max_body_bytes, 1024, 256u << 20)},
      {"pki.ca_algorithm", text(&Config::pki, &PkiConfig::ca_algorithm)},
      {"pki.certificate_algorithm", text(&Config::pki, &PkiConfig::certificate_algorithm)},
      {"pki.organization", text(&Config::pki, &PkiConfig::organization)},
      {"pki.country", text(&Config::pki, &PkiConfig::country)},
      {"pki.root_name", text(&Config::pki, &PkiConfig::root_name)},
      {"pki.issuing_name", text(&Config::pki, &PkiConfig::issuing_name)},
      {"pki.root_validity_days", count(&Config::pki, &PkiConfig::root_validity_days, 1, 36525)},
      {"pki.issuing_validity_days", count(&Config::pki, &PkiConfig::issuing_validity_days, 1, 36525)},
      {"pki.certificate_validity_days", count(&Config::pki, &PkiConfig::certificate_validity_days, 1, 3653)},
      {"pki.renew_before_days", count(&Config::pki, &PkiConfig::renew_before_days, 0, 365)},
      {"pki.policy_oid", text(&Config::pki, &PkiConfig::policy_oid)},
      {"pki.base_url", text(&Config::pki, &PkiConfig::base_url)},
      {"pki.crl_validity_hours", count(&Config::pki, &PkiConfig::crl_validity_hours, 1, 24 * 365)},
      {"pki.ocsp_signer", text(&Config::pki, &PkiConfig::ocsp_signer)},
      {"pki.ocsp_signer_validity_days", count(&Config::pki, &PkiConfig::ocsp_signer_validity_days, 2, 3653)},
      {"pki.ocsp_validity_seconds", count(&Config::pki, &PkiConfig::ocsp_validity_seconds, 60, 7 * 86400)},
      {"pki.maintenance_interval_seconds", count(&Config::pki, &PkiConfig::maintenance_interval_seconds, 1, 86400)},
      {"pki.root_key_id", text(&Config::pki, &PkiConfig::root_key_id)},
      {"pki.issuing_key_id", text(&Config::pki, &PkiConfig::issuing_key_id)},
      {"password.argon2_memory_kib", count(&Config::password, &PasswordConfig::argon2_memory_kib, 8, 4u << 20)},
      {"password.argon2_iterations", count(&Config::password, &PasswordConfig::argon2_iterations, 1, 100)},
      {"password.argon2_parallelism", count(&Config::password, &PasswordConfig::argon2_parallelism, 1, 16)},
      {"password.validity_days", count(&Config::password, &PasswordConfig::validity_days, 1, 3650)},
      {"signing.max_documents", count(&Config::signing, &SigningConfig::max_documents, 1, 1000)},
      {"signing.max_document_bytes", count(&Config::signing, &SigningConfig::max_document_bytes, 1, 256u << 20)},
      {"signing.transaction_lifetime_seconds",
       count(&Config::signing, &SigningConfig::transaction_lifetime_seconds, 10, 86400)},
      {"signing.sad_lifetime_seconds", count(&Config::signing, &SigningConfig::sad_lifetime_seconds, 10, 3600)},
      {"signing.xml_max_attributes", count(&Config::signing, &SigningConfig::xml_max_attributes, 1, 10000)},
      {"signing.xml_max_nodes", count(&Config::signing, &SigningConfig::xml_max_nodes, 1, 10000000)},
      // Up to 200: libxml2 refuses more than 256 levels by itself, and the signature adds its own.
      {"signing.xml_max_depth", count(&Config::signing, &SigningConfig::xml_max_depth, 1, 200)},
      {"signing.xml_max_parse_ms", count(&Config::signing, &SigningConfig::xml_max_parse_ms, 1, 600000)},
      {"signing.claim_timeout_seconds", count(&Config::signing, &SigningConfig::claim_timeout_seconds, 1, 3600)},
      {"otp.digits", count(&Config::otp, &OtpConfig::digits, 6, 8)},
      {"otp.ttl_seconds", count(&Config::otp, &OtpConfig::ttl_seconds, 30, 3600)},
      {"otp.max_attempts", count(&Config::otp, &OtpConfig::max_attempts, 1, 10)},
      {"otp.resend_cooldown_seconds", count(&Config::otp, &OtpConfig::resend_cooldown_seconds, 0, 3600)},
      {"otp.max_wrong_per_citizen_per_hour", count(&Config::otp, &OtpConfig::max_wrong_per_citizen_per_hour, 1, 1000)},
      {"sms.gateway", one_of(&Config::sms, &SmsConfig::gateway, {"outbox", "kannel", "http"})},
      {"sms.outbox_on_shared_database",
       one_of(&Config::sms, &SmsConfig::outbox_on_shared_database, {"refuse", kOutboxRiskAccepted})},
      {"sms.from", text(&Config::sms, &SmsConfig::from)},
      {"sms.timeout_seconds", count(&Config::sms, &SmsConfig::timeout_seconds, 1, 300)},
      {"sms.kannel.url", text(&Config::sms, &SmsConfig::kannel_url)},
      {"sms.kannel.username", text(&Config::sms, &SmsConfig::kannel_username)},
      {"sms.kannel.password_file", text(&Config::sms, &SmsConfig::kannel_password_file)},
      {"sms.kannel.password_env", text(&Config::sms, &SmsConfig::kannel_password_env)},
      {"sms.http.url", text(&Config::sms, &SmsConfig::http_url)},
      {"sms.http.method", one_of(&Config::sms, &SmsConfig::http_method, {"POST", "PUT", "GET"})},
      {"sms.http.format", one_of(&Config::sms, &SmsConfig::http_format, {"form", "json", "query"})},
      {"sms.http.body", text(&Config::sms, &SmsConfig::http_body)},
      {"sms.http.auth", one_of(&Config::sms, &SmsConfig::http_auth, {"none", "basic", "bearer"})},
      {"sms.http.username", text(&Config::sms, &SmsConfig::http_username)},
      {"sms.http.secret_file", text(&Config::sms, &SmsConfig::http_secret_file)},
      {"sms.http.secret_env", text(&Config::sms, &SmsConfig::http_secret_env)},
      {"rate_limit.per_nif.burst", count(&Config::rate_limit, &RateLimitConfig::per_nif_burst, 1, 1'000'000)},
      {"rate_limit.per_nif.per_hour", count(&Config::rate_limit, &RateLimitConfig::per_nif_per_hour, 1, 100'000'000)},
      {"rate_limit.per_address.burst", count(&Config::rate_limit, &RateLimitConfig::per_address_burst, 1, 1'000'000)},
      {"rate_limit.per_address.per_hour",
       count(&Config::rate_limit, &RateLimitConfig::per_address_per_hour, 1, 100'000'000)},
      {"rate_limit.address_header", text(&Config::rate_limit, &RateLimitConfig::address_header)},
  };
  return table;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Status apply_setting(Config& config, std::string_view key, std::string_view value) {
  for (const Key& k : keys()) {
    if (k.name != key) continue;
    Status s = k.set(config, value);
    if (!s) return make_error(s.error().code, std::string(key) + ": " + s.error().message);
    return {};
  }
  return make_error(ErrorCode::invalid_request, "unknown configuration key '" + std::string(key) + "'");
}

Status apply_config_file(Config& config, const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::invalid_request, "cannot read configuration file " + path);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string_view l = trim(line);
    if (l.empty() || l.front() == '#') continue;
    auto eq = l.find('=');
    if (eq == std::string_view::npos)
      return make_error(ErrorCode::invalid_request, path + ":" + std::to_string(number) + ": expected key = value");
    Status s = apply_setting(config, trim(l.substr(0, eq)), trim(l.substr(eq + 1)));
    if (!s) return make_error(s.error().code, path + ":" + std::to_string(number) + ": " + s.error().message);
  }
  return {};
}

Status apply_environment(Config& config, char** environ) {
  for (const Key& k : keys()) {
    std::string var = "FIRMA_";
    for (char c : k.name) var += (c == '.') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string_view entry(*e);
      if (entry.size() > var.size() && entry.substr(0, var.size()) == var && entry[var.size()] == '=') {
        Status s = apply_setting(config, k.name, entry.substr(var.size() + 1));
        if (!s) return make_error(s.error().code, var + ": " + s.error().message);
      }
    }
  }
  return {};
}

std::vector<std::string_view> config_keys() {
  std::vector<std::string_view> names;
  for (const Key& k : keys()) names.push_back(k.name);
  return names;
}

}  // namespace firma
