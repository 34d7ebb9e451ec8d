// The opaque state a format keeps between prepare and assemble: named, versioned, and free of pointers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/encoding.h"
#include "core/result.h"

namespace firma::signer::formats {

// DER SEQUENCE { UTF8String kind, SEQUENCE OF OCTET STRING }: stored in the database between phases, so
// any node may assemble; `kind` ("cades/1", "pades/1") stops one format's state being read as another's.
Bytes encode_state(std::string_view kind, const std::vector<Bytes>& fields);

// The fields, or invalid_request when the state is not `kind`'s with exactly `field_count` fields.
Result<std::vector<Bytes>> decode_state(std::string_view kind, std::span<const std::uint8_t> state,
                                        std::size_t field_count);

// Numbers (offsets, sizes) as fields: eight octets, big-endian.
Bytes number_field(std::uint64_t value);
Result<std::uint64_t> field_number(const Bytes& field);

}  // namespace firma::signer::formats
