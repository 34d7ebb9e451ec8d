// Client applications over the applications table (migrations 0004, 0007) and their certificates (migration 0009).
#include "store/applications.h"

namespace firma::store {
namespace {

constexpr std::string_view kColumns =
    "id, name, api_key_hash, return_url_prefixes, allowed_formats, created_at, disabled_at, redirect_uris";

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(separator, start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& items, char separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

ApplicationRecord from_row(const Row& row) {
  ApplicationRecord r{AppId(row.text(0)),
                      row.text(1),
                      row.text(2),
                      split(row.text(3), '\n'),
                      split(row.text(4), ','),
                      from_unix(row.integer(5)),
                      std::nullopt,
                      split(row.text(7), '\n')};
  if (auto disabled = row.optional_integer(6)) r.disabled_at = from_unix(*disabled);
  return r;
}

Result<std::optional<ApplicationRecord>> find_one(Tx& tx, std::string_view where, std::string value) {
  auto rows = tx.query("SELECT " + std::string(kColumns) + " FROM applications WHERE " + std::string(where), {value});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<ApplicationRecord>{};
  return std::optional<ApplicationRecord>(from_row(rows->front()));
}

}  // namespace

Status ApplicationRecords::insert(Tx& tx, const ApplicationRecord& r) {
  auto done = tx.execute(
      "INSERT INTO applications (id, name, api_key_hash, return_url_prefixes, allowed_formats, created_at, "
      "redirect_uris) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {r.id.str(), r.name, r.api_key_hash, join(r.return_url_prefixes, '\n'), join(r.allowed_formats, ','),
       to_unix(r.created_at), join(r.redirect_uris, '\n')});
  if (!done) return std::move(done).error();
  return {};
}

Result<std::optional<ApplicationRecord>> ApplicationRecords::find(Tx& tx, const AppId& id) {
  return find_one(tx, "id = $1", id.str());
}

Result<std::optional<ApplicationRecord>> ApplicationRecords::find_by_key_hash(Tx& tx, std::string_view hash) {
  return find_one(tx, "api_key_hash = $1", std::string(hash));
}

Result<std::vector<ApplicationRecord>> ApplicationRecords::list(Tx& tx) {
  auto rows = tx.query("SELECT " + std::string(kColumns) + " FROM applications ORDER BY created_at, id");
  if (!rows) return std::move(rows).error();
  std::vector<ApplicationRecord> out;
  for (const Row& row : *rows) out.push_back(from_row(row));
  return out;
}

Status ApplicationRecords::add_certificate(Tx& tx, const AppId& app, const ApplicationCertificateRecord& c) {
  auto done = tx.execute(
      "INSERT INTO application_certificates (app_id, sha256, subject, serial, not_after, added_at) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      {app.str(), c.sha256, c.subject, c.serial, to_unix(c.not_after), to_unix(c.added_at)});
  if (!done) return std::move(done).error();
  return {};
}

Result<std::vector<ApplicationCertificateRecord>> ApplicationRecords::certificates(Tx& tx, const AppId& app) {
  auto rows = tx.query(
      "SELECT sha256, subject, serial, not_after, added_at FROM application_certificates WHERE app_id = $1 "
      "ORDER BY added_at, sha256",
      {app.str()});
  if (!rows) return std::move(rows).error();
  std::vector<ApplicationCertificateRecord> out;
  for (const Row& row : *rows)
    out.push_back({row.text(0), row.text(1), row.text(2), from_unix(row.integer(3)), from_unix(row.integer(4))});
  return out;
}

Result<bool> ApplicationRecords::has_certificate(Tx& tx, const AppId& app, std::string_view sha256) {
  auto rows = tx.query("SELECT sha256 FROM application_certificates WHERE app_id = $1 AND sha256 = $2",
                       {app.str(), std::string(sha256)});
  if (!rows) return std::move(rows).error();
  return !rows->empty();
}

}  // namespace firma::store
