// The audit sealer: the audit key on the HSM, its certificate from the CA, and the one sealer of the cluster that
// chains committed audit events in batches and signs each batch's checkpoint.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/random.h"
#include "core/result.h"
#include "store/audit_log.h"

namespace firma::hsm {
class Token;
}
namespace firma::store {
class Database;
}

namespace firma::certs {

class CertificateAuthority;

// Thread-safe. The authority, token and database must outlive it.
//
// Why a sealer rather than a chain extended by each append: appends then touch no shared row, so every node's
// transactions insert their events in parallel; and the chain's head is signed by a key the database cannot
// reach, so whoever rewrites rows and recomputes hashes still cannot produce a checkpoint that matches.
class AuditSealer {
 public:
  // The audit signer in use (store/audit_signers.h), made on the first start of the cluster: a key for
  // hsm::KeyPurpose::audit on the token (it signs nothing but checkpoints) and its certificate from the issuing CA.
  // Nodes starting together make one (ClusterLock service_signers).
  static Result<std::unique_ptr<AuditSealer>> open(CertificateAuthority& authority, hsm::Token& token,
                                                   store::Database& db, const Clock& clock, Random& random,
                                                   std::size_t batch_size = 2000);
  ~AuditSealer();
  AuditSealer(const AuditSealer&) = delete;
  AuditSealer& operator=(const AuditSealer&) = delete;

  // Seals the events committed before the call, batch after batch, each batch in one database transaction under
  // ClusterLock audit_sealing: so one node at a time seals, and a sealer killed mid-batch leaves nothing sealed
  // (the batch rolls back with its connection) for the next one to take over. wait: queue behind another node's
  // batch; otherwise return at once when another node is sealing. The number of events sealed here.
  Result<std::int64_t> seal(bool wait);

  // Seals (waiting), then walks the chain against every checkpoint of the database whose signature verifies with
  // an audit certificate of this CA, and against `kept` (checkpoints exported earlier, e.g. from a file). A
  // checkpoint whose signature does not verify fails the walk at its first record. `kept` holding one that does not
  // verify: invalid_request.
  Result<store::AuditVerification> verify(const std::vector<store::AuditCheckpoint>& kept = {});

  Result<std::vector<store::AuditCheckpoint>> checkpoints(std::int64_t after_seq, std::size_t limit);
  // DER of every audit certificate of this CA (older ones too: their checkpoints stay verifiable).
  Result<std::vector<Bytes>> certificates();

  // Seals every `interval` in a thread of its own until destroyed.
  void run_every(std::chrono::milliseconds interval);

  struct Impl;

 private:
  explicit AuditSealer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace firma::certs
