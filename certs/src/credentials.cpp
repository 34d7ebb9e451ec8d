// Citizens' credentials: key generation on the token, issuance, renewal, revocation, listing and the key inventory.
#include "certs/credentials.h"

#include <map>
#include <utility>

#include "certs/crl.h"
#include "certs/key_custody.h"
#include "core/log.h"
#include "core/metrics.h"
#include "hsm/token.h"
#include "store/audit_log.h"
#include "store/certificates.h"
#include "store/database.h"
#include "store/wrapped_keys.h"

namespace firma::certs {
namespace {

// Why a citizen's key was replaced although its certificate was valid (audit detail, log, metric label).
constexpr std::string_view kKeyMissing = "key_missing";

metrics::Counter& keys_lost() {
  static metrics::Counter& c =
      metrics::counter("firma_citizen_keys_lost_total",
                       "Citizen keys found missing from the token and replaced (an alarm: keys do not vanish).",
                       {{"cause", std::string(kKeyMissing)}});
  return c;
}

CertificateStatus effective_status(const store::CertificateRecord& r, Instant now) {
  if (r.status == CertificateStatus::valid && r.not_after <= now) return CertificateStatus::expired;
  return r.status;
}

CertificateInfo info_of(const store::CertificateRecord& r, Instant now) {
  CertificateInfo info{r.serial,     r.nif,        r.subject,    r.key_id,
                       r.algorithm,  r.not_before, r.not_after,  effective_status(r, now),
                       r.revoked_at, std::nullopt, r.certificate};
  if (r.revocation_reason) info.revocation_reason = parse_revocation_reason(*r.revocation_reason);
  return info;
}

// Destroys a freshly generated token key unless the issuance that needed it was recorded (a wrapped key exists
// only in memory until then: nothing to destroy).
class NewKey {
 public:
  NewKey(hsm::Token& token, KeyId id, bool on_token) : token_(token), id_(std::move(id)), kept_(!on_token) {}
  ~NewKey() {
    if (!kept_) (void)token_.destroy_key(id_);
  }
  NewKey(const NewKey&) = delete;
  NewKey& operator=(const NewKey&) = delete;
  void keep() noexcept { kept_ = true; }

