// Signature Activation Data (CEN EN 419241-1, SCAL2): the only thing that lets a citizen key sign.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"

namespace firma::signer {

// A SAD is bound to one citizen, one key and an exact ordered list of DTBS/R digests, and expires soon.
// It has no public constructor: SignatureActivation (signature_activation.h) mints it, and only after the
// citizen's OTP for exactly these digests has been verified. It cannot be copied, so a SAD in memory has
// one owner; its single use per digest is enforced in the database by CitizenKeySigner.
class Sad {
 public:
  Sad(Sad&&) noexcept = default;
  Sad& operator=(Sad&&) noexcept = default;
  Sad(const Sad&) = delete;
  Sad& operator=(const Sad&) = delete;

  const std::string& id() const noexcept { return id_; }
  const TransactionId& transaction() const noexcept { return transaction_; }
  const CitizenId& citizen() const noexcept { return citizen_; }
  const KeyId& key() const noexcept { return key_; }
  const std::vector<Bytes>& digests() const noexcept { return digests_; }
  Instant expires_at() const noexcept { return expires_at_; }

 private:
  friend class SignatureActivation;
  Sad(std::string id, TransactionId transaction, CitizenId citizen, KeyId key, std::vector<Bytes> digests,
      Instant expires_at)
      : id_(std::move(id)),
        transaction_(std::move(transaction)),
        citizen_(std::move(citizen)),
        key_(std::move(key)),
        digests_(std::move(digests)),
        expires_at_(expires_at) {}

  std::string id_;
  TransactionId transaction_;
  CitizenId citizen_;
  KeyId key_;
  std::vector<Bytes> digests_;
  Instant expires_at_;
};

// SHA-256 (hex) over an unambiguous encoding of the ordered digest list: what the SAD record, the OTP
// binding and the checks compare.
std::string digest_list_hash(std::span<const Bytes> digests);

// The OTP context of a signing transaction: transaction, key and the exact digests the citizen confirms.
std::string signing_context(const TransactionId& transaction, const KeyId& key, std::span<const Bytes> digests);

}  // namespace firma::signer
