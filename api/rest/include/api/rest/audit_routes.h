// Reading the audit trail: its events in order, and a walk of the whole hash chain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "api/http/routes.h"
#include "core/clock.h"
#include "core/result.h"

namespace firma::api {

struct AuditEntry {
  std::int64_t seq = 0;
  Instant at{};
  std::string actor;
  std::string action;
  std::string subject;
  std::string outcome;
  std::string detail;
  std::string hash;
};

struct AuditCheck {
  bool ok = false;
  std::int64_t events = 0;         // events that verified, from the first
  std::string head;                // hash of the last event that verified
  std::int64_t first_bad_seq = 0;  // 0 when ok
};

// How the handlers read the trail (the app wires it to the store), so that api does not reach the database.
struct AuditReader {
  std::function<Result<std::vector<AuditEntry>>(std::int64_t after_seq, std::size_t limit)> list;
  std::function<Result<AuditCheck>()> verify;
};

// Roles: admin or auditor.
// GET /v1/admin/audit?after=<seq>&limit=<n> -> 200 {events: [{seq, at, actor, action, subject, outcome, detail,
//     hash}]} (at most limit, default 100, at most 1000; seq > after)
// GET /v1/admin/audit/verify -> 200 {ok, events, head, first_bad_seq?}
std::vector<Route> audit_routes(AuditReader reader);

}  // namespace firma::api
