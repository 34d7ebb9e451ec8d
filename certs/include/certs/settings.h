// What the CA is and how it issues: the pki.* settings as read, and the CA's settings checked from them once at start.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/result.h"
#include "hsm/algorithms.h"

namespace firma::certs {

// The pki.* settings. Algorithms use the hsm spelling: ec-p256, ec-p384, rsa-2048, rsa-3072. With root_key_id and
// issuing_key_id set, firmad uses those keys and the certificates stored beside them on the token instead of
// creating a CA on first start.
struct Settings {
  std::string ca_algorithm = "ec-p384";            // root, issuing CA and OCSP signer keys made on first start
  std::string certificate_algorithm = "ec-p256";   // citizens' keys when the request names none
  std::string organization = "Firma";              // O of the CA names
  std::string country = "ES";                      // C of every name
  std::string root_name = "Firma Root CA";         // CN of the root
  std::string issuing_name = "Firma Citizens CA";  // CN of the issuing CA
  std::size_t root_validity_days = 7305;
  std::size_t issuing_validity_days = 3653;
  std::size_t certificate_validity_days = 730;       // citizens' certificates: two years
  std::size_t renew_before_days = 30;                // a credential this close to expiry is renewed on next use
  std::string policy_oid = "1.3.6.1.4.1.32473.1.1";  // certificatePolicies of citizens' certificates
  std::string base_url;                              // of the AIA and CRL DP links; empty: server.public_url
  std::size_t crl_validity_hours = 24;               // nextUpdate - thisUpdate; a new CRL is made at half-life
  std::string ocsp_signer = "delegated";             // "delegated" (id-kp-OCSPSigning certificate) or "ca"
  std::size_t ocsp_signer_validity_days = 365;
  std::size_t ocsp_validity_seconds = 3600;              // nextUpdate of OCSP answers
  std::string tsa_algorithm;                             // the time-stamping unit's key; empty: ca_algorithm
  std::size_t tsa_validity_days = 1095;                  // its certificate (renewed renew_before_days before expiry)
  std::string tsa_policy_oid = "1.3.6.1.4.1.32473.1.2";  // TSTInfo policy (RFC 3161 2.4.2)
  std::size_t tsa_accuracy_seconds = 1;           // TSTInfo accuracy (genTime is truncated to the second: at least 1)
  std::size_t maintenance_interval_seconds = 60;  // how often CRL freshness, expiries and the OCSP signer are checked
  std::string root_key_id;                        // existing CA keys on the token (CKA_ID as text)
  std::string issuing_key_id;
};

// Every pki.* key, each with its range.
const config::Keys<Settings>& setting_keys();

// Whose key signs OCSP answers: a delegated responder certificate (RFC 6960 4.2.2.2, id-kp-OCSPSigning and
// id-pkix-ocsp-nocheck) whose key is also on the token, or the issuing CA itself.
enum class OcspSigner { delegated, ca };

struct CaSettings {
  hsm::KeyAlgorithm ca_algorithm = hsm::KeyAlgorithm::ec_p384;
  hsm::KeyAlgorithm certificate_algorithm = hsm::KeyAlgorithm::ec_p256;
  std::string organization = "Firma";
  std::string country = "ES";
  std::string root_name = "Firma Root CA";
  std::string issuing_name = "Firma Citizens CA";
  std::chrono::days root_validity{7305};
  std::chrono::days issuing_validity{3653};
  std::chrono::days certificate_validity{730};
  std::chrono::days renew_before{30};
  std::string policy_oid = "1.3.6.1.4.1.32473.1.1";  // dotted; 32473 is the documentation enterprise number
  std::string base_url = "http://127.0.0.1:8080";    // no trailing slash; links are base_url + /pki/...
  std::chrono::seconds crl_validity{std::chrono::hours(24)};
  OcspSigner ocsp_signer = OcspSigner::delegated;
  std::chrono::days ocsp_signer_validity{365};
  std::chrono::seconds ocsp_validity{3600};
  hsm::KeyAlgorithm tsa_algorithm = hsm::KeyAlgorithm::ec_p384;
  std::chrono::days tsa_validity{1095};
  std::string tsa_policy_oid = "1.3.6.1.4.1.32473.1.2";
  std::chrono::seconds tsa_accuracy{1};
  std::string root_key_id;  // both set: use these existing keys and their certificates on the token
  std::string issuing_key_id;

  std::string ocsp_url() const { return base_url + "/pki/ocsp"; }
  std::string crl_url() const { return base_url + "/pki/crl"; }
  std::string root_crl_url() const { return base_url + "/pki/root.crl"; }  // the issuing CA's own revocation
  std::string ca_issuers_url() const { return base_url + "/pki/ca.cer"; }
};

// From the pki.* settings; `public_url` is the service's own base URL, used when pki.base_url is empty.
// Unknown algorithms, a malformed policy OID, a country that is not two upper-case letters, a base URL that is
// not http(s), or only one of the two existing key ids: invalid_request naming the key.
Result<CaSettings> ca_settings(const Settings& pki, std::string_view public_url);

// The timestamp.* settings: which TSA the signature levels T, LT and LTA use. Empty url: Firma's own (the
// time-stamping unit above); otherwise an outside RFC 3161 TSA reached over HTTP(S) within timeout_seconds.
struct TimestampSettings {
  std::string url;
  std::size_t timeout_seconds = 10;
};
const config::Keys<TimestampSettings>& timestamp_setting_keys();

}  // namespace firma::certs
