// The CA: load, import or create the root and issuing CA, keep the OCSP signer current, sign certificates and CRLs.
#include "certs/authority.h"

#include <botan/ber_dec.h>
#include <botan/bigint.h>
#include <botan/der_enc.h>
#include <botan/pubkey.h>
#include <botan/system_rng.h>
#include <botan/x509_ca.h>
#include <botan/x509_crl.h>
#include <botan/x509_ext.h>
#include <botan/x509_key.h>
#include <botan/x509cert.h>

#include <algorithm>
#include <mutex>
#include <utility>

#include "core/log.h"
#include "hsm/botan_key.h"
#include "hsm/token.h"
#include "store/audit_log.h"
#include "store/certificates.h"
#include "store/cluster_lock.h"
#include "store/database.h"
#include "x509_util.h"

namespace firma::certs {

using detail::describe;
using detail::distinguished_name;
using detail::error_of;
using detail::key_identifier;
using detail::serial_of;
using detail::x509_time;

namespace {

namespace ext = Botan::Cert_Extension;
using Attributes = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kRoot = "root";
constexpr std::string_view kIssuing = "issuing";
constexpr std::string_view kOcspSigner = "ocsp_signer";
constexpr std::string_view kTsa = "tsa";
constexpr std::string_view kSystem = "system";

// A key generated for a certificate that is not recorded yet: destroyed unless the recording succeeded.
class PendingKey {
 public:
  PendingKey(hsm::Token& token, KeyId id) : token_(token), id_(std::move(id)) {}
  ~PendingKey() {
    if (!armed_) return;
    if (Status s = token_.destroy_key(id_); !s)
      log::warn("pki.key_cleanup_failed", {{"key_id", id_.str()}, {"error", s.error().message}});
  }
  PendingKey(const PendingKey&) = delete;
  PendingKey& operator=(const PendingKey&) = delete;
  void keep() noexcept { armed_ = false; }
  const KeyId& id() const noexcept { return id_; }

 private:
  hsm::Token& token_;
  KeyId id_;
  bool armed_ = true;
};

Result<Botan::X509_Certificate> parse_certificate(const Bytes& der, std::string_view what) {
  try {
    return Botan::X509_Certificate(der);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::internal, "cannot read the " + std::string(what) + " certificate: " + e.what());
  }
}

// The key algorithm a certificate's public key has (for a CA key that is not on this token, e.g. an offline root).
Result<hsm::KeyAlgorithm> algorithm_of(const Botan::X509_Certificate& cert) {
  try {
    auto key = cert.load_subject_public_key();
    const std::string name = key->algo_name();
    const std::size_t bits = key->key_length();
    if (name == "ECDSA" && bits == 256) return hsm::KeyAlgorithm::ec_p256;
    if (name == "ECDSA" && bits == 384) return hsm::KeyAlgorithm::ec_p384;
    if (name == "RSA" && bits == 2048) return hsm::KeyAlgorithm::rsa2048;
    if (name == "RSA" && bits == 3072) return hsm::KeyAlgorithm::rsa3072;
    return make_error(ErrorCode::invalid_request, "unsupported CA key " + name + "-" + std::to_string(bits) + " in " +
                                                      cert.subject_dn().to_string());
  } catch (const std::exception& e) {
    return make_error(ErrorCode::internal, std::string("cannot read a CA public key: ") + e.what());
  }
}

CaCertificate ca_certificate(const store::CaCertificateRecord& record, hsm::KeyAlgorithm algorithm) {
  return CaCertificate{record.serial,      record.key_id,     algorithm,       record.subject,
                       record.certificate, record.not_before, record.not_after};
}

// Signs a TBSCertificate with a key on the token; the extensions are given whole.
Result<Botan::X509_Certificate> sign_certificate(const Botan::Private_Key& issuer_key,
                                                 hsm::KeyAlgorithm issuer_algorithm, const Botan::X509_DN& issuer,
                                                 const Bytes& serial, const Botan::X509_DN& subject,
                                                 std::span<const std::uint8_t> spki, Instant not_before,
                                                 Instant not_after, const Botan::Extensions& extensions) {
  try {
    Botan::System_RNG rng;
    Botan::AlgorithmIdentifier signature_algorithm;
    auto signer = Botan::X509_Object::choose_sig_format(signature_algorithm, issuer_key, rng,
                                                        detail::botan_hash_for(issuer_algorithm), "");
    return Botan::X509_CA::make_cert(signer.get(), rng, Botan::BigInt(serial.data(), serial.size()),
                                     signature_algorithm, std::vector<std::uint8_t>(spki.begin(), spki.end()),
                                     x509_time(not_before), x509_time(not_after), issuer, subject, extensions);
  } catch (const std::exception& e) {
    return error_of(e, "cannot sign the certificate");
  }
}

// RFC 5280 4.2.1.9 and 4.2.1.3: a CA certificate's basicConstraints (critical, with pathLenConstraint) and
// keyUsage keyCertSign + cRLSign (critical); 4.2.1.1/4.2.1.2 key identifiers.
Botan::Extensions ca_extensions(std::size_t path_length, const Bytes& subject_key_id, const Bytes& authority_key_id) {
  Botan::Extensions extensions;
  extensions.add(new ext::Basic_Constraints(true, path_length), true);
  extensions.add(new ext::Key_Usage(Botan::Key_Constraints(Botan::KEY_CERT_SIGN | Botan::CRL_SIGN)), true);
  extensions.add(new ext::Subject_Key_ID(subject_key_id));
  extensions.add(new ext::Authority_Key_ID(authority_key_id));
  return extensions;
}

// The issuing CA's: as every CA's, with the root's CRL as its distribution point (RFC 5280 4.2.1.13).
Botan::Extensions issuing_ca_extensions(const Bytes& subject_key_id, const Bytes& authority_key_id,
                                        const std::string& root_crl_url) {
  Botan::Extensions extensions = ca_extensions(0, subject_key_id, authority_key_id);
  extensions.add(detail::crl_distribution_point(root_crl_url));
  return extensions;
}

}  // namespace

