// The per-format entry points behind signer/formats.h; one source file per format.
#pragma once

#include "signer/formats.h"

namespace firma::signer::formats {

Status validate_raw(const DocumentRequest& request);
Result<Prepared> prepare_raw(const DocumentRequest& request, const CredentialView& credential, Instant signing_time);
Result<Assembled> assemble_raw(const DocumentRequest& request, const Prepared& prepared,
                               const hsm::Signature& signature, const CredentialView& credential);

Status validate_cades(const DocumentRequest& request);
Result<Prepared> prepare_cades(const DocumentRequest& request, const CredentialView& credential, Instant signing_time);
Result<Assembled> assemble_cades(const DocumentRequest& request, const Prepared& prepared,
                                 const hsm::Signature& signature, const CredentialView& credential);

Status validate_pades(const DocumentRequest& request);
Result<Prepared> prepare_pades(const DocumentRequest& request, const CredentialView& credential, Instant signing_time);
Result<Assembled> assemble_pades(const DocumentRequest& request, const Prepared& prepared,
                                 const hsm::Signature& signature, const CredentialView& credential);

Status validate_xades(const DocumentRequest& request);
Result<Prepared> prepare_xades(const DocumentRequest& request, const CredentialView& credential, Instant signing_time);
Result<Assembled> assemble_xades(const DocumentRequest& request, const Prepared& prepared,
                                 const hsm::Signature& signature, const CredentialView& credential);

}  // namespace firma::signer::formats
