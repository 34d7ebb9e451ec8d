// SAD minting after OTP verification, recorded with its binding and entries so that any node can check it.
#include "signer/signature_activation.h"

#include <algorithm>
#include <unordered_map>

#include "identity/citizens.h"
#include "sad_refusal.h"
#include "store/audit_log.h"
#include "store/database.h"
#include "store/refusal.h"
#include "store/sads.h"
#include "transaction_state.h"

namespace firma::signer {
namespace {

// The stored form of the entries of a new SAD.
std::vector<store::SadEntryRecord> entry_records(const std::vector<SadEntry>& entries) {
  std::vector<store::SadEntryRecord> out;
  out.reserve(entries.size());
  for (const SadEntry& e : entries)
    out.push_back({std::string(hsm::to_string(e.digest_algorithm)), e.digest,
                   std::string(e.any_padding ? kAnyPadding : padding_name(e.padding))});
  return out;
}

// The unspent entries of a SAD that `asked` takes, one per entry asked (digest algorithm and digest; the padding
// is the authorised entry's), as a multiset; or why not, in CitizenKeySigner's words.
Result<std::vector<store::SadEntryRecord>> narrow(const std::vector<store::SadEntryState>& authorised,
                                                  std::span<const SadEntry> asked) {
  const auto key = [](std::string_view algorithm, std::span<const std::uint8_t> digest) {
    return std::string(algorithm) + "/" + std::string(digest.begin(), digest.end());
  };
  std::unordered_map<std::string, std::vector<const store::SadEntryRecord*>> unspent;  // lowest position last
  for (auto it = authorised.rbegin(); it != authorised.rend(); ++it) {
    auto& entries = unspent[key(it->entry.digest_algorithm, it->entry.digest)];
    if (!it->spent) entries.push_back(&it->entry);
  }
  std::vector<store::SadEntryRecord> kept;
  kept.reserve(asked.size());
  for (const SadEntry& e : asked) {
    const auto found = unspent.find(key(hsm::to_string(e.digest_algorithm), e.digest));
    if (found == unspent.end()) return make_error(ErrorCode::forbidden, "entry not authorised by the SAD");
    if (found->second.empty()) return make_error(ErrorCode::forbidden, "SAD already used for this entry");
    kept.push_back(*found->second.back());
    found->second.pop_back();
  }
  return kept;
}

}  // namespace

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
  const std::vector<store::SadEntryRecord> entries = entry_records(request.entries);
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

Result<Sad> SignatureActivation::reissue(const Secret& sad, const SadBinding& binding,
                                         std::span<const SadEntry> entries) {
  if (entries.empty()) return make_error(ErrorCode::invalid_request, "a SAD authorises at least one entry");
  const Instant now = clock_.now();
  const std::string value_hash = sad_value_hash(sad);
  const auto audit_refusal = [&](store::Tx& tx, const std::string& why) {
    return store::AuditLog::append(tx, {binding.citizen.str(), "sad.reissue", binding.key.str(), "refused", why}, now);
  };
  // As in CitizenKeySigner::sign_all: a refusal before anything is written commits its audit event; one found
  // after the old SAD has ended rolls everything back and is committed on its own.
  std::string lost;
  auto decided = store::settle(db_.transact([&](store::Tx& tx) -> Result<Result<Sad>> {
    lost.clear();
    const auto lose = [&](std::string why) -> Result<Result<Sad>> {
      lost = std::move(why);
      return make_error(ErrorCode::forbidden, "SAD not reissued: " + lost);
    };
    auto found = store::SadRecords::find_by_value(tx, value_hash);
    if (!found) return std::move(found).error();
    if (std::string why = sad_refusal(*found, binding, now); !why.empty()) {
      if (Status s = audit_refusal(tx, why); !s) return std::move(s).error();
      return store::refuse<Sad>(ErrorCode::forbidden, "SAD not reissued: " + why);
    }
    const std::string old_id = (*found)->id;
    // Ended first: the update holds the SAD's row, so a concurrent signer or reissue of it either committed before
    // (its uses are read below) or loses (SadRecords::spend and end check the expiry).
    auto ended = store::SadRecords::end(tx, old_id, now);
    if (!ended) return std::move(ended).error();
    if (!*ended) return lose("SAD ended");
    auto old = store::SadRecords::find_by_value(tx, value_hash);
    if (!old) return std::move(old).error();
    if (!*old) return lose("SAD is not on record");
    auto authorised = store::SadRecords::entries(tx, old_id);
    if (!authorised) return std::move(authorised).error();
    auto kept = narrow(*authorised, entries);
    if (!kept) return lose(kept.error().message);
    const int left = (*old)->budget - (*old)->spent;
    if (left <= 0) return lose("SAD budget of " + std::to_string((*old)->budget) + " signatures spent");
    const int budget = std::min(left, static_cast<int>(kept->size()));
    Sad fresh{Secret(random_.hex_token(32)), "sad-" + random_.hex_token(16), now + sad_lifetime_};
    const store::SadRecord record{fresh.id,
                                  sad_value_hash(fresh.value),
                                  binding.citizen,
                                  binding.key,
                                  binding.application,
                                  (*old)->transaction_id,
                                  budget,
                                  0,
                                  now,
                                  fresh.expires_at};
    if (Status s = store::SadRecords::insert(tx, record, *kept); !s) return std::move(s).error();
    if (Status s = store::AuditLog::append(
            tx,
            {binding.citizen.str(), "sad.reissue",
             record.transaction_id ? record.transaction_id->str() : binding.key.str(), "success",
             fresh.id + " replaces " + old_id + ": " + std::to_string(kept->size()) + " of its unspent entries, " +
                 std::to_string(budget) + " signatures; " + old_id + " ended"},
            now);
        !s)
      return std::move(s).error();
    return store::accept(std::move(fresh));
  }));
  if (!decided && !lost.empty())
    return store::commit_refusal(db_, std::move(decided).error(),
                                 [&](store::Tx& tx) { return audit_refusal(tx, lost); });
  return decided;
}

}  // namespace firma::signer
