// Phase state as DER with Botan's encoder and decoder.
#include "formats/phase_state.h"

#include <botan/asn1_str.h>
#include <botan/ber_dec.h>
#include <botan/der_enc.h>

#include <exception>
#include <string>

namespace firma::signer::formats {

Bytes encode_state(std::string_view kind, const std::vector<Bytes>& fields) {
  Bytes out;
  Botan::DER_Encoder der(out);
  der.start_cons(Botan::SEQUENCE).encode(Botan::ASN1_String(std::string(kind), Botan::UTF8_STRING));
  der.start_cons(Botan::SEQUENCE);
  for (const Bytes& field : fields) der.encode(field, Botan::OCTET_STRING);
  der.end_cons().end_cons();
  return out;
}

Result<std::vector<Bytes>> decode_state(std::string_view kind, std::span<const std::uint8_t> state,
                                        std::size_t field_count) {
  const auto refuse = [&] {
    return make_error(ErrorCode::invalid_request, "the prepared state is not a " + std::string(kind) + " state");
  };
  try {
    Botan::BER_Decoder top(state.data(), state.size());
    Botan::BER_Decoder seq = top.start_cons(Botan::SEQUENCE);
    top.verify_end();
    Botan::ASN1_String name;
    seq.decode(name);
    if (name.value() != kind) return refuse();
    std::vector<Bytes> fields;
    Botan::BER_Decoder list = seq.start_cons(Botan::SEQUENCE);
    seq.verify_end();
    while (list.more_items()) {
      Bytes field;
      list.decode(field, Botan::OCTET_STRING);
      fields.push_back(std::move(field));
    }
    if (fields.size() != field_count) return refuse();
    return fields;
  } catch (const std::exception&) {
    return refuse();
  }
}

Bytes number_field(std::uint64_t value) {
  Bytes out(8);
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value & 0xff);
    value >>= 8;
  }
  return out;
}

Result<std::uint64_t> field_number(const Bytes& field) {
  if (field.size() != 8) return make_error(ErrorCode::invalid_request, "the prepared state holds a bad number");
  std::uint64_t value = 0;
  for (std::uint8_t b : field) value = (value << 8) | b;
  return value;
}

}  // namespace firma::signer::formats
