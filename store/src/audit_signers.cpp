// The audit signer's certificates over the audit_signers table.
#include "store/audit_signers.h"

#include <string>
#include <utility>

namespace firma::store {
namespace {

constexpr std::string_view kColumns = "serial, key_id, subject, certificate, not_before, not_after, active, created_at";

CaCertificateRecord record_from(const Row& row) {
  return CaCertificateRecord{CertSerial(row.text(0)),
                             "audit_signer",
                             KeyId(row.text(1)),
                             row.text(2),
                             row.blob(3),
                             from_unix(row.integer(4)),
                             from_unix(row.integer(5)),
                             row.integer(6) != 0,
                             from_unix(row.integer(7))};
}

Result<std::vector<CaCertificateRecord>> select(Tx& tx, std::string_view where) {
  auto rows = tx.query("SELECT " + std::string(kColumns) + " FROM audit_signers " + std::string(where));
  if (!rows.ok()) return std::move(rows).error();
  std::vector<CaCertificateRecord> out;
  for (const Row& row : *rows) out.push_back(record_from(row));
  return out;
}

}  // namespace

Status AuditSignerRecords::insert(Tx& tx, const CaCertificateRecord& r) {
  auto inserted =
      tx.execute("INSERT INTO audit_signers (" + std::string(kColumns) + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                 {r.serial.str(), r.key_id.str(), r.subject, r.certificate, to_unix(r.not_before), to_unix(r.not_after),
                  std::int64_t{r.active ? 1 : 0}, to_unix(r.created_at)});
  if (!inserted.ok()) return std::move(inserted).error();
  return {};
}

Result<std::optional<CaCertificateRecord>> AuditSignerRecords::active(Tx& tx) {
  auto rows = select(tx, "WHERE active = 1");
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return std::optional<CaCertificateRecord>{};
  return std::optional<CaCertificateRecord>(std::move(rows->front()));
}

Result<std::vector<CaCertificateRecord>> AuditSignerRecords::list(Tx& tx) {
  return select(tx, "ORDER BY created_at, serial");
}

}  // namespace firma::store