struct CertificateAuthority::Impl {
  Impl(hsm::Token& t, store::Database& d, const Clock& c, Random& r, CaSettings s)
      : token(t), db(d), clock(c), random(r), settings(std::move(s)) {}

  hsm::Token& token;
  store::Database& db;
  const Clock& clock;
  Random& random;
  CaSettings settings;

  CaCertificate root;
  CaCertificate issuing;
  Botan::X509_Certificate root_cert;
  Botan::X509_Certificate issuing_cert;
  std::unique_ptr<Botan::Private_Key> issuing_key;
  std::unique_ptr<Botan::Private_Key> root_key;  // null when the root is kept offline

  mutable std::mutex responder_mutex;  // guards responder and tsa, which maintain() may replace
  OcspResponderKey responder;
  ServiceKey tsa;

  // A new key on the token with the CA's algorithm.
  Result<Bytes> generate(const KeyId& id, hsm::KeyPurpose purpose, std::string_view label) {
    return token.generate_key_pair(id, settings.ca_algorithm, purpose, label);
  }

  KeyId new_key_id(std::string_view prefix) { return KeyId(std::string(prefix) + random.hex_token(8)); }

  Attributes ca_name(const std::string& common_name) const {
    return {{"X520.Country", settings.country},
            {"X520.Organization", settings.organization},
            {"X520.CommonName", common_name}};
  }

  // 1. what the database records. False when it records no CA yet.
  Result<bool> load_recorded() {
    using Pair = std::pair<std::optional<store::CaCertificateRecord>, std::optional<store::CaCertificateRecord>>;
    auto records = db.transact([](store::Tx& tx) -> Result<Pair> {
      auto r = store::CaCertificateRecords::active(tx, kRoot);
      if (!r) return std::move(r).error();
      auto i = store::CaCertificateRecords::active(tx, kIssuing);
      if (!i) return std::move(i).error();
      return Pair{std::move(*r), std::move(*i)};
    });
    if (!records) return std::move(records).error();
    auto& [root_record, issuing_record] = *records;
    if (!root_record && !issuing_record) return false;
    if (!root_record || !issuing_record)
      return make_error(ErrorCode::internal, "the database records only one of the root and the issuing CA");
    if (!settings.issuing_key_id.empty() && settings.issuing_key_id != issuing_record->key_id.str())
      return make_error(ErrorCode::invalid_request, "pki.issuing_key_id names '" + settings.issuing_key_id +
                                                        "' but the database records the CA key '" +
                                                        issuing_record->key_id.str() + "'");
    return adopt(*root_record, *issuing_record);
  }

