// Test CA: Botan's X509_CA signing with keys that stay on the SoftHSM2 token (hsm's Botan adapter).
#include "support/test_ca.h"

#include <botan/auto_rng.h>
#include <botan/pkcs10.h>
#include <botan/x509_ca.h>
#include <botan/x509self.h>

#include <chrono>
#include <fstream>
#include <stdexcept>

#include "core/random.h"
#include "hsm/botan_key.h"

namespace firma::testing {
namespace {

std::unique_ptr<Botan::Private_Key> token_key(hsm::Token& token, const KeyId& id, hsm::KeyAlgorithm algorithm) {
  auto spki = token.generate_key_pair(id, algorithm, id.str());
  if (!spki) throw std::runtime_error("test CA: key generation failed: " + spki.error().message);
  auto key = hsm::botan_private_key(token, id);
  if (!key) throw std::runtime_error("test CA: no Botan key: " + key.error().message);
  return std::move(*key);
}

void write_pem(const std::filesystem::path& path, const std::string& pem) {
  std::ofstream out(path);
  out << pem;
}

}  // namespace

TestCredential make_test_credential(hsm::Token& token, const std::filesystem::path& dir, hsm::KeyAlgorithm algorithm,
                                    const std::string& common_name) {
  Botan::AutoSeeded_RNG rng;
  SystemRandom random;
  const std::string suffix = random.hex_token(4);

  auto ca_key = token_key(token, KeyId("test-ca-" + suffix), hsm::KeyAlgorithm::ec_p256);
  Botan::X509_Cert_Options ca_opts("Firma Test CA/ES/Firma/Testing", 86400);
  ca_opts.CA_key(0);
  auto ca_cert = Botan::X509::create_self_signed_cert(ca_opts, *ca_key, "SHA-256", rng);

  TestCredential out;
  out.key = KeyId("test-signer-" + suffix);
  out.algorithm = algorithm;
  auto signer_key = token_key(token, out.key, algorithm);
  Botan::X509_Cert_Options opts;
  opts.common_name = common_name;
  opts.country = "ES";
  opts.serial_number = "IDCES-12345678Z";
  opts.add_constraints(Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::NON_REPUDIATION));
  const std::string hash = "SHA-256";
  auto request = Botan::X509::create_cert_req(opts, *signer_key, hash, rng);
  Botan::X509_CA ca(ca_cert, *ca_key, "SHA-256", rng);
  auto now = std::chrono::system_clock::now();
  auto cert = ca.sign_request(request, rng, Botan::X509_Time(now - std::chrono::hours(1)),
                              Botan::X509_Time(now + std::chrono::hours(24 * 30)));

  auto cert_der = cert.BER_encode();
  auto ca_der = ca_cert.BER_encode();
  out.certificate.assign(cert_der.begin(), cert_der.end());
  out.ca_certificate.assign(ca_der.begin(), ca_der.end());
  out.ca_pem = dir / "ca.pem";
  out.cert_pem = dir / "signer.pem";
  write_pem(out.ca_pem, ca_cert.PEM_encode());
  write_pem(out.cert_pem, cert.PEM_encode());
  return out;
}

}  // namespace firma::testing
