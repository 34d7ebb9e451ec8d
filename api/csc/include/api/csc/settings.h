// The csc.* settings: what the CSC front tells clients about itself and how long its authorisations live.
#pragma once

#include <cstddef>
#include <string>

#include "core/config.h"

namespace firma::api::csc {

struct Settings {
  // How long a SAD from credentials/authorize signs: Firma's OTP lifetime, as CSC.md section 7 suggests.
  std::size_t sad_lifetime_seconds = 300;
  // The most signatures one SAD may release (credentials/info multisign; numSignatures above it is refused).
  std::size_t multisign = 1000;
  // How long an access token from auth/login lives (CSC v1 11.2: 3600 s when expires_in is not said).
  std::size_t access_token_lifetime_seconds = 3600;
  // info: the service's name, logo (a URI), region (ISO 3166-1 alpha-2) and language (RFC 5646).
  std::string name = "Firma";
  std::string logo{};  // empty: the service's public URL (CSC requires a URI; Firma serves no image)
  std::string region = "ES";
  std::string lang = "es-ES";
  std::string description = "Firma centralizada con certificados en HSM y autenticaci\u00F3n reforzada Cl@ve";
};

// Every csc.* key, each with its range.
const config::Keys<Settings>& setting_keys();

}  // namespace firma::api::csc
