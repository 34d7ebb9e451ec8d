// SAD checks before every citizen-key signature, in one place; refusals and uses go to the audit trail.
#include "signer/citizen_key_signer.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "formats/crypto.h"
#include "sad_refusal.h"
#include "store/audit_log.h"
#include "store/database.h"
#include "store/refusal.h"
#include "store/sads.h"
#include "store/wrapped_keys.h"
#include "transaction_state.h"

namespace firma::signer {

std::string sad_refusal(const std::optional<store::SadRecord>& record, const SadBinding& binding, Instant now) {
  if (!record) return "SAD is not on record";
  if (record->citizen_id != binding.citizen) return "SAD belongs to another citizen";
  if (record->key_id != binding.key) return "SAD is for another key";
  if (record->app_id != binding.application) return "SAD is for another application";
  if (now >= record->expires_at) return "SAD expired";
  return {};
}

namespace {

// An entry as one string (algorithm, padding, digest), so that matching is one hash look-up per entry asked.
std::string entry_key(std::string_view digest_algorithm, std::string_view padding,
                      std::span<const std::uint8_t> digest) {
  std::string key;
  key.reserve(digest_algorithm.size() + padding.size() + digest.size() + 2);
  key.append(digest_algorithm).push_back('/');
  key.append(padding).push_back('/');
  key.append(digest.begin(), digest.end());
  return key;
}

// The positions of the SAD's entries that the request spends, one unspent entry per entry asked; or why not.
// Linear in the SAD's entries plus the request: the unspent positions are grouped by entry in a hash map. An entry
// authorised with any padding (SadEntry::any_padding) serves an asked entry of either padding, after the entries
// authorised with exactly its padding.
Result<std::vector<int>> match(const std::vector<store::SadEntryState>& authorised, std::span<const SadEntry> asked) {
  std::unordered_map<std::string, std::vector<int>> unspent;  // entry -> unspent positions, lowest last (taken first)
  unspent.reserve(authorised.size());
  for (auto it = authorised.rbegin(); it != authorised.rend(); ++it) {
    auto& positions = unspent[entry_key(it->entry.digest_algorithm, it->entry.padding, it->entry.digest)];
    if (!it->spent) positions.push_back(it->position);
  }
  std::vector<int> spent;
  spent.reserve(asked.size());
  for (const SadEntry& e : asked) {
    const std::string_view algorithm = hsm::to_string(e.digest_algorithm);
    auto found = unspent.find(entry_key(algorithm, padding_name(e.padding), e.digest));
    if (found == unspent.end() || found->second.empty()) {
      const auto any = unspent.find(entry_key(algorithm, kAnyPadding, e.digest));
      if (any != unspent.end() && (found == unspent.end() || !any->second.empty())) found = any;
    }
    if (found == unspent.end()) return make_error(ErrorCode::forbidden, "entry not authorised by the SAD");
    if (found->second.empty()) return make_error(ErrorCode::forbidden, "SAD already used for this entry");
    spent.push_back(found->second.back());
    found->second.pop_back();
  }
  return spent;
}

// A key kept wrapped (hsm.key_custody = wrapped), as the token takes it to sign.
hsm::WrappedKey wrapped_key(const store::WrappedKeyRecord& r) {
  return hsm::WrappedKey{r.key_id, r.kek_id, hsm::parse_key_algorithm(r.algorithm).value_or(hsm::KeyAlgorithm::ec_p256),
                         r.public_key, r.wrapped};
}

}  // namespace

CitizenKeySigner::CitizenKeySigner(hsm::Token& token, store::Database& db, const Clock& clock)
    : token_(token), db_(db), clock_(clock) {}

Status CitizenKeySigner::spend(const Secret& sad, const SadBinding& binding, std::span<const SadEntry> entries,
                               Instant now) {
  const std::string value_hash = sad_value_hash(sad);
  // Only the entries the call asks for are read: a call's work does not grow with the SAD's size.
  std::vector<Bytes> asked_digests;
  asked_digests.reserve(entries.size());
  for (const SadEntry& e : entries) asked_digests.push_back(e.digest);
  std::sort(asked_digests.begin(), asked_digests.end());
  asked_digests.erase(std::unique(asked_digests.begin(), asked_digests.end()), asked_digests.end());
  const auto audit_refusal = [&](store::Tx& tx, const std::string& why) {
    return store::AuditLog::append(tx, {binding.citizen.str(), "signature.hsm_sign", binding.key.str(), "refused", why},
                                   now);
  };
  // Decided in one unit of work: a refusal writes its audit event only (nothing is spent before every entry has
  // matched); an acceptance spends the entries and the budget and audits each use. A concurrent signer of the
  // same SAD (PostgreSQL, another node) can be found only by writing: that refusal rolls this unit back and is
  // committed on its own.
  std::string lost;
  auto decided = store::settle(db_.transact([&](store::Tx& tx) -> Result<Result<bool>> {
    lost.clear();
    const auto refuse = [&](const std::string& why) -> Result<Result<bool>> {
      if (Status s = audit_refusal(tx, why); !s) return std::move(s).error();
      return store::refuse<bool>(ErrorCode::forbidden, "signature refused: " + why);
    };
    const auto lose = [&](std::string why) -> Result<Result<bool>> {
      lost = std::move(why);
      return make_error(ErrorCode::forbidden, "signature refused: " + lost);
    };
    auto record = store::SadRecords::find_by_value(tx, value_hash);
    if (!record) return std::move(record).error();
    if (std::string why = sad_refusal(*record, binding, now); !why.empty()) return refuse(why);
    const store::SadRecord& r = **record;
    auto authorised = store::SadRecords::entries_with_digests(tx, r.id, asked_digests);
    if (!authorised) return std::move(authorised).error();
    auto positions = match(*authorised, entries);
    if (!positions) return refuse(positions.error().message);
    const std::string over_budget = "SAD budget of " + std::to_string(r.budget) + " signatures exceeded";
    if (static_cast<std::size_t>(r.spent) + entries.size() > static_cast<std::size_t>(r.budget))
      return refuse(over_budget);
    // A constant number of statements per call, however many entries: the uses in one batch, one audit event
    // naming every digest released.
    auto first_use = store::SadRecords::use_all(tx, r.id, *positions, now);
    if (!first_use) return std::move(first_use).error();
    if (!*first_use) return lose("SAD already used for this entry");
    std::string digests;
    digests.reserve(entries.size() * (2 * entries.front().digest.size() + 1));
    for (const SadEntry& e : entries) digests += (digests.empty() ? "" : ",") + to_hex(e.digest);
    if (Status s = store::AuditLog::append(
            tx,
            {binding.citizen.str(), "signature.hsm_sign", binding.key.str(), "success",
             "sad " + r.id + ", " + std::to_string(entries.size()) +
                 (entries.size() == 1 ? " signature, digest " : " signatures, digests ") + digests},
            now);
        !s)
      return std::move(s).error();
    // Last, so that the SAD's row is held only until the commit (the upkeep of a node revokes SADs on it).
    auto counted = store::SadRecords::spend(tx, r.id, static_cast<int>(entries.size()), now);
    if (!counted) return std::move(counted).error();
    if (!*counted) return lose(over_budget + ", or the SAD ended");
    return store::accept(true);
  }));
  if (!decided && !lost.empty())
    return store::commit_refusal(db_, std::move(decided).error(),
                                 [&](store::Tx& tx) { return audit_refusal(tx, lost); });
  if (!decided) return std::move(decided).error();
  return {};
}

Result<std::vector<hsm::Signature>> CitizenKeySigner::sign_all(const Secret& sad, const SadBinding& binding,
                                                               std::span<const SadEntry> entries) {
  if (entries.empty()) return std::vector<hsm::Signature>{};
  if (Status spent = spend(sad, binding, entries, clock_.now()); !spent) return std::move(spent).error();
  return sign_with(binding.key, entries);
}

Result<std::vector<hsm::Signature>> CitizenKeySigner::sign_with(const KeyId& key_id,
                                                                std::span<const SadEntry> digests) {
  std::vector<hsm::Signature> signatures;
  signatures.reserve(digests.size());
  // The key's blob when it is kept wrapped (hsm.key_custody = wrapped when it was made); none for a token key.
  auto wrapped = db_.transact([&](store::Tx& tx) { return store::WrappedKeyRecords::find(tx, key_id); });
  if (!wrapped) return std::move(wrapped).error();
  const std::optional<hsm::WrappedKey> key = *wrapped ? std::optional(wrapped_key(**wrapped)) : std::nullopt;
  for (const SadEntry& e : digests) {
    auto signature = key ? token_.sign_wrapped_digest(*key, e.digest_algorithm, e.digest, e.padding)
                         : token_.sign_digest(key_id, e.digest_algorithm, e.digest, e.padding);
    if (!signature) return std::move(signature).error();
    signatures.push_back(std::move(*signature));
  }
  return signatures;
}

Result<hsm::Signature> CitizenKeySigner::sign(const Secret& sad, const SadBinding& binding, const SadEntry& entry) {
  auto signed_all = sign_all(sad, binding, std::span<const SadEntry>(&entry, 1));
  if (!signed_all) return std::move(signed_all).error();
  return std::move(signed_all->front());
}

Result<std::vector<Assembled>> CitizenKeySigner::sign_documents(const Secret& sad, const SadBinding& binding,
                                                                std::span<const DocumentRequest> documents,
                                                                const CredentialView& credential,
                                                                const LongTermServices& long_term) {
  if (documents.empty()) return std::vector<Assembled>{};
  const Instant now = clock_.now();
  // Built before anything is spent: a document the format refuses spends nothing.
  std::vector<Prepared> prepared;
  std::vector<SadEntry> authorised;
  prepared.reserve(documents.size());
  authorised.reserve(documents.size());
  for (const DocumentRequest& d : documents) {
    if (Status valid = validate(d); !valid) return std::move(valid).error();
    auto p = prepare(d, credential, now);
    if (!p) return std::move(p).error();
    authorised.push_back({d.digest_algorithm,
                          d.content_is_digest ? d.content : formats::digest(d.digest_algorithm, d.content),
                          p->padding});
    prepared.push_back(std::move(*p));
  }
  if (Status spent = spend(sad, binding, authorised, now); !spent) return std::move(spent).error();
  std::vector<SadEntry> structures;  // what the key signs: each document's DTBS/R
  structures.reserve(prepared.size());
  for (const Prepared& p : prepared) structures.push_back({p.digest_algorithm, p.dtbs_digest, p.padding});
  auto signatures = sign_with(binding.key, structures);
  if (!signatures) return std::move(signatures).error();
  std::vector<Assembled> out;
  out.reserve(documents.size());
  for (std::size_t i = 0; i < documents.size(); ++i) {
    auto assembled = assemble(documents[i], prepared[i], (*signatures)[i], credential, long_term);
    if (!assembled) return std::move(assembled).error();
    out.push_back(std::move(*assembled));
  }
  return out;
}

Result<hsm::KeyAlgorithm> CitizenKeySigner::algorithm(const KeyId& key) const {
  auto wrapped = db_.transact([&](store::Tx& tx) { return store::WrappedKeyRecords::find(tx, key); });
  if (!wrapped) return std::move(wrapped).error();
  if (*wrapped) return wrapped_key(**wrapped).algorithm;
  return token_.algorithm(key);
}

}  // namespace firma::signer