  Result<bool> adopt(const store::CaCertificateRecord& root_record, const store::CaCertificateRecord& issuing_record) {
    auto r = parse_certificate(root_record.certificate, "root");
    if (!r) return std::move(r).error();
    auto i = parse_certificate(issuing_record.certificate, "issuing CA");
    if (!i) return std::move(i).error();
    auto root_algorithm = algorithm_of(*r);
    if (!root_algorithm) return std::move(root_algorithm).error();
    auto issuing_algorithm = algorithm_of(*i);
    if (!issuing_algorithm) return std::move(issuing_algorithm).error();
    root_cert = std::move(*r);
    issuing_cert = std::move(*i);
    root = ca_certificate(root_record, *root_algorithm);
    issuing = ca_certificate(issuing_record, *issuing_algorithm);
    return true;
  }

  // 2. existing keys named in the configuration, with their certificates beside them on the token; recorded in tx.
  Status import_configured(store::Tx& tx) {
    const KeyId root_id(settings.root_key_id), issuing_id(settings.issuing_key_id);
    auto root_der = token.certificate(root_id);
    if (!root_der)
      return make_error(root_der.error().code, "pki.root_key_id: no certificate with id '" + root_id.str() +
                                                   "' on the token: " + root_der.error().message);
    auto issuing_der = token.certificate(issuing_id);
    if (!issuing_der)
      return make_error(issuing_der.error().code, "pki.issuing_key_id: no certificate with id '" + issuing_id.str() +
                                                      "' on the token: " + issuing_der.error().message);
    if (!token.has_key(issuing_id))
      return make_error(ErrorCode::not_found,
                        "pki.issuing_key_id: no private key with id '" + issuing_id.str() + "' on the token");
    auto r = parse_certificate(*root_der, "root");
    if (!r) return std::move(r).error();
    auto i = parse_certificate(*issuing_der, "issuing CA");
    if (!i) return std::move(i).error();
    try {
      if (!r->is_CA_cert()) return make_error(ErrorCode::invalid_request, "pki.root_key_id: not a CA certificate");
      if (!i->is_CA_cert()) return make_error(ErrorCode::invalid_request, "pki.issuing_key_id: not a CA certificate");
      auto root_public = r->load_subject_public_key();
      if (!i->check_signature(*root_public))
        return make_error(ErrorCode::invalid_request, "pki.issuing_key_id: its certificate is not signed by the root");
      auto token_public = token.public_key(issuing_id);
      if (!token_public) return std::move(token_public).error();
      std::unique_ptr<Botan::Public_Key> on_token(Botan::X509::load_key(*token_public));
      if (on_token->public_key_bits() != i->load_subject_public_key()->public_key_bits())
        return make_error(ErrorCode::invalid_request,
                          "pki.issuing_key_id: the certificate does not carry the public key of that key");
    } catch (const std::exception& e) {
      return make_error(ErrorCode::invalid_request, std::string("pki: cannot check the existing CA: ") + e.what());
    }
    const Instant now = clock.now();
    auto record = [&](const Botan::X509_Certificate& cert, std::string_view role, const KeyId& id) {
      return store::CaCertificateRecord{serial_of(cert.serial_number()),
                                        std::string(role),
                                        id,
                                        cert.subject_dn().to_string(),
                                        cert.BER_encode(),
                                        detail::instant_of(cert.not_before()),
                                        detail::instant_of(cert.not_after()),
                                        true,
                                        now};
    };
    const auto root_record = record(*r, kRoot, root_id);
    const auto issuing_record = record(*i, kIssuing, issuing_id);
    if (Status s = store::CaCertificateRecords::insert(tx, root_record); !s) return s;
    if (Status s = store::CaCertificateRecords::insert(tx, issuing_record); !s) return s;
    Status saved =
        store::AuditLog::append(tx,
                                {std::string(kSystem), "ca.import", "ca:" + issuing_record.serial.str(), "success",
                                 "root=" + root_record.serial.str() + " issuing_key=" + issuing_id.str()},
                                now);
    if (!saved) return saved;
    log::info("pki.ca_imported", {{"root", root_record.serial.str()}, {"issuing", issuing_record.serial.str()}});
    return {};
  }

