// Signature Activation Data (CEN EN 419241-1, SCAL2): the only thing that lets a citizen key sign.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/secret.h"
#include "hsm/algorithms.h"

namespace firma::signer {

// One signature a SAD may release: the DTBS/R digest and how it is signed.
struct SadEntry {
  hsm::DigestAlgorithm digest_algorithm = hsm::DigestAlgorithm::sha256;
  Bytes digest;
  hsm::RsaPadding padding = hsm::RsaPadding::pkcs1v15;
  // On an authorised entry only: the signing call chooses the padding (CSC's signHash names it in signAlgo,
  // after the authorisation), so this entry matches an asked entry of either padding. `padding` is then unused.
  bool any_padding = false;
};

// Whose signatures a SAD allows: one citizen, one credential (its key), through one client application.
struct SadBinding {
  CitizenId citizen;
  KeyId key;
  AppId application;
};

// What a citizen authorises with the OTP: an exact multiset of entries (equal entries count once each), at most
// `budget` signatures in all, for the binding; `transaction` names the REST or FIRe transaction it is for.
struct SadRequest {
  SadBinding binding;
  std::vector<SadEntry> entries;
  std::size_t budget = 0;  // 1 .. entries.size()
  std::optional<TransactionId> transaction;
};

// A SAD as its holder has it. Only SignatureActivation makes one, after the OTP; the value (128 random bits) is
// the capability, shown once: the database keeps its SHA-256 only.
struct Sad {
  Secret value;
  std::string id;  // names it in the audit trail; signs nothing
  Instant expires_at{};
};

// The OTP context of a SAD: binding, budget, transaction and every entry (algorithm, digest, padding) in order,
// so that the code confirms exactly these signatures.
std::string signing_context(const SadRequest& request);

// The OTP context of a code sent before its SAD's entries are known (CSC explicit mode: sendOTP names only the
// credential): the binding alone. The SAD minted with it still binds the exact entries given with the password.
std::string credential_context(const SadBinding& binding);

// The SHA-256 (hex) of a SAD's value: what the database keeps and looks it up by.
std::string sad_value_hash(const Secret& value);

}  // namespace firma::signer
