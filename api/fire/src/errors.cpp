// FIRe's error table and rendering.
#include "errors.h"

#include <nlohmann/json.hpp>

#include "core/log.h"

namespace firma::api::fire {

int http_status(FireCode code) noexcept {
  switch (code) {
    case FireCode::signing:
    case FireCode::upgrading:
    case FireCode::batch_not_signed:
    case FireCode::batch_recovered:
    case FireCode::batch_invalid_document:
    case FireCode::batch_result_recovered:
    case FireCode::internal: return 500;
    case FireCode::unauthorized: return 401;
    case FireCode::invalid_transaction: return 403;
    default: return 400;
  }
}

Response render(const FireError& error) {
  const nlohmann::json body = {{"c", static_cast<int>(error.code)}, {"m", error.message}};
  return Response{http_status(error.code),
                  "application/json",
                  body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  {}};
}

FireError from_core(const Error& error, FireCode otherwise) {
  switch (error.code) {
    case ErrorCode::not_found: return fire_error(FireCode::invalid_transaction, "invalid or unknown transaction");
    case ErrorCode::transaction_expired:
      return fire_error(FireCode::invalid_transaction, "the transaction has expired");
    case ErrorCode::unauthorized:
    case ErrorCode::forbidden: return fire_error(FireCode::unauthorized, error.message);
    case ErrorCode::payload_too_large: return fire_error(FireCode::reading_parameters, error.message);
    case ErrorCode::invalid_request:
    case ErrorCode::conflict: return fire_error(otherwise, error.message);
    default:
      // Logged, not shown: the message may name internals.
      log::error("fire_internal_error", {{"code", std::string(to_string(error.code))}, {"detail", error.message}});
      return fire_error(FireCode::internal, "internal error");
  }
}

}  // namespace firma::api::fire
