// CRL publication: the previous CRL plus what the database says was revoked since, signed by its CA.
#include "certs/crl.h"

#include <botan/x509_crl.h>

#include <set>
#include <utility>

#include "certs/authority.h"
#include "core/log.h"
#include "store/audit_log.h"
#include "store/certificates.h"
#include "store/cluster_lock.h"
#include "store/database.h"
#include "x509_util.h"

namespace firma::certs {
namespace {

PublishedCrl published(const store::CrlRecord& r) {
  return PublishedCrl{r.crl_number, r.this_update, r.next_update, r.crl};
}

}  // namespace

CrlService::CrlService(CertificateAuthority& authority, store::Database& db, const Clock& clock, CrlIssuer issuer)
    : authority_(authority), db_(db), clock_(clock), issuer_(issuer) {}

Result<PublishedCrl> CrlService::current() {
  const CertSerial issuer = authority_.ca(issuer_).serial;
  auto latest = db_.transact([&](store::Tx& tx) { return store::CrlRecords::latest(tx, issuer); });
  if (!latest) return std::move(latest).error();
  if (*latest) return published(**latest);
  return publish();
}

Result<PublishedCrl> CrlService::publish() {
  auto made = publish_when(false);
  if (!made) return std::move(made).error();
  return std::move(**made);
}

Result<bool> CrlService::refresh_if_due() {
  auto made = publish_when(true);
  if (!made) return std::move(made).error();
  return made->has_value();
}

Result<std::optional<PublishedCrl>> CrlService::publish_when(bool only_if_due) {
  const CertSerial issuer = authority_.ca(issuer_).serial;
  std::size_t added = 0;
  // One transaction under the cluster's CRL lock, from reading the previous CRL to recording the new one: nodes
  // publishing at the same moment take turns, each numbering after the one before (RFC 5280 5.2.3: CRL numbers
  // increase), and a node that finds a fresh CRL once its turn comes publishes nothing.
  auto made = db_.transact([&](store::Tx& tx) -> Result<std::optional<store::CrlRecord>> {
    if (Status s = store::ClusterLock::hold(tx, store::ClusterTask::crl_publication); !s) return std::move(s).error();
    auto latest = store::CrlRecords::latest(tx, issuer);
    if (!latest) return std::move(latest).error();
    const Instant now = clock_.now();
    // RFC 5280 5.1.2.5: a new CRL is issued before nextUpdate; here at half its validity.
    if (only_if_due && *latest && now < (*latest)->this_update + ((*latest)->next_update - (*latest)->this_update) / 2)
      return std::optional<store::CrlRecord>{};
    auto revoked = store::CertificateRecords::revoked_by(tx, issuer);
    if (!revoked) return std::move(revoked).error();

    // What the previous CRL already lists, so that each revocation enters exactly once.
    std::set<std::string> listed;
    std::optional<Bytes> previous;
    if (*latest) {
      previous = (*latest)->crl;
      try {
        Botan::X509_CRL crl(*previous);
        for (const auto& entry : crl.get_revoked()) listed.insert(detail::serial_of(entry.serial_number()).str());
      } catch (const std::exception& e) {
        return make_error(ErrorCode::internal, std::string("cannot read the previous CRL: ") + e.what());
      }
    }
    std::vector<CrlEntry> additions;
    for (const auto& r : *revoked) {
      if (listed.count(r.serial.str()) != 0) continue;
      RevocationReason reason = RevocationReason::unspecified;
      if (r.revocation_reason)
        if (auto parsed = parse_revocation_reason(*r.revocation_reason)) reason = *parsed;
      additions.push_back(CrlEntry{r.serial, r.revoked_at.value_or(r.created_at), reason});
    }
    added = additions.size();

    const std::chrono::seconds validity = authority_.settings().crl_validity;
    auto der = authority_.sign_crl(previous, additions, now, validity, issuer_);
    if (!der) return std::move(der).error();
    std::int64_t number = 0;
    try {
      number = static_cast<std::int64_t>(Botan::X509_CRL(*der).crl_number());
    } catch (const std::exception& e) {
      return make_error(ErrorCode::internal, std::string("cannot read the new CRL: ") + e.what());
    }
    store::CrlRecord record{issuer, number, now, now + validity, *der};
    if (Status s = store::CrlRecords::insert(tx, record); !s) return std::move(s).error();
    if (Status s = store::AuditLog::append(tx,
                                           {"system", "crl.publish", "crl:" + std::to_string(number), "success",
                                            "issuer=" + issuer.str() + " added=" + std::to_string(additions.size())},
                                           now);
        !s)
      return std::move(s).error();
    return std::optional<store::CrlRecord>(std::move(record));
  });
  if (!made) return std::move(made).error();
  if (!*made) return std::optional<PublishedCrl>{};
  log::info("pki.crl_published",
            {{"number", (*made)->crl_number}, {"entries_added", static_cast<std::int64_t>(added)}});
  return std::optional<PublishedCrl>(published(**made));
}

}  // namespace firma::certs
