// The one place where a citizen's key signs: the SAD is checked, and its entries spent, right before the HSM call.
#pragma once

#include <span>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"
#include "hsm/token.h"
#include "signer/formats.h"
#include "signer/sad.h"

namespace firma::store {
class Database;
}

namespace firma::signer {

// Signing services and fronts are handed a CitizenKeySigner, never the token (ARCHITECTURE.md invariant 1).
class CitizenKeySigner {
 public:
  CitizenKeySigner(hsm::Token& token, store::Database& db, const Clock& clock);

  // Signs every entry with the binding's key when, and only when, the SAD whose value is `sad` is on record,
  // bound to exactly this citizen, key and application, unexpired, and has an unspent entry equal to each one
  // asked (the request is matched as a multiset: an entry asked twice needs two) within its budget. The entries
  // are spent, and each use audited, in one database transaction before the HSM is called, so a second use fails
  // on every node. All or nothing: when one entry is refused none is signed or spent. A refusal is forbidden and
  // leaves an audit event. A later call with the same SAD may sign the entries still unspent. The signatures
  // come in the order asked.
  Result<std::vector<hsm::Signature>> sign_all(const Secret& sad, const SadBinding& binding,
                                               std::span<const SadEntry> entries);

  // sign_all for one entry.
  Result<hsm::Signature> sign(const Secret& sad, const SadBinding& binding, const SadEntry& entry);
  // Signs documents under a SAD that authorised their digests (CSC's signDoc): each document's digest, under its
  // digest_algorithm (or the digest itself, DocumentRequest::content_is_digest), must be an unspent entry of the
  // SAD, and what the key signs is the format's structure built here from that document (formats.h), so a SAD
  // that authorised a document releases a signature of that document and of nothing else. Checks, spending,
  // audit and refusals as sign_all; the signed documents (or detached signatures) come in the order asked.
  // Levels past B (DocumentRequest::level) take their time stamps and validation data from `long_term`.
  Result<std::vector<Assembled>> sign_documents(const Secret& sad, const SadBinding& binding,
                                                std::span<const DocumentRequest> documents,
                                                const CredentialView& credential,
                                                const LongTermServices& long_term = {});

  // The algorithm of a citizen's key, for the formats to describe the signature; it signs nothing.
  Result<hsm::KeyAlgorithm> algorithm(const KeyId& key) const;

 private:
  // The SAD check and the spending of `entries` in one database transaction (see sign_all).
  Status spend(const Secret& sad, const SadBinding& binding, std::span<const SadEntry> entries, Instant now);
  // The HSM's signatures of `digests` with the key, token-held or wrapped (hsm.key_custody); called only once the SAD
  // has been spent for them.
  Result<std::vector<hsm::Signature>> sign_with(const KeyId& key, std::span<const SadEntry> digests);

  hsm::Token& token_;
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace firma::signer
