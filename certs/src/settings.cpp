// The pki.* keys, and the settings they hold checked and turned into the CA's settings.
#include "certs/settings.h"

#include <cctype>

namespace firma::certs {
namespace {

Error bad(std::string_view key, const std::string& problem) {
  return make_error(ErrorCode::invalid_request, "pki." + std::string(key) + ": " + problem);
}

// Dotted decimal, at least two arcs, the first 0, 1 or 2 (X.660).
bool is_oid(std::string_view text) {
  if (text.size() < 3 || text[0] < '0' || text[0] > '2' || text[1] != '.') return false;
  bool digit_seen = false;
  for (std::size_t i = 2; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (!digit_seen) return false;
      digit_seen = false;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      digit_seen = true;
    } else {
      return false;
    }
  }
  return digit_seen;
}

}  // namespace

const config::Keys<Settings>& setting_keys() {
  static const config::Keys<Settings> keys = {
      config::text("pki.ca_algorithm", &Settings::ca_algorithm),
      config::text("pki.certificate_algorithm", &Settings::certificate_algorithm),
      config::text("pki.organization", &Settings::organization),
      config::text("pki.country", &Settings::country),
      config::text("pki.root_name", &Settings::root_name),
      config::text("pki.issuing_name", &Settings::issuing_name),
      config::count("pki.root_validity_days", &Settings::root_validity_days, 1, 36525),
      config::count("pki.issuing_validity_days", &Settings::issuing_validity_days, 1, 36525),
      config::count("pki.certificate_validity_days", &Settings::certificate_validity_days, 1, 3653),
      config::count("pki.renew_before_days", &Settings::renew_before_days, 0, 365),
      config::text("pki.policy_oid", &Settings::policy_oid),
      config::text("pki.base_url", &Settings::base_url),
      config::count("pki.crl_validity_hours", &Settings::crl_validity_hours, 1, 24 * 365),
      config::text("pki.ocsp_signer", &Settings::ocsp_signer),
      config::count("pki.ocsp_signer_validity_days", &Settings::ocsp_signer_validity_days, 2, 3653),
      config::count("pki.ocsp_validity_seconds", &Settings::ocsp_validity_seconds, 60, 7 * 86400),
      config::text("pki.tsa_algorithm", &Settings::tsa_algorithm),
      config::count("pki.tsa_validity_days", &Settings::tsa_validity_days, 2, 3653),
      config::text("pki.tsa_policy_oid", &Settings::tsa_policy_oid),
      config::count("pki.tsa_accuracy_seconds", &Settings::tsa_accuracy_seconds, 1, 60),
      config::count("pki.maintenance_interval_seconds", &Settings::maintenance_interval_seconds, 1, 86400),
      config::text("pki.root_key_id", &Settings::root_key_id),
      config::text("pki.issuing_key_id", &Settings::issuing_key_id),
  };
  return keys;
}

const config::Keys<TimestampSettings>& timestamp_setting_keys() {
  static const config::Keys<TimestampSettings> keys = {
      config::text("timestamp.url", &TimestampSettings::url),
      config::count("timestamp.timeout_seconds", &TimestampSettings::timeout_seconds, 1, 300),
  };
  return keys;
}

Result<CaSettings> ca_settings(const Settings& pki, std::string_view public_url) {
  CaSettings s;
  auto ca = hsm::parse_key_algorithm(pki.ca_algorithm);
  if (!ca)
    return bad("ca_algorithm", "expected ec-p256, ec-p384, rsa-2048 or rsa-3072, got '" + pki.ca_algorithm + "'");
  s.ca_algorithm = *ca;
  auto leaf = hsm::parse_key_algorithm(pki.certificate_algorithm);
  if (!leaf)
    return bad("certificate_algorithm",
               "expected ec-p256, ec-p384, rsa-2048 or rsa-3072, got '" + pki.certificate_algorithm + "'");
  s.certificate_algorithm = *leaf;

  if (pki.country.size() != 2 || !std::isupper(static_cast<unsigned char>(pki.country[0])) ||
      !std::isupper(static_cast<unsigned char>(pki.country[1])))
    return bad("country", "expected an ISO 3166 alpha-2 code such as ES, got '" + pki.country + "'");
  s.country = pki.country;
  if (pki.organization.empty()) return bad("organization", "must not be empty");
  if (pki.root_name.empty()) return bad("root_name", "must not be empty");
  if (pki.issuing_name.empty()) return bad("issuing_name", "must not be empty");
  if (pki.root_name == pki.issuing_name) return bad("issuing_name", "must differ from pki.root_name");
  s.organization = pki.organization;
  s.root_name = pki.root_name;
  s.issuing_name = pki.issuing_name;

  s.root_validity = std::chrono::days(pki.root_validity_days);
  s.issuing_validity = std::chrono::days(pki.issuing_validity_days);
  s.certificate_validity = std::chrono::days(pki.certificate_validity_days);
  s.renew_before = std::chrono::days(pki.renew_before_days);
  s.ocsp_signer_validity = std::chrono::days(pki.ocsp_signer_validity_days);
  if (s.issuing_validity > s.root_validity)
    return bad("issuing_validity_days", "must not exceed pki.root_validity_days");
  if (s.renew_before >= s.certificate_validity)
    return bad("renew_before_days", "must be shorter than pki.certificate_validity_days");

  if (!is_oid(pki.policy_oid)) return bad("policy_oid", "expected a dotted OID such as 1.3.6.1.4.1.32473.1.1");
  s.policy_oid = pki.policy_oid;

  std::string base = pki.base_url.empty() ? std::string(public_url) : pki.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0)
    return bad("base_url", "expected an http:// or https:// URL (or server.public_url), got '" + base + "'");
  s.base_url = base;

  s.crl_validity = std::chrono::hours(pki.crl_validity_hours);
  s.ocsp_validity = std::chrono::seconds(pki.ocsp_validity_seconds);
  if (pki.ocsp_signer == "delegated") {
    s.ocsp_signer = OcspSigner::delegated;
  } else if (pki.ocsp_signer == "ca") {
    s.ocsp_signer = OcspSigner::ca;
  } else {
    return bad("ocsp_signer", "expected delegated or ca, got '" + pki.ocsp_signer + "'");
  }

  auto tsa = pki.tsa_algorithm.empty() ? std::optional(s.ca_algorithm) : hsm::parse_key_algorithm(pki.tsa_algorithm);
  if (!tsa)
    return bad("tsa_algorithm", "expected ec-p256, ec-p384, rsa-2048 or rsa-3072, got '" + pki.tsa_algorithm + "'");
  s.tsa_algorithm = *tsa;
  s.tsa_validity = std::chrono::days(pki.tsa_validity_days);
  if (!is_oid(pki.tsa_policy_oid)) return bad("tsa_policy_oid", "expected a dotted OID such as 1.3.6.1.4.1.32473.1.2");
  s.tsa_policy_oid = pki.tsa_policy_oid;
  s.tsa_accuracy = std::chrono::seconds(pki.tsa_accuracy_seconds);

  if (pki.root_key_id.empty() != pki.issuing_key_id.empty())
    return bad(pki.root_key_id.empty() ? "root_key_id" : "issuing_key_id",
               "set both pki.root_key_id and pki.issuing_key_id, or neither");
  s.root_key_id = pki.root_key_id;
  s.issuing_key_id = pki.issuing_key_id;
  return s;
}

}  // namespace firma::certs
