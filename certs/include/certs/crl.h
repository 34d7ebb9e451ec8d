// Certificate revocation lists: the issuing CA's (citizens' certificates), published on every revocation and
// before nextUpdate, and the root's (the issuing CA's certificate), kept fresh the same way.
#pragma once

#include <cstdint>
#include <optional>

#include "certs/authority.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/result.h"

namespace firma::store {
class Database;
}

namespace firma::certs {

struct PublishedCrl {
  std::int64_t number = 0;
  Instant this_update{};
  Instant next_update{};
  Bytes der;
};

// Every CRL is kept in the database, so any node serves the latest one. Thread-safe.
class CrlService {
 public:
  CrlService(CertificateAuthority& authority, store::Database& db, const Clock& clock,
             CrlIssuer issuer = CrlIssuer::issuing);

  // The latest CRL; publishes the first one when there is none yet.
  Result<PublishedCrl> current();

  // Publishes a new CRL now: the previous one's entries plus every certificate revoked since (read from the
  // database, so a revocation whose publication failed is listed by the next one), number + 1, nextUpdate
  // now + crl_validity. Nodes publishing at once take turns (ClusterLock crl_publication): numbers never repeat.
  Result<PublishedCrl> publish();

  // Publishes when less than half of the current CRL's validity is left (RFC 5280 5.1.2.5: a new CRL is issued
  // before nextUpdate). True when it published.
  Result<bool> refresh_if_due();

 private:
  // Publishes (when only_if_due, only if the latest CRL is past half its validity) in one locked transaction.
  Result<std::optional<PublishedCrl>> publish_when(bool only_if_due);

  CertificateAuthority& authority_;
  store::Database& db_;
  const Clock& clock_;
  CrlIssuer issuer_;
};

}  // namespace firma::certs
