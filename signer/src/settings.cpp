// The signing.* keys.
#include "signer/settings.h"

namespace firma::signer {

const config::Keys<Settings>& setting_keys() {
  static const config::Keys<Settings> keys = {
      config::count("signing.max_documents", &Settings::max_documents, 1, 1000),
      config::count("signing.max_document_bytes", &Settings::max_document_bytes, 1, 256u << 20),
      config::count("signing.transaction_lifetime_seconds", &Settings::transaction_lifetime_seconds, 10, 86400),
      config::count("signing.sad_lifetime_seconds", &Settings::sad_lifetime_seconds, 10, 3600),
      config::count("signing.xml_max_attributes", &Settings::xml_max_attributes, 1, 10000),
      config::count("signing.xml_max_nodes", &Settings::xml_max_nodes, 1, 10000000),
      // Up to 200: libxml2 refuses more than 256 levels by itself, and the signature adds its own.
      config::count("signing.xml_max_depth", &Settings::xml_max_depth, 1, 200),
      config::count("signing.xml_max_parse_ms", &Settings::xml_max_parse_ms, 1, 600000),
      config::count("signing.claim_timeout_seconds", &Settings::claim_timeout_seconds, 1, 3600),
  };
  return keys;
}

}  // namespace firma::signer
