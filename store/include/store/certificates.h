// PKI records: the CA's certificates, the HSM keys Firma generated, citizens' certificates and published CRLs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/result.h"
#include "core/statuses.h"
#include "store/database.h"

namespace firma::store {

// A certificate of the CA itself (migration 0003, ca_certificates). role: "root", "issuing" or "ocsp_signer".
struct CaCertificateRecord {
  CertSerial serial;
  std::string role;
  KeyId key_id;
  std::string subject;
  Bytes certificate;  // DER
  Instant not_before{};
  Instant not_after{};
  bool active = false;
  Instant created_at{};
};

class CaCertificateRecords {
 public:
  // conflict when the serial is taken or, for an active record, its role already has an active one.
  static Status insert(Tx& tx, const CaCertificateRecord& record);
  // The certificate in use for a role; nullopt when there is none yet.
  static Result<std::optional<CaCertificateRecord>> active(Tx& tx, std::string_view role);
  // Takes the role's active certificate out of use (before another one is inserted as active).
  static Status deactivate(Tx& tx, std::string_view role);
  // Every CA certificate, oldest first.
  static Result<std::vector<CaCertificateRecord>> list(Tx& tx);
};

// A key pair Firma generated on the token (hsm_keys). purpose: "root", "issuing", "ocsp_signer" or "citizen";
// owner: the citizen's NIF, or "ca".
struct HsmKeyRecord {
  KeyId key_id;
  std::string owner;
  std::string purpose;
  std::string algorithm;  // hsm spelling: "ec-p256", ...
  Instant created_at{};
  std::optional<Instant> destroyed_at;
};

class HsmKeyRecords {
 public:
  static Status insert(Tx& tx, const HsmKeyRecord& record);
  static Result<std::optional<HsmKeyRecord>> find(Tx& tx, const KeyId& key_id);
  // Every key record, oldest first, destroyed ones included.
  static Result<std::vector<HsmKeyRecord>> list(Tx& tx);
  // The owner's keys still on the token (not recorded destroyed), oldest first.
  static Result<std::vector<HsmKeyRecord>> live_for_owner(Tx& tx, std::string_view owner);
  // Records that the key is gone from the token; the first time stands. not_found for an unknown key.
  static Status mark_destroyed(Tx& tx, const KeyId& key_id, Instant at);
};

// A citizen's certificate (certificates). revocation_reason is the RFC 5280 CRLReason in snake_case (its type,
// certs::RevocationReason, lives above store).
struct CertificateRecord {
  CertSerial serial;
  std::string nif;
  KeyId key_id;
  CertSerial issuer_serial;
  std::string subject;
  std::string algorithm;
  Bytes certificate;  // DER
  Instant not_before{};
  Instant not_after{};
  CertificateStatus status = CertificateStatus::valid;
  std::optional<Instant> revoked_at;
  std::optional<std::string> revocation_reason;
  Instant created_at{};
};

class CertificateRecords {
 public:
  // conflict when the serial is taken or the NIF already has a valid certificate.
  static Status insert(Tx& tx, const CertificateRecord& record);
  // Reads answer internal for a row holding a status this build does not know.
  static Result<std::optional<CertificateRecord>> find(Tx& tx, const CertSerial& serial);
  // The NIF's valid certificate (whatever its dates); nullopt when it has none.
  static Result<std::optional<CertificateRecord>> valid_for(Tx& tx, std::string_view nif);
  // The NIF's certificates, newest first.
  static Result<std::vector<CertificateRecord>> list_for(Tx& tx, std::string_view nif);
  // The most recent certificates of everyone, newest first, at most `limit`.
  static Result<std::vector<CertificateRecord>> list_recent(Tx& tx, std::size_t limit);
  // Marks a valid certificate revoked. False when it was not valid (already revoked or expired, or unknown).
  static Result<bool> revoke(Tx& tx, const CertSerial& serial, Instant at, std::string_view reason);
  // Marks a valid certificate expired. False when it was not valid.
  static Result<bool> mark_expired(Tx& tx, const CertSerial& serial);
  // Every revoked certificate signed by `issuer_serial`, in revocation order (what a CRL lists).
  static Result<std::vector<CertificateRecord>> revoked_by(Tx& tx, const CertSerial& issuer_serial);
  // Valid certificates whose not_after is before `now` become expired; returns how many.
  static Result<std::int64_t> expire(Tx& tx, Instant now);
};

// A published CRL (crls).
struct CrlRecord {
  CertSerial issuer_serial;
  std::int64_t crl_number = 0;
  Instant this_update{};
  Instant next_update{};
  Bytes crl;  // DER
};

class CrlRecords {
 public:
  // conflict when this issuer already has a CRL with that number (another node published first).
  static Status insert(Tx& tx, const CrlRecord& record);
  // The issuer's CRL with the highest number; nullopt before the first one.
  static Result<std::optional<CrlRecord>> latest(Tx& tx, const CertSerial& issuer_serial);
};

}  // namespace firma::store
