// cades: being written (issue 5); until then the format refuses to sign.
#include "formats/format_impl.h"

namespace firma::signer::formats {

Status validate_cades(const DocumentRequest&) { return make_error(ErrorCode::invalid_request, "format cades not available yet"); }
Result<Prepared> prepare_cades(const DocumentRequest&, const CredentialView&, Instant) {
  return make_error(ErrorCode::invalid_request, "format cades not available yet");
}
Result<Assembled> assemble_cades(const DocumentRequest&, const Prepared&, const hsm::Signature&, const CredentialView&) {
  return make_error(ErrorCode::invalid_request, "format cades not available yet");
}

}  // namespace firma::signer::formats