 private:
  hsm::Token& token_;
  KeyId id_;
  bool kept_ = false;
};

}  // namespace

CredentialService::CredentialService(hsm::Token& token, KeyCustody& custody, store::Database& db,
                                     CertificateAuthority& authority, CrlService& crl, const Clock& clock,
                                     Random& random)
    : token_(token), custody_(custody), db_(db), authority_(authority), crl_(crl), clock_(clock), random_(random) {}

namespace {

Credential credential_of(const store::CertificateRecord& r, const CertificateAuthority& authority,
                         hsm::KeyAlgorithm fallback) {
  return Credential{r.key_id,
                    r.serial,
                    hsm::parse_key_algorithm(r.algorithm).value_or(fallback),
                    r.certificate,
                    authority.chain_der(),
                    r.not_before,
                    r.not_after};
}

}  // namespace

Result<Credential> CredentialService::issue(const CitizenForIssuance& citizen,
                                            std::optional<hsm::KeyAlgorithm> algorithm, std::string_view actor) {
  if (Status s = check_eligible(citizen); !s) return std::move(s).error();
  auto current = db_.transact([&](store::Tx& tx) { return store::CertificateRecords::valid_for(tx, citizen.nif); });
  if (!current) return std::move(current).error();
  std::optional<CertSerial> replaced;
  if (*current) replaced = (*current)->serial;
  return issue_replacing(citizen, algorithm.value_or(authority_.settings().certificate_algorithm), actor, replaced);
}

Result<Credential> CredentialService::issue_replacing(const CitizenForIssuance& citizen, hsm::KeyAlgorithm algorithm,
                                                      std::string_view actor, const std::optional<CertSerial>& replaced,
                                                      std::string_view key_lost) {
  const Instant now = clock_.now();
  const std::string algorithm_name(hsm::to_string(algorithm));
  // CEN EN 419241-1: the signing key is generated in the cryptographic module (sensitive, never extractable, or
  // leaving it only wrapped).
  auto key = custody_.generate(algorithm);
  if (!key) return std::move(key).error();
  const KeyId key_id = key->id;
  NewKey pending(token_, key_id, !key->wrapped);

  auto signed_cert = authority_.sign_citizen_certificate(citizen, key->public_key, now);
  if (!signed_cert) return std::move(signed_cert).error();
  // A wrapped key's certificate lives in the database only: the token keeps nothing per citizen.
  if (!key->wrapped) {
    if (Status s = token_.store_certificate(key_id, signed_cert->der, "Firma citizen certificate"); !s)
      return std::move(s).error();
  }

  const store::CertificateRecord record{signed_cert->serial,
                                        citizen.nif,
                                        key_id,
                                        authority_.issuing().serial,
                                        signed_cert->subject,
                                        algorithm_name,
                                        signed_cert->der,
                                        signed_cert->not_before,
                                        signed_cert->not_after,
                                        CertificateStatus::valid,
                                        std::nullopt,
                                        std::nullopt,
                                        now};
  auto previous = db_.transact([&](store::Tx& tx) -> Result<std::optional<store::CertificateRecord>> {
    auto current = store::CertificateRecords::valid_for(tx, citizen.nif);
    if (!current) return std::move(current).error();
    const std::optional<CertSerial> valid_now = *current ? std::optional<CertSerial>((*current)->serial) : std::nullopt;
    if (valid_now != replaced)
      return make_error(ErrorCode::conflict, "another certificate was issued for " + citizen.nif + " meanwhile");
    if (*current) {
      const store::CertificateRecord& old = **current;
      if (old.not_after <= now) {
        auto expired = store::CertificateRecords::mark_expired(tx, old.serial);
        if (!expired) return std::move(expired).error();
      } else {
        // Renewal supersedes the old certificate (RFC 5280 5.3.1 superseded): it leaves the CRL no doubt.
        auto revoked = store::CertificateRecords::revoke(tx, old.serial, now, to_string(RevocationReason::superseded));
        if (!revoked) return std::move(revoked).error();
        if (Status s = store::AuditLog::append(
                tx,
                {std::string(actor), "certificate.revoke", "certificate:" + old.serial.str(), "success",
                 "nif=" + old.nif + " reason=superseded replaced_by=" + record.serial.str() +
                     (key_lost.empty() ? "" : " cause=" + std::string(key_lost))},
                now);
            !s)
          return std::move(s).error();
      }
    }
    if (*current && !key_lost.empty()) {
      const store::CertificateRecord& old = **current;
      if (Status s = store::AuditLog::append(tx,
                                             {std::string(actor), "key.lost", "key:" + old.key_id.str(), "failure",
                                              "nif=" + old.nif + " certificate=" + old.serial.str() + " cause=" +
                                                  std::string(key_lost) + " replaced_by=" + record.serial.str()},
                                             now);
          !s)
        return std::move(s).error();
    }
    if (Status s = store::CertificateRecords::insert(tx, record); !s) return std::move(s).error();
    if (Status s =
            store::HsmKeyRecords::insert(tx, {key_id, citizen.nif, "citizen", algorithm_name, now, std::nullopt});
        !s)
      return std::move(s).error();
    if (Status s = custody_.record(tx, *key, now); !s) return std::move(s).error();
    if (Status s = store::AuditLog::append(
            tx,
            {std::string(actor), "certificate.issue", "certificate:" + record.serial.str(), "success",
             "nif=" + citizen.nif + " key=" + key_id.str() + " algorithm=" + algorithm_name},
            now);
        !s)
      return std::move(s).error();
    return std::move(*current);
  });
  if (!previous) return std::move(previous).error();  // the new key is destroyed on the way out
  pending.keep();
  log::info("pki.certificate_issued", {{"serial", record.serial.str()}, {"algorithm", algorithm_name}});
  if (*previous && !key_lost.empty()) {
    // A key does not vanish from an HSM by itself: someone or something destroyed or damaged it.
    keys_lost().inc();
    log::error("pki.citizen_key_lost", {{"key_id", (*previous)->key_id.str()},
                                        {"certificate", (*previous)->serial.str()},
                                        {"cause", std::string(key_lost)},
                                        {"replaced_by", record.serial.str()}});
  }

  if (*previous) {
    (void)destroy_key((*previous)->key_id, actor);
    if ((*previous)->not_after > now) publish_crl();
  }
  return credential_of(record, authority_, algorithm);
}

Result<Credential> CredentialService::ensure_certificate(const CitizenForIssuance& citizen, std::string_view actor) {
  if (Status s = check_eligible(citizen); !s) return std::move(s).error();
  auto current = db_.transact([&](store::Tx& tx) { return store::CertificateRecords::valid_for(tx, citizen.nif); });
  if (!current) return std::move(current).error();
  const Instant now = clock_.now();
  const hsm::KeyAlgorithm fallback = authority_.settings().certificate_algorithm;
  hsm::KeyAlgorithm algorithm = fallback;
  std::optional<CertSerial> replaced;
  std::string_view key_lost;
  if (*current) {
    const store::CertificateRecord& r = **current;
    // Only a token that answers "no such key" means the key is gone; an HSM that fails is no reason to
    // replace anything.
    auto key = custody_.algorithm(r.key_id);
    if (!key && key.error().code != ErrorCode::not_found) return std::move(key).error();
    if (!key) key_lost = kKeyMissing;
    if (key && r.not_after - now > authority_.settings().renew_before) return credential_of(r, authority_, fallback);
    // Renewal keeps the algorithm the citizen had.
    algorithm = hsm::parse_key_algorithm(r.algorithm).value_or(fallback);
    replaced = r.serial;
  }
  auto issued = issue_replacing(citizen, algorithm, actor, replaced, key_lost);
  if (!issued && issued.error().code == ErrorCode::conflict) {
    // A concurrent first signature (any node) issued it: use that one.
    auto winner = current_credential(citizen.nif);
    if (winner && *winner) return std::move(**winner);
  }
  return issued;
}

Result<std::optional<Credential>> CredentialService::current_credential(std::string_view nif) {
  auto current = db_.transact([&](store::Tx& tx) { return store::CertificateRecords::valid_for(tx, nif); });
  if (!current) return std::move(current).error();
  if (!*current || (*current)->not_after <= clock_.now()) return std::optional<Credential>{};
  return std::optional<Credential>{credential_of(**current, authority_, authority_.settings().certificate_algorithm)};
}

Result<CertificateInfo> CredentialService::revoke(const CertSerial& serial, RevocationReason reason,
                                                  std::string_view actor) {
  const Instant now = clock_.now();
  auto revoked = db_.transact([&](store::Tx& tx) -> Result<store::CertificateRecord> {
    auto found = store::CertificateRecords::find(tx, serial);
    if (!found) return std::move(found).error();
    if (!*found) return make_error(ErrorCode::not_found, "no certificate with serial " + serial.str());
    store::CertificateRecord record = std::move(**found);
    if (record.status != CertificateStatus::valid)
      return make_error(ErrorCode::conflict,
                        "certificate " + serial.str() + " is already " + std::string(to_string(record.status)));
    auto done = store::CertificateRecords::revoke(tx, serial, now, to_string(reason));
    if (!done) return std::move(done).error();
    if (!*done) return make_error(ErrorCode::conflict, "certificate " + serial.str() + " was revoked meanwhile");
    if (Status s =
            store::AuditLog::append(tx,
                                    {std::string(actor), "certificate.revoke", "certificate:" + serial.str(), "success",
                                     "nif=" + record.nif + " reason=" + std::string(to_string(reason))},
                                    now);
        !s)
      return std::move(s).error();
    record.status = CertificateStatus::revoked;
    record.revoked_at = now;
    record.revocation_reason = std::string(to_string(reason));
    return record;
  });
  if (!revoked) return std::move(revoked).error();
  log::info("pki.certificate_revoked", {{"serial", serial.str()}, {"reason", std::string(to_string(reason))}});
  // The key of a revoked certificate has no use left: it never signs again.
  (void)destroy_key(revoked->key_id, actor);
  publish_crl();
  return info_of(*revoked, now);
}

Result<std::size_t> CredentialService::revoke_all_for(std::string_view nif, RevocationReason reason,
                                                      std::string_view actor) {
  const Instant now = clock_.now();
  using Outcome = std::pair<std::size_t, std::vector<store::HsmKeyRecord>>;
  auto outcome = db_.transact([&](store::Tx& tx) -> Result<Outcome> {
    std::size_t count = 0;
    auto current = store::CertificateRecords::valid_for(tx, nif);
    if (!current) return std::move(current).error();
    if (*current) {
      const store::CertificateRecord& r = **current;
      auto done = store::CertificateRecords::revoke(tx, r.serial, now, to_string(reason));
      if (!done) return std::move(done).error();
      if (*done) {
        ++count;
        if (Status s =
                store::AuditLog::append(tx,
                                        {std::string(actor), "certificate.revoke", "certificate:" + r.serial.str(),
                                         "success", "nif=" + r.nif + " reason=" + std::string(to_string(reason))},
                                        now);
            !s)
          return std::move(s).error();
      }
    }
    auto keys = store::HsmKeyRecords::live_for_owner(tx, nif);
    if (!keys) return std::move(keys).error();
    return Outcome{count, std::move(*keys)};
  });
  if (!outcome) return std::move(outcome).error();
  for (const auto& key : outcome->second) (void)destroy_key(key.key_id, actor);
  if (outcome->first > 0) publish_crl();
  return outcome->first;
}

Result<std::optional<CertificateInfo>> CredentialService::find(const CertSerial& serial) {
  auto found = db_.transact([&](store::Tx& tx) { return store::CertificateRecords::find(tx, serial); });
  if (!found) return std::move(found).error();
  if (!*found) return std::optional<CertificateInfo>{};
  return std::optional<CertificateInfo>{info_of(**found, clock_.now())};
}

Result<std::vector<CertificateInfo>> CredentialService::list(std::optional<std::string_view> nif, std::size_t limit) {
  auto records = db_.transact([&](store::Tx& tx) {
    return nif ? store::CertificateRecords::list_for(tx, *nif) : store::CertificateRecords::list_recent(tx, limit);
  });
  if (!records) return std::move(records).error();
  const Instant now = clock_.now();
  std::vector<CertificateInfo> out;
  out.reserve(records->size());
  for (const auto& r : *records) out.push_back(info_of(r, now));
  return out;
}

Result<std::vector<KeyEntry>> CredentialService::keys() {
  auto inventory = token_.inventory();
  if (!inventory) return std::move(inventory).error();
  auto records = db_.transact([](store::Tx& tx) { return store::HsmKeyRecords::list(tx); });
  if (!records) return std::move(records).error();
  std::map<KeyId, const store::HsmKeyRecord*> by_id;
  for (const auto& r : *records) by_id[r.key_id] = &r;
  std::vector<KeyEntry> out;
  out.reserve(inventory->size());
  for (const hsm::KeyInfo& k : *inventory) {
    KeyEntry entry{k.id,         "unknown",   "unknown",     k.algorithm,
                   std::nullopt, k.sensitive, k.extractable, k.has_certificate};
    if (auto it = by_id.find(k.id); it != by_id.end()) {
      entry.owner = it->second->owner;
      entry.purpose = it->second->purpose;
      entry.created_at = it->second->created_at;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Result<std::size_t> CredentialService::expire_due() {
  const Instant now = clock_.now();
  auto count = db_.transact([&](store::Tx& tx) { return store::CertificateRecords::expire(tx, now); });
  if (!count) return std::move(count).error();
  return static_cast<std::size_t>(*count);
}

Status CredentialService::destroy_key(const KeyId& key_id, std::string_view actor) {
  // A wrapped key is destroyed with its blob, below; on the token, only an unwrapped copy kept for the next
  // signature can be left of it (and goes here: not_found for the token objects it never had).
  Status destroyed = token_.destroy_key(key_id);
  if (!destroyed && destroyed.error().code != ErrorCode::not_found) {
    log::warn("pki.key_destroy_failed", {{"key_id", key_id.str()}, {"error", destroyed.error().message}});
    return destroyed;
  }
  const Instant now = clock_.now();
  Status recorded = db_.transact([&](store::Tx& tx) -> Status {
    auto blob = store::WrappedKeyRecords::remove(tx, key_id);
    if (!blob) return std::move(blob).error();
    Status s = store::HsmKeyRecords::mark_destroyed(tx, key_id, now);
    if (!s && s.error().code == ErrorCode::not_found) return {};
    if (!s) return s;
    return store::AuditLog::append(tx, {std::string(actor), "key.destroy", "key:" + key_id.str(), "success", ""}, now);
  });
  if (!recorded)
    log::warn("pki.key_destroy_unrecorded", {{"key_id", key_id.str()}, {"error", recorded.error().message}});
  return recorded;
}

void CredentialService::publish_crl() {
  auto published = crl_.publish();
  if (!published) log::warn("pki.crl_publish_failed", {{"error", published.error().message}});
}

}  // namespace firma::certs