  // 3. a new root and issuing CA, recorded in tx (the keys are destroyed unless that commits: see open()).
  Status create(store::Tx& tx) {
    const Instant now = clock.now();
    const std::string algorithm(hsm::to_string(settings.ca_algorithm));

    PendingKey root_key_id(token, new_key_id("ca-root-"));
    auto root_spki = generate(root_key_id.id(), hsm::KeyPurpose::certificate_authority, "Firma root CA");
    if (!root_spki) return std::move(root_spki).error();
    auto root_key = hsm::botan_private_key(token, root_key_id.id(), hsm::KeyPurpose::certificate_authority);
    if (!root_key) return std::move(root_key).error();
    auto root_ski = key_identifier(*root_spki);
    if (!root_ski) return std::move(root_ski).error();
    const Attributes root_name = ca_name(settings.root_name);
    const Botan::X509_DN root_dn = distinguished_name(root_name);
    auto r = sign_certificate(**root_key, settings.ca_algorithm, root_dn, detail::random_serial(random), root_dn,
                              *root_spki, now, now + settings.root_validity, ca_extensions(1, *root_ski, *root_ski));
    if (!r) return std::move(r).error();
    if (Status s = token.store_certificate(root_key_id.id(), r->BER_encode(), "Firma root CA"); !s) return s;

    PendingKey issuing_key_id(token, new_key_id("ca-issuing-"));
    auto issuing_spki = generate(issuing_key_id.id(), hsm::KeyPurpose::certificate_authority, "Firma issuing CA");
    if (!issuing_spki) return std::move(issuing_spki).error();
    auto issuing_ski = key_identifier(*issuing_spki);
    if (!issuing_ski) return std::move(issuing_ski).error();
    const Attributes issuing_name = ca_name(settings.issuing_name);
    auto i = sign_certificate(**root_key, settings.ca_algorithm, r->subject_dn(), detail::random_serial(random),
                              distinguished_name(issuing_name), *issuing_spki, now, now + settings.issuing_validity,
                              issuing_ca_extensions(*issuing_ski, *root_ski, settings.root_crl_url()));
    if (!i) return std::move(i).error();
    if (Status s = token.store_certificate(issuing_key_id.id(), i->BER_encode(), "Firma issuing CA"); !s) return s;

    const store::CaCertificateRecord root_record{serial_of(r->serial_number()),
                                                 std::string(kRoot),
                                                 root_key_id.id(),
                                                 describe(root_name),
                                                 r->BER_encode(),
                                                 now,
                                                 now + settings.root_validity,
                                                 true,
                                                 now};
    const store::CaCertificateRecord issuing_record{serial_of(i->serial_number()),
                                                    std::string(kIssuing),
                                                    issuing_key_id.id(),
                                                    describe(issuing_name),
                                                    i->BER_encode(),
                                                    now,
                                                    now + settings.issuing_validity,
                                                    true,
                                                    now};
    Status saved = [&]() -> Status {
      if (Status s = store::CaCertificateRecords::insert(tx, root_record); !s) return s;
      if (Status s = store::CaCertificateRecords::insert(tx, issuing_record); !s) return s;
      if (Status s = store::HsmKeyRecords::insert(tx, {root_key_id.id(), "ca", "root", algorithm, now, std::nullopt});
          !s)
        return s;
      if (Status s =
              store::HsmKeyRecords::insert(tx, {issuing_key_id.id(), "ca", "issuing", algorithm, now, std::nullopt});
          !s)
        return s;
      return store::AuditLog::append(tx,
                                     {std::string(kSystem), "ca.create", "ca:" + issuing_record.serial.str(), "success",
                                      "root=" + root_record.serial.str() + " algorithm=" + algorithm},
                                     now);
    }();
    if (!saved) return saved;  // the pending keys are destroyed on the way out
    root_key_id.keep();
    issuing_key_id.keep();
    log::info("pki.ca_created",
              {{"root", root_record.serial.str()}, {"issuing", issuing_record.serial.str()}, {"algorithm", algorithm}});
    return {};
  }

  Status load_issuing_key() {
    if (!token.has_key(issuing.key_id))
      return make_error(ErrorCode::unavailable,
                        "the issuing CA key '" + issuing.key_id.str() + "' is not on the token " + token.label());
    // A key made before purposes were recorded on the token, or imported, gets its purpose here: the CA knows
    // its keys by the ids the database records.
    if (Status s = token.assign_purpose(issuing.key_id, hsm::KeyPurpose::certificate_authority); !s) return s;
    auto key = hsm::botan_private_key(token, issuing.key_id, hsm::KeyPurpose::certificate_authority);
    if (!key) return std::move(key).error();
    issuing_key = std::move(*key);
    // The root signs only its CRL here; an offline root (imported CA whose root key is not on this token) does not.
    if (token.has_key(root.key_id)) {
      if (Status s = token.assign_purpose(root.key_id, hsm::KeyPurpose::certificate_authority); !s) return s;
      auto root_signer = hsm::botan_private_key(token, root.key_id, hsm::KeyPurpose::certificate_authority);
      if (!root_signer) return std::move(root_signer).error();
      root_key = std::move(*root_signer);
    }
    return {};
  }

