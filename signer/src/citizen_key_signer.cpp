// SAD checks before every citizen-key signature, in one place; refusals and uses go to the audit trail.
#include "signer/citizen_key_signer.h"

#include <algorithm>

#include "store/audit_log.h"
#include "store/database.h"
#include "store/sads.h"

namespace firma::signer {

CitizenKeySigner::CitizenKeySigner(hsm::Token& token, store::Database& db, const Clock& clock)
    : token_(token), db_(db), clock_(clock) {}

Result<hsm::Signature> CitizenKeySigner::sign(const Sad& sad, const CitizenId& citizen, const KeyId& key,
                                              hsm::DigestAlgorithm digest_algorithm,
                                              std::span<const std::uint8_t> digest, hsm::RsaPadding padding) {
  const Instant now = clock_.now();
  const Bytes wanted(digest.begin(), digest.end());
  // The refusal reason, or empty when the SAD authorises this signature; decided and recorded in one
  // database transaction so that the use and its audit event commit together.
  auto refusal = db_.transact([&](store::Tx& tx) -> Result<std::string> {
    std::string reason;
    auto record = store::SadRecords::find(tx, sad.id());
    if (!record) return std::move(record).error();
    auto index = std::find(sad.digests().begin(), sad.digests().end(), wanted) - sad.digests().begin();
    if (sad.citizen() != citizen) {
      reason = "SAD belongs to another citizen";
    } else if (sad.key() != key) {
      reason = "SAD is for another key";
    } else if (now >= sad.expires_at()) {
      reason = "SAD expired";
    } else if (!record->has_value() || (*record)->citizen_id != citizen || (*record)->key_id != key ||
               (*record)->digests_sha256 != digest_list_hash(sad.digests()) ||
               (*record)->expires_at != sad.expires_at()) {
      reason = "SAD is not on record";
    } else if (static_cast<std::size_t>(index) == sad.digests().size()) {
      reason = "digest not authorised by the SAD";
    } else {
      // Each entry of the list authorises one signature; equal digests (two documents whose signed data
      // coincide) are entries of their own.
      bool used = false;
      for (std::size_t i = static_cast<std::size_t>(index); i < sad.digests().size() && !used; ++i) {
        if (sad.digests()[i] != wanted) continue;
        auto first_use = store::SadRecords::use(tx, sad.id(), static_cast<int>(i), now);
        if (!first_use) return std::move(first_use).error();
        used = *first_use;
      }
      if (!used) reason = "SAD already used for this digest";
    }
    const std::string detail = reason.empty() ? "sad " + sad.id() + " digest " + to_hex(wanted) : reason;
    if (Status s = store::AuditLog::append(tx, {citizen.str(), "signature.hsm_sign", key.str(),
                                                reason.empty() ? "success" : "refused", detail},
                                           now);
        !s)
      return std::move(s).error();
    return reason;
  });
  if (!refusal) return std::move(refusal).error();
  if (!refusal->empty()) return make_error(ErrorCode::forbidden, "signature refused: " + *refusal);
  return token_.sign_digest(key, digest_algorithm, digest, padding);
}

}  // namespace firma::signer
