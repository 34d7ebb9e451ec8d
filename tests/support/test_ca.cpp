// Test CA: Botan's X509_CA signing with keys that stay on the SoftHSM2 token (hsm's Botan adapter).
#include "support/test_ca.h"

#include <botan/auto_rng.h>
#include <botan/pubkey.h>
#include <botan/x509_ca.h>
#include <botan/x509_ext.h>
#include <botan/x509self.h>

#include <chrono>
#include <fstream>
#include <stdexcept>

#include "core/random.h"
#include "hsm/botan_key.h"

namespace firma::testing {
namespace {

std::unique_ptr<Botan::Private_Key> ca_token_key(hsm::Token& token, const KeyId& id, hsm::KeyAlgorithm algorithm) {
  auto spki = token.generate_key_pair(id, algorithm, hsm::KeyPurpose::certificate_authority, id.str());
  if (!spki) throw std::runtime_error("test CA: key generation failed: " + spki.error().message);
  auto key = hsm::botan_private_key(token, id, hsm::KeyPurpose::certificate_authority);
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

  auto ca_key = ca_token_key(token, KeyId("test-ca-" + suffix), hsm::KeyAlgorithm::ec_p256);
  Botan::X509_Cert_Options ca_opts("Firma Test CA/ES/Firma/Testing", 86400);
  ca_opts.CA_key(0);
  auto ca_cert = Botan::X509::create_self_signed_cert(ca_opts, *ca_key, "SHA-256", rng);

  // The signer's key is a citizen's: it signs only through the citizen path, so there is no certificate request
  // signed with it; the CA certifies its public key directly, with what Botan's sign_request would add.
  TestCredential out;
  out.key = KeyId("test-signer-" + suffix);
  out.algorithm = algorithm;
  auto signer_spki = token.generate_key_pair(out.key, algorithm, hsm::KeyPurpose::citizen_signing, out.key.str());
  if (!signer_spki) throw std::runtime_error("test CA: key generation failed: " + signer_spki.error().message);
  Botan::X509_DN subject;
  subject.add_attribute("X520.CommonName", common_name);
  subject.add_attribute("X520.Country", "ES");
  subject.add_attribute("X520.SerialNumber", "IDCES-12345678Z");
  Botan::Extensions extensions;
  extensions.add(new Botan::Cert_Extension::Basic_Constraints(false), true);
  extensions.add(
      new Botan::Cert_Extension::Key_Usage(Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::NON_REPUDIATION)),
      true);
  extensions.add(new Botan::Cert_Extension::Authority_Key_ID(ca_cert.subject_key_id()));
  extensions.add(new Botan::Cert_Extension::Subject_Key_ID(*signer_spki, "SHA-256"));
  Botan::AlgorithmIdentifier signature_algorithm;
  auto ca_signer = Botan::X509_Object::choose_sig_format(signature_algorithm, *ca_key, rng, "SHA-256", "");
  auto now = std::chrono::system_clock::now();
  auto cert = Botan::X509_CA::make_cert(
      ca_signer.get(), rng, signature_algorithm, *signer_spki, Botan::X509_Time(now - std::chrono::hours(1)),
      Botan::X509_Time(now + std::chrono::hours(24 * 30)), ca_cert.subject_dn(), subject, extensions);

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
