// The Botan adapter: a Private_Key that delegates its public half to Botan and its signing to the token.
#include "hsm/botan_key.h"

#include <botan/hash.h>
#include <botan/pk_ops.h>
#include <botan/x509_key.h>

#include <exception>
#include <string>

#include "core/log.h"

namespace firma::hsm {
namespace {

struct Scheme {
  DigestAlgorithm digest;
  RsaPadding padding;
  std::string hash_name;
};

std::optional<DigestAlgorithm> digest_named(const std::string& name) {
  if (name == "SHA-256" || name == "SHA-2(256)") return DigestAlgorithm::sha256;
  if (name == "SHA-384" || name == "SHA-2(384)") return DigestAlgorithm::sha384;
  if (name == "SHA-512" || name == "SHA-2(512)") return DigestAlgorithm::sha512;
  return std::nullopt;
}

// Botan names the padding "EMSA3(SHA-256)", "EMSA4(SHA-256,MGF1,32)", "EMSA1(SHA-384)" (or the newer
// "EMSA_PKCS1", "PSSR" spellings). Returns nullopt for anything the token cannot do.
std::optional<Scheme> parse_scheme(const std::string& params, bool rsa) {
  const auto open = params.find('(');
  if (open == std::string::npos || params.back() != ')') return std::nullopt;
  const std::string padding = params.substr(0, open);
  std::string args = params.substr(open + 1, params.size() - open - 2);
  std::string hash = args.substr(0, args.find(','));
  auto digest = digest_named(hash);
  if (!digest) return std::nullopt;
  if (!rsa) {
    if (padding != "EMSA1") return std::nullopt;
    return Scheme{*digest, RsaPadding::pkcs1v15, hash};
  }
  if (padding == "EMSA3" || padding == "EMSA_PKCS1" || padding == "PKCS1v15") {
    return Scheme{*digest, RsaPadding::pkcs1v15, hash};
  }
  if (padding == "EMSA4" || padding == "PSSR" || padding == "PSS") {
    // Token::sign_digest uses MGF1 with the same hash and a salt as long as the digest.
    const auto rest = args.find(',');
    if (rest != std::string::npos) {
      std::string tail = args.substr(rest + 1);
      if (tail.rfind("MGF1", 0) != 0) return std::nullopt;
      const auto salt = tail.find(',');
      if (salt != std::string::npos && tail.substr(salt + 1) != std::to_string(digest_size(*digest))) {
        return std::nullopt;
      }
    }
    return Scheme{*digest, RsaPadding::pss, hash};
  }
  return std::nullopt;
}

class TokenSignature final : public Botan::PK_Ops::Signature {
 public:
  TokenSignature(Token& token, KeyId id, KeyPurpose purpose, Scheme scheme, std::size_t length)
      : token_(token),
        id_(std::move(id)),
        purpose_(purpose),
        scheme_(scheme),
        hash_(Botan::HashFunction::create_or_throw(scheme.hash_name)),
        length_(length) {}

  void update(const uint8_t msg[], size_t msg_len) override { hash_->update(msg, msg_len); }

  // Botan's PK_Signer turns r || s into the DER SEQUENCE itself when the caller (X509_CA) asks for
  // DER_SEQUENCE, using message_parts() and message_part_size(): the operation returns the raw form.
  Botan::secure_vector<uint8_t> sign(Botan::RandomNumberGenerator&) override {
    const Botan::secure_vector<uint8_t> digest = hash_->final();
    auto signature = token_.sign_service_digest(purpose_, id_, scheme_.digest, digest, scheme_.padding);
    if (!signature) throw TokenSigningError(std::move(signature).error());
    return Botan::secure_vector<uint8_t>(signature->raw.begin(), signature->raw.end());
  }

  size_t signature_length() const override { return length_; }

 private:
  Token& token_;
  KeyId id_;
  KeyPurpose purpose_;
  Scheme scheme_;
  std::unique_ptr<Botan::HashFunction> hash_;
  std::size_t length_;
};

class TokenPrivateKey final : public Botan::Private_Key {
 public:
  TokenPrivateKey(Token& token, KeyId id, KeyPurpose purpose, KeyAlgorithm algorithm,
                  std::unique_ptr<Botan::Public_Key> public_key)
      : token_(token), id_(std::move(id)), purpose_(purpose), algorithm_(algorithm), public_(std::move(public_key)) {}

  std::string algo_name() const override { return public_->algo_name(); }
  size_t estimated_strength() const override { return public_->estimated_strength(); }
  size_t key_length() const override { return public_->key_length(); }
  Botan::OID get_oid() const override { return public_->get_oid(); }
  bool check_key(Botan::RandomNumberGenerator& rng, bool strong) const override {
    return public_->check_key(rng, strong);
  }
  Botan::AlgorithmIdentifier algorithm_identifier() const override { return public_->algorithm_identifier(); }
  std::vector<uint8_t> public_key_bits() const override { return public_->public_key_bits(); }
  size_t message_parts() const override { return public_->message_parts(); }
  size_t message_part_size() const override { return public_->message_part_size(); }

  Botan::secure_vector<uint8_t> private_key_bits() const override {
    throw Botan::Not_Implemented("the private key never leaves the HSM");
  }

  std::unique_ptr<Botan::PK_Ops::Verification> create_verification_op(const std::string& params,
                                                                      const std::string& provider) const override {
    return public_->create_verification_op(params, provider);
  }

  std::unique_ptr<Botan::PK_Ops::Signature> create_signature_op(Botan::RandomNumberGenerator&,
                                                                const std::string& params,
                                                                const std::string&) const override {
    auto scheme = parse_scheme(params, is_rsa(algorithm_));
    if (!scheme) throw Botan::Invalid_Argument("the HSM key cannot sign with " + params);
    return std::make_unique<TokenSignature>(token_, id_, purpose_, *scheme, signature_size(algorithm_));
  }

 private:
  Token& token_;
  KeyId id_;
  KeyPurpose purpose_;
  KeyAlgorithm algorithm_;
  std::unique_ptr<Botan::Public_Key> public_;
};

}  // namespace

Result<std::unique_ptr<Botan::Private_Key>> botan_private_key(Token& token, const KeyId& id, KeyPurpose purpose) {
  if (purpose == KeyPurpose::citizen_signing) {
    log::error("hsm_key_purpose_refused", {{"token", token.label()}, {"key", id.str()}, {"path", "botan"}});
    return make_error(ErrorCode::internal, "the Botan adapter holds the service's own keys, never a citizen's");
  }
  if (Status st = token.require_purpose(id, purpose); !st) return std::move(st).error();
  auto algorithm = token.algorithm(id);
  if (!algorithm) return std::move(algorithm).error();
  auto spki = token.public_key(id);
  if (!spki) return std::move(spki).error();
  try {
    std::unique_ptr<Botan::Public_Key> public_key(Botan::X509::load_key(*spki));
    return std::unique_ptr<Botan::Private_Key>(
        std::make_unique<TokenPrivateKey>(token, id, purpose, *algorithm, std::move(public_key)));
  } catch (const std::exception& e) {
    return make_error(ErrorCode::internal,
                      std::string("cannot load the public key of '") + id.str() + "': " + e.what());
  }
}

}  // namespace firma::hsm
