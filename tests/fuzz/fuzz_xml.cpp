// libFuzzer target: XAdES over arbitrary bytes as the document (libxml2 parses it under our limits, C14N digests).
#include "format_flow.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  firma::fuzz::run_format(firma::signer::Format::xades, data, size);
  return 0;
}
