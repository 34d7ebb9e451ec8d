// Small helpers shared by the identity services: audit events and committed refusals.
#pragma once

#include <string>
#include <utility>

#include "core/clock.h"
#include "core/result.h"
#include "store/audit_log.h"
#include "store/database.h"

namespace firma::identity::detail {

inline Status audit(store::Tx& tx, const Clock& clock, std::string actor, std::string action, std::string subject,
                    std::string outcome, std::string detail = {}) {
  return store::AuditLog::append(
      tx,
      store::AuditEvent{std::move(actor), std::move(action), std::move(subject), std::move(outcome), std::move(detail)},
      clock.now());
}

// A unit of work whose refusals must be committed (a counted failure, an audit event) returns
// Result<Result<T>>: the outer error rolls the transaction back, the inner one is the answer, committed.
template <class T>
Result<T> settle(Result<Result<T>> outcome) {
  if (!outcome.ok()) return std::move(outcome).error();
  return std::move(outcome).value();
}

// The inner refusal of such a unit of work.
template <class T>
Result<Result<T>> refuse(ErrorCode code, std::string message) {
  return Result<Result<T>>(Result<T>(make_error(code, std::move(message))));
}

template <class T>
Result<Result<T>> refuse(Error error) {
  return Result<Result<T>>(Result<T>(std::move(error)));
}

}  // namespace firma::identity::detail