  void use_responder(OcspResponderKey key) {
    std::lock_guard lock(responder_mutex);
    responder = std::move(key);
  }

  // A key of the service's own with a certificate from the issuing CA, renewed before it expires: the delegated
  // OCSP signer and the time-stamping unit.
  struct ServiceSigner {
    std::string_view role;  // ca_certificates.role and hsm_keys.purpose
    hsm::KeyPurpose purpose;
    std::string_view key_prefix;   // of its key id
    std::string_view label;        // of its key and certificate on the token
    std::string_view name_suffix;  // its CN: the issuing CA's and this
    hsm::KeyAlgorithm algorithm;
    std::chrono::days validity;
    void (*add_extensions)(Botan::Extensions&, const CaSettings&);  // besides keyUsage, SKI and AKI
  };

  // RFC 6960 4.2.2.2: issued by the CA whose certificates it answers for, with id-kp-OCSPSigning; 4.2.2.2.1:
  // id-pkix-ocsp-nocheck, so a short validity stands in for revocation checking.
  ServiceSigner ocsp_signer_spec() const {
    return {kOcspSigner,
            hsm::KeyPurpose::ocsp_signing,
            "ca-ocsp-",
            "Firma OCSP signer",
            " OCSP Responder",
            settings.ca_algorithm,
            settings.ocsp_signer_validity,
            [](Botan::Extensions& extensions, const CaSettings&) {
              extensions.add(new ext::Extended_Key_Usage({detail::ocsp_signing_purpose()}));
              extensions.add(detail::ocsp_nocheck());
            }};
  }

  // RFC 3161 2.3: exactly one extended key usage, id-kp-timeStamping, critical. Its status is found like a
  // citizen's (CRL distribution point and AIA), so that LT signatures can carry it.
  ServiceSigner tsa_spec() const {
    return {kTsa,
            hsm::KeyPurpose::timestamping,
            "ca-tsa-",
            "Firma TSA",
            " TSA",
            settings.tsa_algorithm,
            settings.tsa_validity,
            [](Botan::Extensions& extensions, const CaSettings& s) {
              extensions.add(new ext::Extended_Key_Usage({detail::timestamping_purpose()}), true);
              extensions.add(detail::authority_information_access(s.ocsp_url(), s.ca_issuers_url()));
              extensions.add(detail::crl_distribution_point(s.crl_url()));
            }};
  }

  // The delegated OCSP signer in use, or the issuing CA when there is none.
  Status ensure_ocsp_signer() {
    if (settings.ocsp_signer == OcspSigner::ca) {
      use_responder({issuing.key_id, issuing.algorithm, issuing.der, false});
      return {};
    }
    auto key = ensure_service_signer(ocsp_signer_spec());
    if (!key) return std::move(key).error();
    use_responder({key->key_id, key->algorithm, key->certificate, true});
    return {};
  }

  Status ensure_tsa() {
    auto key = ensure_service_signer(tsa_spec());
    if (!key) return std::move(key).error();
    std::lock_guard lock(responder_mutex);
    tsa = std::move(*key);
    return {};
  }

