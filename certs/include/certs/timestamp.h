// Time stamps (RFC 3161): Firma's own time-stamping unit in the HSM, an outside TSA over HTTP, and what the
// signature formats call to get a TimeStampToken over a digest.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "certs/settings.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/random.h"
#include "core/result.h"
#include "hsm/algorithms.h"

namespace firma::hsm {
class Token;
}

namespace firma::certs {

class CertificateAuthority;

// What the signature levels T, LT and LTA call: a TimeStampToken (RFC 3161 2.4.2: DER ContentInfo with a
// SignedData over a TSTInfo) whose messageImprint is `digest` under `algorithm`, with the TSA's certificate in it.
// Errors: unavailable when the TSA cannot be reached or answers with anything but a token over that digest;
// internal when our own TSA cannot sign. Thread-safe.
class TimeStamper {
 public:
  virtual ~TimeStamper() = default;
  // `nonce`: the big-endian magnitude of a positive INTEGER the token must echo (RFC 3161 2.4.1), as a client that
  // asks through Firma gives it (CSC's signatures/timestamp); empty when the caller has none.
  virtual Result<Bytes> timestamp(hsm::DigestAlgorithm algorithm, std::span<const std::uint8_t> digest,
                                  std::span<const std::uint8_t> nonce) = 0;
  Result<Bytes> timestamp(hsm::DigestAlgorithm algorithm, std::span<const std::uint8_t> digest) {
    return timestamp(algorithm, digest, {});
  }
};

// Firma's own time-stamping unit: the CA's TSA key and certificate (CertificateAuthority::tsa_signer), the
// policy and accuracy of the pki.tsa_* settings, a random 127-bit serial number per token (unique across nodes
// without coordination), genTime from the injected clock. Built in three phases: TSTInfo and signed attributes
// encoded, their digest signed on the token (key purpose timestamping), SignedData assembled.
class TimeStampAuthority final : public TimeStamper {
 public:
  TimeStampAuthority(const CertificateAuthority& authority, hsm::Token& token, const Clock& clock, Random& random);

  // Always a DER TimeStampResp (RFC 3161 2.4.2). A TimeStampReq v1 with a SHA-256/384/512 imprint of the right
  // length, our policy or none, and no extensions is granted: the token echoes the imprint and the nonce, states
  // the accuracy, and carries the TSA's certificate when certReq is true. Anything else is a rejection with its
  // PKIFailureInfo: badDataFormat (not a TimeStampReq, trailing bytes, wrong version, imprint length), badAlg
  // (another hash), unacceptedPolicy, unacceptedExtension; systemFailure when the token cannot sign.
  Bytes respond(std::span<const std::uint8_t> request) const;

  using TimeStamper::timestamp;
  Result<Bytes> timestamp(hsm::DigestAlgorithm algorithm, std::span<const std::uint8_t> digest,
                          std::span<const std::uint8_t> nonce) override;

 private:
  const CertificateAuthority& authority_;
  hsm::Token& token_;
  const Clock& clock_;
  Random& random_;
};

// An outside RFC 3161 TSA (timestamp.url), reached over HTTP(S) (RFC 3161 3.4: POST application/timestamp-query)
// with a random nonce and certReq; the answer must be granted, over the digest asked for, with the nonce sent.
class RemoteTimeStamper final : public TimeStamper {
 public:
  RemoteTimeStamper(std::string url, std::chrono::seconds timeout, Random& random);
  using TimeStamper::timestamp;
  Result<Bytes> timestamp(hsm::DigestAlgorithm algorithm, std::span<const std::uint8_t> digest,
                          std::span<const std::uint8_t> nonce) override;

 private:
  std::string url_;
  std::chrono::seconds timeout_;
  Random& random_;
};

// The outside TSA of timestamp.url, or null when it is empty (Firma's own TSA stamps). invalid_request naming the
// key for a url that is not http(s)://host[:port]/path.
Result<std::unique_ptr<RemoteTimeStamper>> remote_time_stamper(const TimestampSettings& settings, Random& random);

}  // namespace firma::certs
