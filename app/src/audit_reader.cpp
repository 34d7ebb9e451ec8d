// The REST audit routes' reader: listing seals first, verification goes through the sealer's signature checks.
#include "audit_reader.h"

#include <utility>

#include "certs/authority.h"
#include "core/log.h"
#include "store/audit_log.h"

namespace firma::app {

api::AuditReader audit_reader(certs::AuditSealer& sealer, store::Database& db) {
  api::AuditReader reader;
  reader.list = [&sealer, &db](std::int64_t after, std::size_t limit) -> Result<std::vector<api::AuditEntry>> {
    // What has committed is sealed first, so the page reaches up to now; a page holds sealed events only, so that
    // paging by seq never skips one.
    if (auto sealed = sealer.seal(true); !sealed) log::warn("audit.seal_failed", {{"detail", sealed.error().message}});
    auto records = db.transact([&](store::Tx& tx) { return store::AuditLog::list(tx, after, limit); });
    if (!records) return std::move(records).error();
    std::vector<api::AuditEntry> entries;
    for (const auto& r : *records)
      if (r.sealed())
        entries.push_back(
            {r.seq, r.at, r.event.actor, r.event.action, r.event.subject, r.event.outcome, r.event.detail, r.hash});
    return entries;
  };
  reader.verify = [&sealer](const std::vector<api::AuditCheckpointEntry>& kept) -> Result<api::AuditCheck> {
    std::vector<store::AuditCheckpoint> checkpoints;
    for (const auto& c : kept) checkpoints.push_back({c.seq, c.first_seq, c.hash, c.at, c.signer, c.signature});
    auto v = sealer.verify(checkpoints);
    if (!v) return std::move(v).error();
    return api::AuditCheck{v->ok, v->events, v->head, v->first_bad_seq, v->checkpoints, v->unsealed, v->problem};
  };
  reader.checkpoints = [&sealer](std::int64_t after,
                                 std::size_t limit) -> Result<std::vector<api::AuditCheckpointEntry>> {
    auto checkpoints = sealer.checkpoints(after, limit);
    if (!checkpoints) return std::move(checkpoints).error();
    std::vector<api::AuditCheckpointEntry> out;
    for (const auto& c : *checkpoints) out.push_back({c.seq, c.first_seq, c.hash, c.at, c.signer, c.signature});
    return out;
  };
  reader.certificates = [&sealer]() -> Result<std::vector<std::string>> {
    auto certificates = sealer.certificates();
    if (!certificates) return std::move(certificates).error();
    std::vector<std::string> pems;
    for (const Bytes& der : *certificates) pems.push_back(certs::certificate_pem(der));
    return pems;
  };
  return reader;
}

}  // namespace firma::app