  // The signer recorded as active, or a new one when there is none, it is due for renewal, its key is gone, it
  // comes from an earlier issuing CA, or its algorithm is no longer the configured one.
  Result<ServiceKey> ensure_service_signer(const ServiceSigner& spec, int attempts = 3) {
    const Instant now = clock.now();
    auto active = db.transact([&](store::Tx& tx) { return store::CaCertificateRecords::active(tx, spec.role); });
    if (!active) return std::move(active).error();
    const auto margin = std::min<std::chrono::seconds>(settings.renew_before, spec.validity / 2);
    if (*active && (*active)->not_after - now > margin && token.has_key((*active)->key_id)) {
      auto cert = parse_certificate((*active)->certificate, spec.role);
      if (!cert) return std::move(cert).error();
      auto algorithm = algorithm_of(*cert);
      if (!algorithm) return std::move(algorithm).error();
      if (cert->authority_key_id() == issuing_cert.subject_key_id() && *algorithm == spec.algorithm) {
        // A signer made before purposes were recorded on the token gets its purpose (see load_issuing_key).
        if (Status s = token.assign_purpose((*active)->key_id, spec.purpose); !s) return std::move(s).error();
        return ServiceKey{(*active)->key_id, *algorithm, (*active)->certificate};
      }
    }
    std::optional<CertSerial> replaced;
    if (*active) replaced = (*active)->serial;
    auto made = issue_service_signer(spec, now, replaced);
    if (made || made.error().code != ErrorCode::conflict || attempts <= 1) return made;
    // Another node renewed it first: use theirs.
    return ensure_service_signer(spec, attempts - 1);
  }

  Result<ServiceKey> issue_service_signer(const ServiceSigner& spec, Instant now,
                                          const std::optional<CertSerial>& replaced) {
    const std::string algorithm(hsm::to_string(spec.algorithm));
    PendingKey key_id(token, new_key_id(spec.key_prefix));
    auto spki = token.generate_key_pair(key_id.id(), spec.algorithm, spec.purpose, spec.label);
    if (!spki) return std::move(spki).error();
    auto ski = key_identifier(*spki);
    if (!ski) return std::move(ski).error();
    Botan::Extensions extensions;
    extensions.add(new ext::Key_Usage(Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE)), true);
    spec.add_extensions(extensions, settings);
    extensions.add(new ext::Subject_Key_ID(*ski));
    extensions.add(new ext::Authority_Key_ID(issuing_cert.subject_key_id()));
    const Attributes name = ca_name(settings.issuing_name + std::string(spec.name_suffix));
    const Instant not_after = std::min(now + spec.validity, issuing.not_after);
    auto cert =
        sign_certificate(*issuing_key, issuing.algorithm, issuing_cert.subject_dn(), detail::random_serial(random),
                         distinguished_name(name), *spki, now, not_after, extensions);
    if (!cert) return std::move(cert).error();
    const Bytes der = cert->BER_encode();
    if (Status s = token.store_certificate(key_id.id(), der, spec.label); !s) return std::move(s).error();
    const store::CaCertificateRecord record{serial_of(cert->serial_number()),
                                            std::string(spec.role),
                                            key_id.id(),
                                            describe(name),
                                            der,
                                            now,
                                            not_after,
                                            true,
                                            now};
    Status saved = db.transact([&](store::Tx& tx) -> Status {
      // One renewal per cluster: a node that renewed at the same moment waits here, then finds the signer changed.
      if (Status s = store::ClusterLock::hold(tx, store::ClusterTask::service_signers); !s) return s;
      auto current = store::CaCertificateRecords::active(tx, spec.role);
      if (!current) return std::move(current).error();
      const std::optional<CertSerial> now_active =
          *current ? std::optional<CertSerial>((*current)->serial) : std::nullopt;
      if (now_active != replaced)
        return make_error(ErrorCode::conflict, "the " + std::string(spec.role) + " certificate changed meanwhile");
      if (Status s = store::CaCertificateRecords::deactivate(tx, spec.role); !s) return s;
      if (Status s = store::CaCertificateRecords::insert(tx, record); !s) return s;
      if (Status s = store::HsmKeyRecords::insert(
              tx, {key_id.id(), "ca", std::string(spec.role), algorithm, now, std::nullopt});
          !s)
        return s;
      return store::AuditLog::append(
          tx,
          {std::string(kSystem), "ca." + std::string(spec.role) + ".issue", "certificate:" + record.serial.str(),
           "success", replaced ? "replaces=" + replaced->str() : std::string("first")},
          now);
    });
    if (!saved) return std::move(saved).error();
    key_id.keep();
    log::info("pki." + std::string(spec.role) + "_issued",
              {{"serial", record.serial.str()}, {"not_after", to_rfc3339(not_after)}});
    return ServiceKey{record.key_id, spec.algorithm, der};
  }
};

std::string certificate_pem(std::span<const std::uint8_t> der) {
  const std::string base64 = to_base64(der);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < base64.size(); i += 64) pem += base64.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE-----\n";
}

