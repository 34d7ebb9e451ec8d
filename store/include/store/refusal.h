// Refusals that are committed: a refused step still records what the refusal changed (a counted failure, an
// audit event) before it answers. One idiom for every module.
#pragma once

#include <string>
#include <utility>

#include "core/result.h"
#include "store/database.h"

namespace firma::store {

// A unit of work that may refuse returns Result<Result<T>>: the outer error is the database's and rolls the
// transaction back; the inner one is the refusal, the answer, committed with whatever the work wrote before it.
template <class T>
Result<Result<T>> refuse(Error refusal) {
  return Result<Result<T>>(Result<T>(std::move(refusal)));
}

template <class T>
Result<Result<T>> refuse(ErrorCode code, std::string message) {
  return refuse<T>(make_error(code, std::move(message)));
}

// The answer of such a unit of work when it does not refuse.
template <class T>
Result<Result<T>> accept(T value) {
  return Result<Result<T>>(Result<T>(std::move(value)));
}

// The answer once the unit of work is over: the database's error, else the refusal or the value.
template <class T>
Result<T> settle(Result<Result<T>> outcome) {
  if (!outcome.ok()) return std::move(outcome).error();
  return std::move(outcome).value();
}

// For a refusal decided before any unit of work: commits `record(tx)` (returning Status) in a transaction of its
// own, then answers `refusal` (or the database's error, when the record could not be written).
template <class F>
Error commit_refusal(Database& db, Error refusal, F&& record) {
  Status recorded = db.transact([&](Tx& tx) -> Status { return record(tx); });
  if (!recorded) return std::move(recorded).error();
  return refusal;
}

}  // namespace firma::store
