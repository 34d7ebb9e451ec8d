// Work done once per cluster: a lock, held until the end of the database transaction, per kind of task.
#pragma once

#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "store/database.h"

namespace firma::store {

// Tasks that one node at a time does for the whole cluster. Each has its own lock.
enum class ClusterTask {
  audit_sealing,    // giving committed audit events their place in the chain, and signing checkpoints
  ca_setup,         // creating or importing the CA at a first start
  crl_publication,  // numbering and publishing a CRL
  service_signers,  // issuing or renewing the OCSP signer's and the audit signer's certificates
  upkeep,           // the periodic sweeps (expiries, purges, recovery of abandoned confirmations)
};

// PostgreSQL: pg_advisory_xact_lock on a key per task, released when the transaction ends (commit, rollback, or a
// connection lost with its node). SQLite: nothing to take, Database::transact's BEGIN IMMEDIATE already holds the
// write lock of the whole database until the end of the transaction.
// Take it first in the transaction: under READ COMMITTED the statements after it see what the previous holder
// committed.
class ClusterLock {
 public:
  // Waits for the lock.
  static Status hold(Tx& tx, ClusterTask task);
  // Takes the lock if no other transaction holds it: false when another node is doing the task right now.
  static Result<bool> try_hold(Tx& tx, ClusterTask task);

  // Periodic work that spans several transactions (ClusterTask upkeep): the lease of table cluster_leases, taken
  // by `holder` until `until` when it is free or already holder's (it lapses by itself when its node dies). False
  // when another holder's lease runs past `now`.
  static Result<bool> take_lease(Tx& tx, ClusterTask task, std::string_view holder, Instant now, Instant until);
};

}  // namespace firma::store
