// SAD minting after OTP verification, recorded with its binding and entries so that any node can check it.
#include "signer/signature_activation.h"

#include "identity/citizens.h"
#include "store/audit_log.h"
#include "store/database.h"
#include "store/sads.h"
#include "transaction_state.h"

namespace firma::signer {

SignatureActivation::SignatureActivation(store::Database& db, identity::CitizenService& citizens, const Clock& clock,
                                         Random& random, std::chrono::seconds sad_lifetime)
    : db_(db), citizens_(citizens), clock_(clock), random_(random), sad_lifetime_(sad_lifetime) {}

Result<Sad> SignatureActivation::authorise(const ChallengeId& challenge, const Secret& otp, const SadRequest& request) {
  return authorise_bound(challenge, otp, request, kSignaturePurpose, signing_context(request));
}

Result<Sad> SignatureActivation::authorise_credential(const ChallengeId& challenge, const Secret& otp,
                                                      const SadRequest& request) {
  return authorise_bound(challenge, otp, request, kCredentialPurpose, credential_context(request.binding));
}

Result<Sad> SignatureActivation::authorise_bound(const ChallengeId& challenge, const Secret& otp,
                                                 const SadRequest& request, std::string_view purpose,
                                                 const std::string& context) {
  if (request.entries.empty()) return make_error(ErrorCode::invalid_request, "a SAD authorises at least one entry");
  if (request.budget == 0 || request.budget > request.entries.size())
    return make_error(ErrorCode::invalid_request, "a SAD's budget is between one signature and one per entry");
  const SadBinding& binding = request.binding;
  auto confirmed = citizens_.complete_reinforced(challenge, otp, purpose, context);
  if (!confirmed) return std::move(confirmed).error();
  if (confirmed->id != binding.citizen)
    return make_error(ErrorCode::forbidden, "the OTP was confirmed by another citizen than the SAD's");

  const Instant now = clock_.now();
  Sad sad{Secret(random_.hex_token(32)), "sad-" + random_.hex_token(16), now + sad_lifetime_};
  store::SadRecord record{sad.id,
                          sad_value_hash(sad.value),
                          binding.citizen,
                          binding.key,
                          binding.application,
                          request.transaction,
                          static_cast<int>(request.budget),
                          0,
                          now,
                          sad.expires_at};
  std::vector<store::SadEntryRecord> entries;
  entries.reserve(request.entries.size());
  for (const SadEntry& e : request.entries)
    entries.push_back({std::string(hsm::to_string(e.digest_algorithm)), e.digest,
                       std::string(e.any_padding ? kAnyPadding : padding_name(e.padding))});
  Status saved = db_.transact([&](store::Tx& tx) -> Status {
    if (Status s = store::SadRecords::insert(tx, record, entries); !s) return s;
    return store::AuditLog::append(
        tx,
        {binding.citizen.str(), "sad.mint", request.transaction ? request.transaction->str() : binding.key.str(),
         "success",
         sad.id + " for " + std::to_string(entries.size()) + " entries, " + std::to_string(request.budget) +
             " signatures, key " + binding.key.str() + ", application " + binding.application.str()},
        now);
  });
  if (!saved) return std::move(saved).error();
  return sad;
}

}  // namespace firma::signer
