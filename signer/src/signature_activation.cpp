// SAD minting after OTP verification, recorded with its binding so that any node can check it.
#include "signer/signature_activation.h"

#include "identity/citizens.h"
#include "store/audit_log.h"
#include "store/database.h"
#include "store/sads.h"

namespace firma::signer {

SignatureActivation::SignatureActivation(store::Database& db, identity::CitizenService& citizens, const Clock& clock,
                                         Random& random, std::chrono::seconds sad_lifetime)
    : db_(db), citizens_(citizens), clock_(clock), random_(random), sad_lifetime_(sad_lifetime) {}

Result<Sad> SignatureActivation::activate(const TransactionId& transaction, const ChallengeId& challenge,
                                          const Secret& otp, const CitizenId& citizen, const KeyId& key,
                                          std::vector<Bytes> digests) {
  const std::string context = signing_context(transaction, key, digests);
  auto confirmed = citizens_.complete_reinforced(challenge, otp, kSignaturePurpose, context);
  if (!confirmed) return std::move(confirmed).error();
  if (confirmed->id != citizen)
    return make_error(ErrorCode::forbidden, "the OTP was confirmed by another citizen than the transaction's");

  const Instant now = clock_.now();
  Sad sad("sad-" + random_.hex_token(16), transaction, citizen, key, std::move(digests), now + sad_lifetime_);
  store::SadRecord record{sad.id(),          transaction,   citizen, key, digest_list_hash(sad.digests()),
                          static_cast<int>(sad.digests().size()), now, sad.expires_at()};
  Status saved = db_.transact([&](store::Tx& tx) -> Status {
    if (Status s = store::SadRecords::insert(tx, record); !s) return s;
    return store::AuditLog::append(tx, {citizen.str(), "sad.mint", transaction.str(), "success",
                                        sad.id() + " for " + std::to_string(record.digest_count) + " digests"},
                                   now);
  });
  if (!saved) return std::move(saved).error();
  return sad;
}

}  // namespace firma::signer
