// What the CA is and how it issues: names, algorithms, validities, links and timing, checked once at start.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/result.h"
#include "hsm/algorithms.h"

namespace firma::certs {

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
  std::string root_key_id;  // both set: use these existing keys and their certificates on the token
  std::string issuing_key_id;

  std::string ocsp_url() const { return base_url + "/pki/ocsp"; }
  std::string crl_url() const { return base_url + "/pki/crl"; }
  std::string root_crl_url() const { return base_url + "/pki/root.crl"; }  // the issuing CA's own revocation
  std::string ca_issuers_url() const { return base_url + "/pki/ca.cer"; }
};

// From the [pki] settings; `public_url` is the service's own base URL, used when pki.base_url is empty.
// Unknown algorithms, a malformed policy OID, a country that is not two upper-case letters, a base URL that is
// not http(s), or only one of the two existing key ids: invalid_request naming the key.
Result<CaSettings> ca_settings(const PkiConfig& pki, std::string_view public_url);

}  // namespace firma::certs
