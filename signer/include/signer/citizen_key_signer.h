// The one place where a citizen's key signs: the SAD is checked right before the HSM call.
#pragma once

#include <span>

#include "core/clock.h"
#include "core/result.h"
#include "hsm/token.h"
#include "signer/sad.h"

namespace firma::store {
class Database;
}

namespace firma::signer {

class CitizenKeySigner {
 public:
  CitizenKeySigner(hsm::Token& token, store::Database& db, const Clock& clock);

  // Signs `digest` with `key` for `citizen` when, and only when, `sad` is bound to that citizen and key,
  // has not expired, is on record unchanged, authorises this exact digest, and has not signed it already
  // (recorded atomically in the database, so a second use fails on every node). Each refusal is forbidden
  // and leaves an audit event; so does each signature.
  Result<hsm::Signature> sign(const Sad& sad, const CitizenId& citizen, const KeyId& key,
                              hsm::DigestAlgorithm digest_algorithm, std::span<const std::uint8_t> digest,
                              hsm::RsaPadding padding = hsm::RsaPadding::pkcs1v15);

 private:
  hsm::Token& token_;
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace firma::signer
