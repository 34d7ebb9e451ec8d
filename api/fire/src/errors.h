// FIRe's errors: a code, the HTTP status FIRe gives it, and the body {"c":<code>,"m":"<message>"}.
#pragma once

#include <string>

#include "api/http/http.h"
#include "core/result.h"

namespace firma::api::fire {

// The codes of FIRe's error table (fire-signature's FIReError), each with FIRe's own HTTP status.
enum class FireCode {
  reading_parameters = 1,           // 400
  app_id_needed = 2,                // 400
  operation_needed = 3,             // 400
  operation_not_supported = 5,      // 400
  certificate_needed = 6,           // 400
  subject_id_needed = 8,            // 400
  algorithm_needed = 9,             // 400
  signature_operation_needed = 10,  // 400
  format_needed = 11,               // 400: also an unsupported format
  data_needed = 12,                 // 400
  data_invalid = 13,                // 400
  config_needed = 15,               // 400
  config_invalid = 16,              // 400
  redirect_url_needed = 17,         // 400
  transaction_id_needed = 18,       // 400
  signature_params_invalid = 20,    // 400: also an unsupported operation or algorithm
  signing = 26,                     // 500
  upgrading = 32,                   // 500: an upgrade Firma does not make
  batch_duplicate_document = 42,    // 400
  batch_too_many_documents = 43,    // 400
  batch_no_documents = 44,          // 400
  document_id_needed = 48,          // 400
  batch_not_signed = 49,            // 500: asked for before it was signed
  batch_recovered = 51,             // 500
  batch_invalid_document = 53,      // 500: a document of the batch that was not signed
  batch_result_recovered = 54,      // 500
  document_id_invalid = 56,         // 400
  internal = 500,                   // 500
  unauthorized = 502,               // 401
  invalid_transaction = 503,        // 403
  cancelled = 507,                  // 400: the citizen rejected it
};

int http_status(FireCode code) noexcept;

struct FireError {
  FireCode code;
  std::string message;
};

inline FireError fire_error(FireCode code, std::string message) {
  return FireError{code, std::move(message)};
}

// Status FIRe gives the code, Content-Type exactly application/json (the clients compare it), compact body.
Response render(const FireError& error);

// A core error met while serving an operation, in FIRe's words: what the application did wrong is a 4xx, an outage
// or a bug is FIRe's internal error (the message is not shown: it may name internals).
FireError from_core(const Error& error, FireCode otherwise);

}  // namespace firma::api::fire