CertificateAuthority::CertificateAuthority(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CertificateAuthority::~CertificateAuthority() = default;

Result<std::unique_ptr<CertificateAuthority>> CertificateAuthority::open(hsm::Token& token, store::Database& db,
                                                                         const Clock& clock, Random& random,
                                                                         CaSettings settings) {
  auto impl = std::make_unique<Impl>(token, db, clock, random, std::move(settings));
  auto loaded = impl->load_recorded();
  if (!loaded) return std::move(loaded).error();
  if (!*loaded) {
    // Once per cluster: nodes starting together queue on the lock, and the ones after the first find its CA.
    Status made = impl->db.transact([&](store::Tx& tx) -> Status {
      if (Status s = store::ClusterLock::hold(tx, store::ClusterTask::ca_setup); !s) return s;
      auto recorded = store::CaCertificateRecords::active(tx, kIssuing);
      if (!recorded) return std::move(recorded).error();
      if (*recorded) return {};
      return impl->settings.issuing_key_id.empty() ? impl->create(tx) : impl->import_configured(tx);
    });
    if (!made) return std::move(made).error();
    loaded = impl->load_recorded();
    if (!loaded) return std::move(loaded).error();
    if (!*loaded) return make_error(ErrorCode::internal, "the CA was created but is not recorded");
  }
  if (Status s = impl->load_issuing_key(); !s) return std::move(s).error();
  if (Status s = impl->ensure_ocsp_signer(); !s) return std::move(s).error();
  if (Status s = impl->ensure_tsa(); !s) return std::move(s).error();
  return std::unique_ptr<CertificateAuthority>(new CertificateAuthority(std::move(impl)));
}

const CaSettings& CertificateAuthority::settings() const noexcept {
  return impl_->settings;
}
const CaCertificate& CertificateAuthority::root() const noexcept {
  return impl_->root;
}
const CaCertificate& CertificateAuthority::issuing() const noexcept {
  return impl_->issuing;
}

std::string CertificateAuthority::chain_pem() const {
  return impl_->issuing_cert.PEM_encode() + impl_->root_cert.PEM_encode();
}

std::vector<Bytes> CertificateAuthority::chain_der() const {
  return {impl_->issuing.der, impl_->root.der};
}

Result<SignedCertificate> CertificateAuthority::sign_citizen_certificate(const CitizenForIssuance& citizen,
                                                                         std::span<const std::uint8_t> public_key,
                                                                         Instant not_before) {
  const CaSettings& s = impl_->settings;
  auto ski = key_identifier(public_key);
  if (!ski) return std::move(ski).error();
  try {
    std::unique_ptr<Botan::Public_Key> parsed(
        Botan::X509::load_key(std::vector<std::uint8_t>(public_key.begin(), public_key.end())));
  } catch (const std::exception& e) {
    return make_error(ErrorCode::invalid_request, std::string("not a usable public key: ") + e.what());
  }
  const CitizenSubject subject = citizen_subject(citizen, s.country);
  const Attributes name = {{"X520.Country", subject.country},
                           {"X520.SerialNumber", subject.serial_number},
                           {"X520.Surname", subject.surname},
                           {"X520.GivenName", subject.given_name},
                           {"X520.CommonName", subject.common_name}};

  // ETSI EN 319 412-2 4.3.2: keyUsage critical, for a natural person's signing key digitalSignature and
  // nonRepudiation (contentCommitment).
  Botan::Extensions extensions;
  extensions.add(new ext::Basic_Constraints(false));
  extensions.add(new ext::Key_Usage(Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::NON_REPUDIATION)), true);
  extensions.add(new ext::Certificate_Policies({Botan::OID(s.policy_oid)}));
  extensions.add(detail::authority_information_access(s.ocsp_url(), s.ca_issuers_url()));
  extensions.add(detail::crl_distribution_point(s.crl_url()));
  extensions.add(new ext::Subject_Key_ID(*ski));
  extensions.add(new ext::Authority_Key_ID(impl_->issuing_cert.subject_key_id()));

  // A certificate never outlives its issuer.
  const Instant not_after = std::min(not_before + s.certificate_validity, impl_->issuing.not_after);
  auto cert = sign_certificate(*impl_->issuing_key, impl_->issuing.algorithm, impl_->issuing_cert.subject_dn(),
                               detail::random_serial(impl_->random), distinguished_name(name), public_key, not_before,
                               not_after, extensions);
  if (!cert) return std::move(cert).error();
  return SignedCertificate{serial_of(cert->serial_number()), describe(name), cert->BER_encode(), not_before, not_after};
}

