// SAD checks before every citizen-key signature, in one place; refusals and uses go to the audit trail.
#include "signer/citizen_key_signer.h"

#include <algorithm>

#include "store/audit_log.h"
#include "store/database.h"
#include "store/sads.h"

namespace firma::signer {
namespace {

// Why the SAD as a whole does not let this citizen's key sign now; empty when it does.
std::string sad_refusal(const Sad& sad, const std::optional<store::SadRecord>& record, const CitizenId& citizen,
                        const KeyId& key, Instant now) {
  if (sad.citizen() != citizen) return "SAD belongs to another citizen";
  if (sad.key() != key) return "SAD is for another key";
  if (now >= sad.expires_at()) return "SAD expired";
  if (!record || record->citizen_id != citizen || record->key_id != key ||
      record->digests_sha256 != digest_list_hash(sad.digests()) || record->expires_at != sad.expires_at())
    return "SAD is not on record";
  return {};
}

}  // namespace

CitizenKeySigner::CitizenKeySigner(hsm::Token& token, store::Database& db, const Clock& clock)
    : token_(token), db_(db), clock_(clock) {}

Result<std::vector<hsm::Signature>> CitizenKeySigner::sign_all(const Sad& sad, const CitizenId& citizen,
                                                               const KeyId& key,
                                                               std::span<const DigestToSign> digests) {
  const Instant now = clock_.now();
  if (digests.empty()) return std::vector<hsm::Signature>{};
  // The uses and their audit events commit together; a refusal rolls every use of this call back (the error
  // below) and is then recorded on its own.
  std::string refusal;
  Status decided = db_.transact([&](store::Tx& tx) -> Status {
    auto record = store::SadRecords::find(tx, sad.id());
    if (!record) return std::move(record).error();
    refusal = sad_refusal(sad, *record, citizen, key, now);
    if (!refusal.empty()) return make_error(ErrorCode::forbidden, refusal);
    std::vector<bool> taken(sad.digests().size(), false);
    for (const DigestToSign& wanted : digests) {
      // Each entry of the list authorises one signature; equal digests (two documents whose signed data
      // coincide) are entries of their own.
      bool used = false, authorised = false;
      for (std::size_t i = 0; i < sad.digests().size() && !used; ++i) {
        if (sad.digests()[i] != wanted.digest) continue;
        authorised = true;
        if (taken[i]) continue;
        auto first_use = store::SadRecords::use(tx, sad.id(), static_cast<int>(i), now);
        if (!first_use) return std::move(first_use).error();
        used = taken[i] = *first_use;
      }
      if (!used) {
        refusal = authorised ? "SAD already used for this digest" : "digest not authorised by the SAD";
        return make_error(ErrorCode::forbidden, refusal);
      }
      if (Status s = store::AuditLog::append(tx,
                                             {citizen.str(), "signature.hsm_sign", key.str(), "success",
                                              "sad " + sad.id() + " digest " + to_hex(wanted.digest)},
                                             now);
          !s)
        return s;
    }
    return {};
  });
  if (!decided && refusal.empty()) return std::move(decided).error();
  if (!refusal.empty()) {
    Status audited = db_.transact([&](store::Tx& tx) {
      return store::AuditLog::append(tx, {citizen.str(), "signature.hsm_sign", key.str(), "refused", refusal}, now);
    });
    if (!audited) return std::move(audited).error();
    return make_error(ErrorCode::forbidden, "signature refused: " + refusal);
  }

  std::vector<hsm::Signature> signatures;
  signatures.reserve(digests.size());
  for (const DigestToSign& d : digests) {
    auto signature = token_.sign_digest(key, d.digest_algorithm, d.digest, d.padding);
    if (!signature) return std::move(signature).error();
    signatures.push_back(std::move(*signature));
  }
  return signatures;
}

Result<hsm::Signature> CitizenKeySigner::sign(const Sad& sad, const CitizenId& citizen, const KeyId& key,
                                              hsm::DigestAlgorithm digest_algorithm,
                                              std::span<const std::uint8_t> digest, hsm::RsaPadding padding) {
  const DigestToSign one{digest_algorithm, Bytes(digest.begin(), digest.end()), padding};
  auto signed_all = sign_all(sad, citizen, key, std::span<const DigestToSign>(&one, 1));
  if (!signed_all) return std::move(signed_all).error();
  return std::move(signed_all->front());
}

}  // namespace firma::signer
