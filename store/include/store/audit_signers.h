// The audit signer's certificates (audit_signers, migration 0011): the key that signs audit checkpoints.
#pragma once

#include <optional>
#include <vector>

#include "core/result.h"
#include "store/certificates.h"
#include "store/database.h"

namespace firma::store {

// Records are CaCertificateRecords with role "audit_signer".
class AuditSignerRecords {
 public:
  // conflict when the serial is taken or, for an active record, another one is active.
  static Status insert(Tx& tx, const CaCertificateRecord& record);
  // The certificate that signs now; nullopt before the first.
  static Result<std::optional<CaCertificateRecord>> active(Tx& tx);
  // Every audit certificate, oldest first.
  static Result<std::vector<CaCertificateRecord>> list(Tx& tx);
};

}  // namespace firma::store
