// Building SubjectPublicKeyInfo DER from PKCS#11 public key attributes (with Botan's encoders).
#include "public_key.h"

#include <botan/ber_dec.h>
#include <botan/bigint.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/rsa.h>

#include <exception>

namespace firma::hsm::keys {

Result<Bytes> subject_public_key_info(KeyAlgorithm algorithm, const objects::Attributes& attributes) {
  try {
    if (is_rsa(algorithm)) {
      Bytes n = attributes.bytes(CKA_MODULUS);
      Bytes e = attributes.bytes(CKA_PUBLIC_EXPONENT);
      if (n.empty() || e.empty()) return make_error(ErrorCode::internal, "RSA public key without modulus or exponent");
      Botan::RSA_PublicKey key(Botan::BigInt(n.data(), n.size()), Botan::BigInt(e.data(), e.size()));
      return key.subject_public_key();
    }
    Bytes params = attributes.bytes(CKA_EC_PARAMS);
    Bytes point = attributes.bytes(CKA_EC_POINT);
    if (params.empty() || point.empty())
      return make_error(ErrorCode::internal, "EC public key without parameters or point");
    // CKA_EC_POINT is the DER OCTET STRING holding the X9.62 point (PKCS#11 v2.40 mechanisms 2.3.3).
    std::vector<std::uint8_t> encoded_point;
    Botan::BER_Decoder(point).decode(encoded_point, Botan::OCTET_STRING).verify_end();
    Botan::OID oid;
    Botan::BER_Decoder(params).decode(oid).verify_end();
    Botan::EC_Group group(oid);
    Botan::ECDSA_PublicKey key(group, group.OS2ECP(encoded_point));
    return key.subject_public_key();
  } catch (const std::exception& e) {
    return make_error(ErrorCode::internal, std::string("cannot encode the public key: ") + e.what());
  }
}

}  // namespace firma::hsm::keys
