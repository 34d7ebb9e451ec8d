// libFuzzer target: PAdES over arbitrary bytes as the document (qpdf reads it, the incremental update is ours).
#include "format_flow.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  firma::fuzz::run_format(firma::signer::Format::pades, data, size);
  return 0;
}
