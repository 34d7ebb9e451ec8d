// For the raw, CAdES and PAdES tests: a signer credential on a SoftHSM2 token, the three phases run end to
// end, and the helpers that call the outside verifiers.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/result.h"
#include "hsm/algorithms.h"
#include "signer/formats.h"
#include "support/process.h"
#include "support/softhsm_token.h"
#include "support/temp_dir.h"
#include "support/test_ca.h"

namespace firma::signer::test {

// A fresh token with a test CA and a signer of `algorithm` certified by it (PEM files in dir()).
class TokenSigner {
 public:
  explicit TokenSigner(hsm::KeyAlgorithm algorithm);

  CredentialView view() const;
  const firma::testing::TestCredential& credential() const { return credential_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  hsm::Token& token() { return hsm_.token(); }

  // validate -> prepare -> the token signs the DTBS/R -> assemble, as a transaction does.
  Result<Assembled> sign(const DocumentRequest& request, Instant signing_time);
  // The token's signature over `prepared`, for tests that assemble by hand.
  hsm::Signature signature_for(const Prepared& prepared);

 private:
  firma::testing::SoftHsmToken hsm_;
  firma::testing::TempDir dir_;
  firma::testing::TestCredential credential_;
};

// The current time to the second (what a transaction would pass as the signing time).
Instant now_seconds();

std::filesystem::path write_bytes(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);
Bytes read_bytes(const std::filesystem::path& path);
std::string quoted(const std::filesystem::path& path);
firma::testing::CommandResult run(const std::string& command);

// A copy with the byte at `at` changed.
Bytes tampered(Bytes bytes, std::size_t at);

// `openssl cms -verify ... -cades`: true only when OpenSSL prints "CAdES Verification successful" and exits 0.
// `content` empty: attached (no -content).
bool openssl_cades_verifies(const std::filesystem::path& cms, const std::filesystem::path& content,
                            const std::filesystem::path& ca_pem, std::string* output = nullptr);

}  // namespace firma::signer::test
