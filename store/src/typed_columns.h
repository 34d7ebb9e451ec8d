// Statuses, levels and roles read from rows: a spelling this build does not know is an internal error, never a
// default (a row written by a newer version, or by hand, must not pass for another status).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/statuses.h"

namespace firma::store {

template <class E>
Result<E> typed_column(std::optional<E> (*parse)(std::string_view) noexcept, std::string_view column,
                       const std::string& text) {
  if (auto value = parse(text)) return *value;
  return make_error(ErrorCode::internal, "unknown " + std::string(column) + " '" + text + "' in the database");
}

}  // namespace firma::store
