// The signing.* settings: limits of signing transactions and of what one xades document may make the parser do.
#pragma once

#include <cstddef>

#include "core/config.h"

namespace firma::signer {

// FIRe's sample configuration: 10 documents of 8 MB, 600 s.
struct Settings {
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

// Every signing.* key, each with its range.
const config::Keys<Settings>& setting_keys();

}  // namespace firma::signer
