// The one place where a citizen's key signs: the SAD is checked right before the HSM call.
#pragma once

#include <span>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "hsm/token.h"
#include "signer/sad.h"

namespace firma::store {
class Database;
}

namespace firma::signer {

// One signature asked of a citizen's key: the DTBS/R digest and how it is signed.
struct DigestToSign {
  hsm::DigestAlgorithm digest_algorithm = hsm::DigestAlgorithm::sha256;
  Bytes digest;
  hsm::RsaPadding padding = hsm::RsaPadding::pkcs1v15;
};

class CitizenKeySigner {
 public:
  CitizenKeySigner(hsm::Token& token, store::Database& db, const Clock& clock);

  // Signs every digest with `key` for `citizen` when, and only when, `sad` is bound to that citizen and key,
  // has not expired, is on record unchanged, authorises each digest, and has not signed it already (each entry of
  // the SAD's list releases one signature; the uses are recorded atomically in the database, so a second use fails
  // on every node). All or nothing: when one digest is refused none is signed and no use is recorded. A refusal
  // is forbidden and leaves an audit event; so does each use. The signatures come in the order asked.
  Result<std::vector<hsm::Signature>> sign_all(const Sad& sad, const CitizenId& citizen, const KeyId& key,
                                               std::span<const DigestToSign> digests);

  // sign_all for one digest.
  Result<hsm::Signature> sign(const Sad& sad, const CitizenId& citizen, const KeyId& key,
                              hsm::DigestAlgorithm digest_algorithm, std::span<const std::uint8_t> digest,
                              hsm::RsaPadding padding = hsm::RsaPadding::pkcs1v15);

 private:
  hsm::Token& token_;
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace firma::signer
