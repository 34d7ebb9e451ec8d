// Reading the audit trail: its sealed events in order, its signed checkpoints, and a walk of the whole chain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "api/http/routes.h"
#include "core/clock.h"
#include "core/encoding.h"
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
  std::int64_t events = 0;         // sealed events that verified against a signed checkpoint, from the first
  std::string head;                // hash at the last checkpoint that matched
  std::int64_t first_bad_seq = 0;  // 0 when ok
  std::int64_t checkpoints = 0;    // checkpoints the chain matched
  std::int64_t unsealed = 0;       // committed events not sealed yet (reported apart)
  std::string problem;             // why not ok
};

// A signed checkpoint: the chain's hash at seq, signed by the audit key whose certificate has serial `signer`.
struct AuditCheckpointEntry {
  std::int64_t seq = 0;
  std::int64_t first_seq = 0;
  std::string hash;
  Instant at{};
  std::string signer;
  Bytes signature;
};

// How the handlers read the trail (the app wires it to the audit sealer), so that api does not reach the database.
struct AuditReader {
  // Sealed events only (the app seals what has committed first).
  std::function<Result<std::vector<AuditEntry>>(std::int64_t after_seq, std::size_t limit)> list;
  // kept: checkpoints exported earlier, checked as well as the database's.
  std::function<Result<AuditCheck>(const std::vector<AuditCheckpointEntry>& kept)> verify;
  std::function<Result<std::vector<AuditCheckpointEntry>>(std::int64_t after_seq, std::size_t limit)> checkpoints;
  std::function<Result<std::vector<std::string>>()> certificates;  // PEM of the audit certificates
};

// Roles: admin or auditor.
// GET /v1/admin/audit?after=<seq>&limit=<n> -> 200 {events: [{seq, at, actor, action, subject, outcome, detail,
//     hash}]} (at most limit, default 100, at most 1000; seq > after)
// GET /v1/admin/audit/verify -> 200 {ok, events, head, checkpoints, unsealed, first_bad_seq?, problem?}
// POST /v1/admin/audit/verify {checkpoints: [...]} (what GET .../checkpoints exported) -> the same, checked against
//     them too
// GET /v1/admin/audit/checkpoints?after=<seq>&limit=<n> -> 200 {certificates: [PEM], checkpoints: [{seq,
//     first_seq, hash, at, signer, signature (base64)}]} (limit default 1000, at most 10000)
std::vector<Route> audit_routes(AuditReader reader);

}  // namespace firma::api
