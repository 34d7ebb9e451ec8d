// Small helpers shared by the identity services: audit events, and the idiom of committed refusals.
#pragma once

#include <string>
#include <utility>

#include "core/clock.h"
#include "core/result.h"
#include "store/audit_log.h"
#include "store/database.h"
#include "store/refusal.h"

namespace firma::identity::detail {

inline Status audit(store::Tx& tx, const Clock& clock, std::string actor, std::string action, std::string subject,
                    std::string outcome, std::string detail = {}) {
  return store::AuditLog::append(
      tx,
      store::AuditEvent{std::move(actor), std::move(action), std::move(subject), std::move(outcome), std::move(detail)},
      clock.now());
}

// Refusals are committed with store's idiom (store/refusal.h).
using store::accept;
using store::refuse;
using store::settle;

}  // namespace firma::identity::detail
