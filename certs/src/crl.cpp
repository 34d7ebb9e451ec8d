// CRL publication: the previous CRL plus what the database says was revoked since, signed by its CA.
#include "certs/crl.h"

#include <botan/x509_crl.h>

#include <set>
#include <utility>

#include "certs/authority.h"
#include "core/log.h"
#include "store/audit_log.h"
#include "store/certificates.h"
#include "store/database.h"
#include "x509_util.h"

namespace firma::certs {
namespace {

constexpr int kPublishAttempts = 5;

PublishedCrl published(const store::CrlRecord& r) {
  return PublishedCrl{r.crl_number, r.this_update, r.next_update, r.crl};
}

struct Snapshot {
  std::optional<store::CrlRecord> latest;
  std::vector<store::CertificateRecord> revoked;
};

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
  const CertSerial issuer = authority_.ca(issuer_).serial;
  for (int attempt = 0; attempt < kPublishAttempts; ++attempt) {
    auto snapshot = db_.transact([&](store::Tx& tx) -> Result<Snapshot> {
      auto latest = store::CrlRecords::latest(tx, issuer);
      if (!latest) return std::move(latest).error();
      auto revoked = store::CertificateRecords::revoked_by(tx, issuer);
      if (!revoked) return std::move(revoked).error();
      return Snapshot{std::move(*latest), std::move(*revoked)};
    });
    if (!snapshot) return std::move(snapshot).error();

    // What the previous CRL already lists, so that each revocation enters exactly once.
    std::set<std::string> listed;
    std::optional<Bytes> previous;
    if (snapshot->latest) {
      previous = snapshot->latest->crl;
      try {
        Botan::X509_CRL crl(*previous);
        for (const auto& entry : crl.get_revoked()) listed.insert(detail::serial_of(entry.serial_number()).str());
      } catch (const std::exception& e) {
        return make_error(ErrorCode::internal, std::string("cannot read the previous CRL: ") + e.what());
      }
    }
    std::vector<CrlEntry> additions;
    for (const auto& r : snapshot->revoked) {
      if (listed.count(r.serial.str()) != 0) continue;
      RevocationReason reason = RevocationReason::unspecified;
      if (r.revocation_reason)
        if (auto parsed = parse_revocation_reason(*r.revocation_reason)) reason = *parsed;
      additions.push_back(CrlEntry{r.serial, r.revoked_at.value_or(r.created_at), reason});
    }

    const Instant now = clock_.now();
    const std::chrono::seconds validity = authority_.settings().crl_validity;
    auto der = authority_.sign_crl(previous, additions, now, validity, issuer_);
    if (!der) return std::move(der).error();
    std::int64_t number = 0;
    try {
      number = static_cast<std::int64_t>(Botan::X509_CRL(*der).crl_number());
    } catch (const std::exception& e) {
      return make_error(ErrorCode::internal, std::string("cannot read the new CRL: ") + e.what());
    }
    const store::CrlRecord record{issuer, number, now, now + validity, *der};
    Status saved = db_.transact([&](store::Tx& tx) -> Status {
      if (Status s = store::CrlRecords::insert(tx, record); !s) return s;
      return store::AuditLog::append(tx,
                                     {"system", "crl.publish", "crl:" + std::to_string(number), "success",
                                      "issuer=" + issuer.str() + " added=" + std::to_string(additions.size())},
                                     now);
    });
    if (saved) {
      log::info("pki.crl_published",
                {{"number", number}, {"entries_added", static_cast<std::int64_t>(additions.size())}});
      return published(record);
    }
    if (saved.error().code != ErrorCode::conflict) return std::move(saved).error();
    // Another node published this number first: start again from its CRL.
  }
  return make_error(ErrorCode::unavailable, "could not publish a CRL: other nodes kept publishing first");
}

Result<bool> CrlService::refresh_if_due() {
  const CertSerial issuer = authority_.ca(issuer_).serial;
  auto latest = db_.transact([&](store::Tx& tx) { return store::CrlRecords::latest(tx, issuer); });
  if (!latest) return std::move(latest).error();
  const Instant now = clock_.now();
  if (*latest) {
    const auto& r = **latest;
    const auto half_life = (r.next_update - r.this_update) / 2;
    if (now < r.this_update + half_life) return false;
  }
  auto made = publish();
  if (!made) return std::move(made).error();
  return true;
}

}  // namespace firma::certs