Result<SignedCertificate> CertificateAuthority::sign_service_certificate(std::string_view common_name,
                                                                         std::span<const std::uint8_t> public_key,
                                                                         Instant not_before) {
  auto ski = key_identifier(public_key);
  if (!ski) return std::move(ski).error();
  Botan::Extensions extensions;
  extensions.add(new ext::Basic_Constraints(false));
  extensions.add(new ext::Key_Usage(Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE)), true);
  extensions.add(new ext::Subject_Key_ID(*ski));
  extensions.add(new ext::Authority_Key_ID(impl_->issuing_cert.subject_key_id()));
  const Attributes name = impl_->ca_name(std::string(common_name));
  auto cert = sign_certificate(*impl_->issuing_key, impl_->issuing.algorithm, impl_->issuing_cert.subject_dn(),
                               detail::random_serial(impl_->random), distinguished_name(name), public_key, not_before,
                               impl_->issuing.not_after, extensions);
  if (!cert) return std::move(cert).error();
  return SignedCertificate{serial_of(cert->serial_number()), describe(name), cert->BER_encode(), not_before,
                           impl_->issuing.not_after};
}

namespace {

// A CRL entry with the revocation time and reason from the database (Botan's own constructor takes "now").
Botan::CRL_Entry crl_entry(const CrlEntry& entry) {
  auto octets = detail::serial_octets(entry.serial);
  if (!octets) throw Botan::Invalid_Argument("bad serial " + entry.serial.str());
  Botan::Extensions extensions;
  extensions.add(new ext::CRL_ReasonCode(static_cast<Botan::CRL_Code>(entry.reason)));
  std::vector<std::uint8_t> der;
  Botan::DER_Encoder(der)
      .start_cons(Botan::SEQUENCE)
      .encode(Botan::BigInt(octets->data(), octets->size()))
      .encode(x509_time(entry.revoked_at))
      .start_cons(Botan::SEQUENCE)
      .encode(extensions)
      .end_cons()
      .end_cons();
  Botan::CRL_Entry decoded;
  Botan::BER_Decoder(der).decode(decoded).verify_end();
  return decoded;
}

}  // namespace

const CaCertificate& CertificateAuthority::ca(CrlIssuer issuer) const noexcept {
  return issuer == CrlIssuer::root ? impl_->root : impl_->issuing;
}

Result<Bytes> CertificateAuthority::sign_crl(const std::optional<Bytes>& previous,
                                             const std::vector<CrlEntry>& new_entries, Instant this_update,
                                             std::chrono::seconds validity, CrlIssuer issuer) {
  const bool root = issuer == CrlIssuer::root;
  if (root && !impl_->root_key)
    return make_error(ErrorCode::unavailable, "the root CA key is not on this token: its CRL is published offline");
  const std::string hash = detail::botan_hash_for(ca(issuer).algorithm);
  try {
    Botan::System_RNG rng;
    Botan::X509_CA ca(root ? impl_->root_cert : impl_->issuing_cert, root ? *impl_->root_key : *impl_->issuing_key,
                      hash, rng);
    std::vector<Botan::CRL_Entry> entries;
    entries.reserve(new_entries.size());
    for (const CrlEntry& e : new_entries) entries.push_back(crl_entry(e));
    const std::chrono::system_clock::time_point at(this_update.time_since_epoch());
    if (previous) return Bytes(ca.update_crl(Botan::X509_CRL(*previous), entries, rng, at, validity).BER_encode());
    Botan::X509_CRL first = ca.new_crl(rng, at, validity);
    if (entries.empty()) return Bytes(first.BER_encode());
    return Bytes(ca.update_crl(first, entries, rng, at, validity).BER_encode());
  } catch (const std::exception& e) {
    return error_of(e, "cannot sign the CRL");
  }
}

OcspResponderKey CertificateAuthority::ocsp_responder() const {
  std::lock_guard lock(impl_->responder_mutex);
  return impl_->responder;
}

ServiceKey CertificateAuthority::tsa_signer() const {
  std::lock_guard lock(impl_->responder_mutex);
  return impl_->tsa;
}

Status CertificateAuthority::maintain() {
  if (Status s = impl_->ensure_ocsp_signer(); !s) return s;
  return impl_->ensure_tsa();
}

}  // namespace firma::certs
