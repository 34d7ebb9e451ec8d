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
                                 const hsm::Signature& signature, const CredentialView& credential,
                                 const LongTermServices& long_term);

Status validate_pades(const DocumentRequest& request);
Result<Prepared> prepare_pades(const DocumentRequest& request, const CredentialView& credential, Instant signing_time);
Result<Assembled> assemble_pades(const DocumentRequest& request, const Prepared& prepared,
                                 const hsm::Signature& signature, const CredentialView& credential,
                                 const LongTermServices& long_term);

Status validate_xades(const DocumentRequest& request);
Result<Prepared> prepare_xades(const DocumentRequest& request, const CredentialView& credential, Instant signing_time);
Result<Assembled> assemble_xades(const DocumentRequest& request, const Prepared& prepared,
                                 const hsm::Signature& signature, const CredentialView& credential,
                                 const LongTermServices& long_term);

// The signature time stamp of level T over `signed_digest` (request.digest_algorithm's digest of a SignatureValue's
// octets, or of its canonical XML), or nullopt at level B. internal when level T is asked without a time stamper.
Result<std::optional<Bytes>> signature_time_stamp(const DocumentRequest& request, const TimeStampFunction& timestamp,
                                                  std::span<const std::uint8_t> signed_digest);
// Level LT's validation data for the signer's certificate (long_term.validation_data), or nullopt below LT.
// internal when LT is asked without it wired.
Result<std::optional<ValidationData>> validation_data(const DocumentRequest& request, const LongTermServices& long_term,
                                                      const CredentialView& credential);

}  // namespace firma::signer::formats
