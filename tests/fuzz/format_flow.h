// The whole life of a document in one format, run by the PDF and XML fuzz targets: validate, prepare, sign in
// software (no HSM: a P-256 key made once per process) and assemble, with the invariants each step must keep.
#pragma once

#include <cstddef>
#include <cstdint>

#include "signer/formats.h"

namespace firma::fuzz {

// Traps (a crash for libFuzzer) when the steps break a promise: an internal error for any input (a 500 for the
// client's mistake), a document that passed validation but cannot be prepared or assembled (a refusal after the
// citizen's password and OTP were spent), or a signed PDF that is not itself a signable PDF.
void run_format(signer::Format format, const std::uint8_t* data, std::size_t size);

}  // namespace firma::fuzz
