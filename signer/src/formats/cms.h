// CMS SignedData (RFC 5652) as CAdES baseline B needs it (ETSI EN 319 122-1), built without the private key.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/result.h"
#include "hsm/algorithms.h"
#include "signer/formats.h"

namespace firma::signer::formats::cms {

// DER of IssuerSerial (RFC 5035 4): SEQUENCE { issuer GeneralNames (one directoryName: the certificate's
// issuer), serialNumber }, as CAdES's ESSCertIDv2 and XAdES's IssuerSerialV2 (ETSI EN 319 132-1 5.2.2) carry it.
// invalid_request when `certificate` is not a DER X.509 certificate.
Result<Bytes> issuer_serial(std::span<const std::uint8_t> certificate);

// The signed attributes as the DER SET OF Attribute whose hash is the DTBS/R (RFC 5652 5.4): content-type
// id-data, message-digest, signing-time when given (CAdES; PAdES puts the time in /M instead, ETSI EN
// 319 142-1 5.4) and signing-certificate-v2 (RFC 5035 5.4, ETSI EN 319 122-1 5.2.2.3) with the hash of
// the signer's certificate and its issuer and serial number.
Result<Bytes> signed_attributes(const CredentialView& credential, hsm::DigestAlgorithm digest,
                                std::span<const std::uint8_t> content_digest, std::optional<Instant> signing_time);

// ContentInfo { id-signedData, SignedData } with one SignerInfo (version 1, issuerAndSerialNumber), the
// signer's certificate and its chain, the signed attributes above and the signature value over their
// hash; `content` is encapsulated when given (attached), absent otherwise (detached). With
// `signature_time_stamp` (level T), the SignerInfo's unsignedAttrs hold it as the signature-time-stamp attribute
// (RFC 3161 Appendix A, ETSI EN 319 122-1 5.3). With `validation` (level LT, EN 319 122-1 5.5), its
// certificates join the SignedData's, its CRLs and OCSP responses (RFC 5940 id-ri-ocsp-response) go in crls.
Result<Bytes> signed_data(const CredentialView& credential, hsm::DigestAlgorithm digest,
                          std::span<const std::uint8_t> signed_attributes,
                          std::span<const std::uint8_t> signature_value,
                          std::optional<std::span<const std::uint8_t>> content,
                          const std::optional<Bytes>& signature_time_stamp = std::nullopt,
                          const std::optional<ValidationData>& validation = std::nullopt);

}  // namespace firma::signer::formats::cms
