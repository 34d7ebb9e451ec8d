// Three-phase signing on the test token and the outside verifiers' command lines.
#include "cades_support.h"

#include <chrono>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace firma::signer::test {

TokenSigner::TokenSigner(hsm::KeyAlgorithm algorithm)
    : credential_(firma::testing::make_test_credential(hsm_.token(), dir_.path(), algorithm)) {}

CredentialView TokenSigner::view() const {
  return CredentialView{credential_.certificate, {credential_.ca_certificate}, credential_.algorithm};
}

Result<Assembled> TokenSigner::sign(const DocumentRequest& request, Instant signing_time) {
  if (auto valid = validate(request); !valid) return std::move(valid).error();
  auto prepared = prepare(request, view(), signing_time);
  if (!prepared) return std::move(prepared).error();
  return assemble(request, *prepared, signature_for(*prepared), view());
}

hsm::Signature TokenSigner::signature_for(const Prepared& prepared) {
  auto signature =
      hsm_.token().sign_digest(credential_.key, prepared.digest_algorithm, prepared.dtbs_digest, prepared.padding);
  if (!signature) throw std::runtime_error("the token refused to sign: " + signature.error().message);
  return std::move(*signature);
}

Instant now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::filesystem::path write_bytes(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
  return path;
}

Bytes read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string quoted(const std::filesystem::path& path) {
  return "'" + path.string() + "'";
}

firma::testing::CommandResult run(const std::string& command) {
  return firma::testing::run_command(command);
}

Bytes tampered(Bytes bytes, std::size_t at) {
  bytes.at(at) ^= 0x01;
  return bytes;
}

bool openssl_cades_verifies(const std::filesystem::path& cms, const std::filesystem::path& content,
                            const std::filesystem::path& ca_pem, std::string* output) {
  std::string command = "openssl cms -verify -binary -inform DER -in " + quoted(cms);
  if (!content.empty()) command += " -content " + quoted(content);
  command += " -CAfile " + quoted(ca_pem) + " -purpose any -cades -out /dev/null";
  auto result = run(command);
  if (output != nullptr) *output = result.output;
  return result.status == 0 && result.output.find("CAdES Verification successful") != std::string::npos;
}

}  // namespace firma::signer::test
