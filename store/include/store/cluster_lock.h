// Work done once per cluster: a lock, held until the end of the database transaction, per kind of task.
#pragma once

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
};

}  // namespace firma::store
