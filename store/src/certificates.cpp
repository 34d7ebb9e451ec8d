// PKI records over the tables of migration 0003: ca_certificates, hsm_keys, certificates, crls.
#include "store/certificates.h"

#include <utility>

#include "typed_columns.h"

namespace firma::store {
namespace {

Value optional_instant(const std::optional<Instant>& at) {
  if (!at) return nullptr;
  return to_unix(*at);
}

Status status_of(Result<std::int64_t> result) {
  if (!result.ok()) return std::move(result).error();
  return {};
}

// --- ca_certificates

constexpr std::string_view kCaColumns =
    "serial, role, key_id, subject, certificate, not_before, not_after, active, created_at";

CaCertificateRecord ca_from(const Row& row) {
  return CaCertificateRecord{CertSerial(row.text(0)),
                             row.text(1),
                             KeyId(row.text(2)),
                             row.text(3),
                             row.blob(4),
                             from_unix(row.integer(5)),
                             from_unix(row.integer(6)),
                             row.integer(7) != 0,
                             from_unix(row.integer(8))};
}

// --- hsm_keys

constexpr std::string_view kKeyColumns = "key_id, owner, purpose, algorithm, created_at, destroyed_at";

HsmKeyRecord key_from(const Row& row) {
  HsmKeyRecord record{KeyId(row.text(0)),        row.text(1), row.text(2), row.text(3),
                      from_unix(row.integer(4)), std::nullopt};
  if (auto at = row.optional_integer(5)) record.destroyed_at = from_unix(*at);
  return record;
}

// --- certificates

constexpr std::string_view kCertColumns =
    "serial, nif, key_id, issuer_serial, subject, algorithm, certificate, not_before, not_after, status, revoked_at, "
    "revocation_reason, created_at";

Result<CertificateRecord> cert_from(const Row& row) {
  auto status = typed_column(parse_certificate_status, "certificate status", row.text(9));
  if (!status) return std::move(status).error();
  CertificateRecord record;
  record.serial = CertSerial(row.text(0));
  record.nif = row.text(1);
  record.key_id = KeyId(row.text(2));
  record.issuer_serial = CertSerial(row.text(3));
  record.subject = row.text(4);
  record.algorithm = row.text(5);
  record.certificate = row.blob(6);
  record.not_before = from_unix(row.integer(7));
  record.not_after = from_unix(row.integer(8));
  record.status = *status;
  if (auto at = row.optional_integer(10)) record.revoked_at = from_unix(*at);
  record.revocation_reason = row.optional_text(11);
  record.created_at = from_unix(row.integer(12));
  return record;
}

Result<std::vector<CertificateRecord>> certs_from(Result<std::vector<Row>> rows) {
  if (!rows.ok()) return std::move(rows).error();
  std::vector<CertificateRecord> records;
  records.reserve(rows->size());
  for (const Row& row : *rows) {
    auto record = cert_from(row);
    if (!record) return std::move(record).error();
    records.push_back(std::move(*record));
  }
  return records;
}

Result<std::optional<CertificateRecord>> first_cert(Result<std::vector<Row>> rows) {
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return std::optional<CertificateRecord>{};
  auto record = cert_from(rows->front());
  if (!record) return std::move(record).error();
  return std::optional<CertificateRecord>{std::move(*record)};
}

}  // namespace

Status CaCertificateRecords::insert(Tx& tx, const CaCertificateRecord& r) {
  return status_of(tx.execute(
      "INSERT INTO ca_certificates (" + std::string(kCaColumns) + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {r.serial.str(), r.role, r.key_id.str(), r.subject, r.certificate, to_unix(r.not_before), to_unix(r.not_after),
       std::int64_t{r.active ? 1 : 0}, to_unix(r.created_at)}));
}

Result<std::optional<CaCertificateRecord>> CaCertificateRecords::active(Tx& tx, std::string_view role) {
  auto rows = tx.query("SELECT " + std::string(kCaColumns) + " FROM ca_certificates WHERE role = $1 AND active = 1",
                       {std::string(role)});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return std::optional<CaCertificateRecord>{};
  return std::optional<CaCertificateRecord>{ca_from(rows->front())};
}

Status CaCertificateRecords::deactivate(Tx& tx, std::string_view role) {
  return status_of(
      tx.execute("UPDATE ca_certificates SET active = 0 WHERE role = $1 AND active = 1", {std::string(role)}));
}

Result<std::vector<CaCertificateRecord>> CaCertificateRecords::list(Tx& tx) {
  auto rows = tx.query("SELECT " + std::string(kCaColumns) + " FROM ca_certificates ORDER BY created_at, serial");
  if (!rows.ok()) return std::move(rows).error();
  std::vector<CaCertificateRecord> records;
  for (const Row& row : *rows) records.push_back(ca_from(row));
  return records;
}

Status HsmKeyRecords::insert(Tx& tx, const HsmKeyRecord& r) {
  return status_of(tx.execute(
      "INSERT INTO hsm_keys (" + std::string(kKeyColumns) + ") VALUES ($1, $2, $3, $4, $5, $6)",
      {r.key_id.str(), r.owner, r.purpose, r.algorithm, to_unix(r.created_at), optional_instant(r.destroyed_at)}));
}

Result<std::optional<HsmKeyRecord>> HsmKeyRecords::find(Tx& tx, const KeyId& key_id) {
  auto rows = tx.query("SELECT " + std::string(kKeyColumns) + " FROM hsm_keys WHERE key_id = $1", {key_id.str()});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return std::optional<HsmKeyRecord>{};
  return std::optional<HsmKeyRecord>{key_from(rows->front())};
}

Result<std::vector<HsmKeyRecord>> HsmKeyRecords::list(Tx& tx) {
  auto rows = tx.query("SELECT " + std::string(kKeyColumns) + " FROM hsm_keys ORDER BY created_at, key_id");
  if (!rows.ok()) return std::move(rows).error();
  std::vector<HsmKeyRecord> records;
  records.reserve(rows->size());
  for (const Row& row : *rows) records.push_back(key_from(row));
  return records;
}

Result<std::vector<HsmKeyRecord>> HsmKeyRecords::live_for_owner(Tx& tx, std::string_view owner) {
  auto rows = tx.query("SELECT " + std::string(kKeyColumns) +
                           " FROM hsm_keys WHERE owner = $1 AND destroyed_at IS NULL ORDER BY created_at, key_id",
                       {std::string(owner)});
  if (!rows.ok()) return std::move(rows).error();
  std::vector<HsmKeyRecord> records;
  for (const Row& row : *rows) records.push_back(key_from(row));
  return records;
}

Status HsmKeyRecords::mark_destroyed(Tx& tx, const KeyId& key_id, Instant at) {
  auto updated = tx.execute("UPDATE hsm_keys SET destroyed_at = $2 WHERE key_id = $1 AND destroyed_at IS NULL",
                            {key_id.str(), to_unix(at)});
  if (!updated.ok()) return std::move(updated).error();
  if (*updated == 1) return {};
  auto found = find(tx, key_id);
  if (!found.ok()) return std::move(found).error();
  if (!found->has_value()) return make_error(ErrorCode::not_found, "no key record " + key_id.str());
  return {};
}

Status CertificateRecords::insert(Tx& tx, const CertificateRecord& r) {
  return status_of(tx.execute(
      "INSERT INTO certificates (" + std::string(kCertColumns) +
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
      {r.serial.str(), r.nif, r.key_id.str(), r.issuer_serial.str(), r.subject, r.algorithm, r.certificate,
       to_unix(r.not_before), to_unix(r.not_after), std::string(to_string(r.status)), optional_instant(r.revoked_at),
       r.revocation_reason ? Value(*r.revocation_reason) : Value(nullptr), to_unix(r.created_at)}));
}

Result<std::optional<CertificateRecord>> CertificateRecords::find(Tx& tx, const CertSerial& serial) {
  return first_cert(
      tx.query("SELECT " + std::string(kCertColumns) + " FROM certificates WHERE serial = $1", {serial.str()}));
}

Result<std::optional<CertificateRecord>> CertificateRecords::valid_for(Tx& tx, std::string_view nif) {
  return first_cert(
      tx.query("SELECT " + std::string(kCertColumns) + " FROM certificates WHERE nif = $1 AND status = 'valid'",
               {std::string(nif)}));
}

Result<std::vector<CertificateRecord>> CertificateRecords::list_for(Tx& tx, std::string_view nif) {
  return certs_from(tx.query(
      "SELECT " + std::string(kCertColumns) + " FROM certificates WHERE nif = $1 ORDER BY created_at DESC, serial DESC",
      {std::string(nif)}));
}

Result<std::vector<CertificateRecord>> CertificateRecords::list_recent(Tx& tx, std::size_t limit) {
  return certs_from(tx.query(
      "SELECT " + std::string(kCertColumns) + " FROM certificates ORDER BY created_at DESC, serial DESC LIMIT $1",
      {static_cast<std::int64_t>(limit)}));
}

Result<bool> CertificateRecords::revoke(Tx& tx, const CertSerial& serial, Instant at, std::string_view reason) {
  auto updated = tx.execute(
      "UPDATE certificates SET status = 'revoked', revoked_at = $2, revocation_reason = $3 "
      "WHERE serial = $1 AND status = 'valid'",
      {serial.str(), to_unix(at), std::string(reason)});
  if (!updated.ok()) return std::move(updated).error();
  return *updated == 1;
}

Result<bool> CertificateRecords::mark_expired(Tx& tx, const CertSerial& serial) {
  auto updated =
      tx.execute("UPDATE certificates SET status = 'expired' WHERE serial = $1 AND status = 'valid'", {serial.str()});
  if (!updated.ok()) return std::move(updated).error();
  return *updated == 1;
}

Result<std::vector<CertificateRecord>> CertificateRecords::revoked_by(Tx& tx, const CertSerial& issuer_serial) {
  return certs_from(tx.query("SELECT " + std::string(kCertColumns) +
                                 " FROM certificates WHERE issuer_serial = $1 AND status = 'revoked' "
                                 "ORDER BY revoked_at, serial",
                             {issuer_serial.str()}));
}

Result<std::int64_t> CertificateRecords::expire(Tx& tx, Instant now) {
  return tx.execute("UPDATE certificates SET status = 'expired' WHERE status = 'valid' AND not_after < $1",
                    {to_unix(now)});
}

Status CrlRecords::insert(Tx& tx, const CrlRecord& r) {
  return status_of(tx.execute(
      "INSERT INTO crls (issuer_serial, crl_number, this_update, next_update, crl) VALUES ($1, $2, $3, $4, $5)",
      {r.issuer_serial.str(), r.crl_number, to_unix(r.this_update), to_unix(r.next_update), r.crl}));
}

Result<std::optional<CrlRecord>> CrlRecords::latest(Tx& tx, const CertSerial& issuer_serial) {
  auto rows = tx.query(
      "SELECT issuer_serial, crl_number, this_update, next_update, crl FROM crls WHERE issuer_serial = $1 "
      "ORDER BY crl_number DESC LIMIT 1",
      {issuer_serial.str()});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return std::optional<CrlRecord>{};
  const Row& row = rows->front();
  return std::optional<CrlRecord>{CrlRecord{CertSerial(row.text(0)), row.integer(1), from_unix(row.integer(2)),
                                            from_unix(row.integer(3)), row.blob(4)}};
}

}  // namespace firma::store
