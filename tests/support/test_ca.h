// A throw-away CA on a test token and a signer credential it certifies, for format and flow tests.
#pragma once

#include <filesystem>
#include <string>

#include "core/encoding.h"
#include "core/ids.h"
#include "hsm/algorithms.h"
#include "hsm/token.h"

namespace firma::testing {

struct TestCredential {
  KeyId key;  // the signer's key on the token
  hsm::KeyAlgorithm algorithm;
  Bytes certificate;               // DER, issued by the test CA
  Bytes ca_certificate;            // DER, self-signed
  std::filesystem::path ca_pem;    // the CA certificate as PEM, for outside verifiers
  std::filesystem::path cert_pem;  // the signer's certificate as PEM
};

// Generates an EC P-256 CA key and a signer key of `algorithm` on `token`, a self-signed CA certificate
// (basicConstraints CA, keyCertSign) and a signer certificate (digitalSignature + nonRepudiation) for
// `common_name`, both signed on the token; writes the PEM files into `dir`. Throws on failure.
TestCredential make_test_credential(hsm::Token& token, const std::filesystem::path& dir, hsm::KeyAlgorithm algorithm,
                                    const std::string& common_name = "ESPAÑOL ESPAÑOL JUAN - 12345678Z");

}  // namespace firma::testing
