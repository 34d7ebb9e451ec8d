// Application authorisations: the request, the citizen's sign-in and SMS confirmation, and the one redemption.
#include "signer/application_authorisations.h"

#include <algorithm>

#include "certs/credentials.h"
#include "identity/citizens.h"
#include "identity/otp_service.h"
#include "policies/nif.h"
#include "policies/shown_text.h"
#include "signer/signature_activation.h"
#include "store/access_tokens.h"
#include "store/application_authorisations.h"
#include "store/audit_log.h"
#include "store/database.h"
#include "store/sads.h"

namespace firma::signer {
namespace {

constexpr std::size_t kMaxStateBytes = 1000;
constexpr std::size_t kMaxDescriptionBytes = 500;
constexpr std::size_t kMaxLabelBytes = 200;
constexpr std::size_t kMaxFrontContextBytes = 64 * 1024;
constexpr std::size_t kSmsDescriptionBytes = 60;

std::string_view kind_name(AuthorisationKind kind) {
  return kind == AuthorisationKind::signing ? "signing" : "access";
}

std::optional<AuthorisationStatus> parse_status(std::string_view text) {
  for (auto s : {AuthorisationStatus::requested, AuthorisationStatus::signed_in, AuthorisationStatus::confirmed,
                 AuthorisationStatus::redeemed, AuthorisationStatus::refused})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

Error invalid(std::string message) {
  return make_error(ErrorCode::invalid_request, std::move(message));
}

// The SAD's value sealed under the code: XOR with SHA-512 of the code (256 random bits) under a label, so that
// what the database keeps is useless without the code, which it keeps only hashed. The SAD value is 64 bytes.
Bytes seal(std::string_view value, const Secret& code) {
  const Bytes pad = sha512(as_bytes("firma-sad-seal-v1\n" + std::string(code.reveal())));
  Bytes out(value.size());
  for (std::size_t i = 0; i < value.size(); ++i)
    out[i] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(value[i]) ^ pad[i % pad.size()]);
  return out;
}

std::string code_hash(const Secret& code) {
  return to_hex(sha256(code.reveal()));
}

// The first `limit` bytes of UTF-8 text, cut on a character boundary, with "..." when cut.
std::string shortened(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

// The SMS of a signing authorisation: the code, then the application, how many signatures and the description.
std::string signing_sms(const std::string& app_name, std::size_t signatures, const std::string& description) {
  std::string text = "Cl@ve Firma: su c\u00F3digo es {otp} para autorizar " + std::to_string(signatures) +
                     (signatures == 1 ? " firma" : " firmas") + " a " + identity::sms_template_literal(app_name);
  if (!description.empty())
    text += " (" + identity::sms_template_literal(shortened(description, kSmsDescriptionBytes)) + ")";
  return text + ". No lo comparta con nadie.";
}

bool upper_hex(std::string_view text) {
  return !text.empty() && text.size() <= 64 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); });
}

Status check_asked(const AuthorisationAsked& a, std::size_t max_signatures) {
  if (a.client_state.size() > kMaxStateBytes ||
      !std::all_of(a.client_state.begin(), a.client_state.end(), [](char c) { return c >= 0x20 && c <= 0x7e; }))
    return invalid("the state is at most 1000 printable ASCII characters");
  auto challenge = from_base64url(a.proof_challenge);
  if (a.proof_challenge.size() != 43 || !challenge || challenge->size() != 32)
    return invalid("the code challenge must be the base64url SHA-256 of the verifier (43 characters)");
  if (a.front_context.size() > kMaxFrontContextBytes) return invalid("the request is too large");
  if (a.kind == AuthorisationKind::access) {
    if (!a.digests.empty()) return invalid("an access authorisation lists no digests");
    return {};
  }
  if (!upper_hex(a.credential.str())) return invalid("the credential is named by its certificate serial (hex)");
  if (a.digests.empty()) return invalid("a signing authorisation lists the digests to sign");
  if (a.digests.size() > max_signatures)
    return invalid("at most " + std::to_string(max_signatures) + " digests in one authorisation");
  if (a.signatures > a.digests.size()) return invalid("more signatures than digests");
  const std::size_t size = hsm::digest_size(a.digest_algorithm);
  for (const auto& d : a.digests) {
    if (d.digest.size() != size)
      return invalid("a digest is " + std::to_string(d.digest.size()) + " bytes, not the " + std::to_string(size) +
                     " of " + std::string(hsm::to_string(a.digest_algorithm)));
    if (d.label.size() > kMaxLabelBytes) return invalid("a digest's label is at most 200 bytes");
    if (Status s = policies::check_shown_text(d.label, "label"); !s) return s;
  }
  if (a.description.size() > kMaxDescriptionBytes) return invalid("the description is at most 500 bytes");
  return policies::check_shown_text(a.description, "description");
}

struct Loaded {
  store::ApplicationAuthorisationRecord record;
  std::vector<store::AuthorisationDigestRecord> digests;
};

Result<Loaded> load(store::Tx& tx, const std::string& id) {
  auto record = store::ApplicationAuthorisationRecords::find(tx, id);
  if (!record) return std::move(record).error();
  if (!*record) return make_error(ErrorCode::not_found, "no such authorisation request");
  auto digests = store::ApplicationAuthorisationRecords::digests(tx, id);
  if (!digests) return std::move(digests).error();
  return Loaded{std::move(**record), std::move(*digests)};
}

AuthorisationStatus status_of(const store::ApplicationAuthorisationRecord& r, Instant now) {
  const auto status = parse_status(r.status).value_or(AuthorisationStatus::refused);
  const bool open = status == AuthorisationStatus::requested || status == AuthorisationStatus::signed_in;
  return open && now >= r.expires_at ? AuthorisationStatus::expired : status;
}

std::vector<LabelledDigest> labelled(const std::vector<store::AuthorisationDigestRecord>& digests) {
  std::vector<LabelledDigest> out;
  out.reserve(digests.size());
  for (const auto& d : digests) out.push_back({d.digest, d.label});
  return out;
}

// The SAD a signing request asks for, once the citizen and the key are known.
SadRequest sad_request(const Loaded& l, const CitizenId& citizen, const KeyId& key) {
  SadRequest request{SadBinding{citizen, key, l.record.app_id}, {}, static_cast<std::size_t>(l.record.budget), {}};
  const auto algorithm = hsm::parse_digest_algorithm(l.record.digest_algorithm).value_or(hsm::DigestAlgorithm::sha256);
  // The padding is signHash's to choose (its signAlgo): the SAD binds the digests (SadEntry::any_padding).
  for (const auto& d : l.digests) {
    SadEntry entry{algorithm, d.digest, hsm::RsaPadding::pkcs1v15};
    entry.any_padding = true;
    request.entries.push_back(std::move(entry));
  }
  return request;
}

Status refuse_unless(const Loaded& l, AuthorisationStatus wanted, Instant now) {
  const AuthorisationStatus status = status_of(l.record, now);
  if (status == AuthorisationStatus::expired) return make_error(ErrorCode::transaction_expired, "the request expired");
  if (status != wanted)
    return make_error(ErrorCode::conflict, "the authorisation is " + std::string(to_string(status)));
  return {};
}

}  // namespace

std::string_view to_string(AuthorisationStatus status) noexcept {
  switch (status) {
    case AuthorisationStatus::requested: return "requested";
    case AuthorisationStatus::signed_in: return "signed_in";
    case AuthorisationStatus::confirmed: return "confirmed";
    case AuthorisationStatus::redeemed: return "redeemed";
    case AuthorisationStatus::refused: return "refused";
    case AuthorisationStatus::expired: return "expired";
  }
  return "refused";
}

Result<std::string> proof_challenge_of(std::string_view verifier) {
  const bool unreserved = std::all_of(verifier.begin(), verifier.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
  });
  if (verifier.size() < 43 || verifier.size() > 128 || !unreserved)
    return invalid("the code verifier is 43 to 128 unreserved characters (RFC 7636 4.1)");
  return to_base64url(sha256(verifier));
}

ApplicationAuthorisations::ApplicationAuthorisations(store::Database& db, ApplicationService& applications,
                                                     identity::CitizenService& citizens,
                                                     certs::CredentialService& credentials, AccessTokens& tokens,
                                                     const Clock& clock, Random& random, AuthorisationLimits limits)
    : db_(db),
      applications_(applications),
      citizens_(citizens),
      credentials_(credentials),
      tokens_(tokens),
      clock_(clock),
      random_(random),
      limits_(limits) {}

Result<Application> ApplicationAuthorisations::client(const AppId& application, std::string_view redirect_uri) const {
  auto app = applications_.find(application);
  if (!app) return std::move(app).error();
  if (!app->accepts_redirect_uri(redirect_uri))
    return invalid("the redirect URI is not one the application registered");
  return app;
}

Result<AuthorisationView> ApplicationAuthorisations::request(const AuthorisationAsked& asked) {
  auto app = client(asked.application, asked.redirect_uri);
  if (!app) return std::move(app).error();
  AuthorisationAsked a = asked;
  std::string credential = a.credential.str();
  std::transform(credential.begin(), credential.end(), credential.begin(),
                 [](char c) { return static_cast<char>(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c); });
  a.credential = CertSerial(credential);
  if (a.kind == AuthorisationKind::signing && a.signatures == 0) a.signatures = a.digests.size();
  if (Status s = check_asked(a, limits_.max_signatures); !s) return std::move(s).error();

  const Instant now = clock_.now();
  store::ApplicationAuthorisationRecord r;
  r.id = random_.hex_token(16);
  r.app_id = a.application;
  r.redirect_uri = a.redirect_uri;
  r.client_state = a.client_state;
  r.proof_challenge = a.proof_challenge;
  r.kind = std::string(kind_name(a.kind));
  const bool signing = a.kind == AuthorisationKind::signing;
  r.credential = signing ? a.credential.str() : "";
  r.digest_algorithm = signing ? std::string(hsm::to_string(a.digest_algorithm)) : "";
  r.budget = signing ? static_cast<int>(a.signatures) : 0;
  r.description = a.description;
  r.front_context = a.front_context;
  r.status = std::string(to_string(AuthorisationStatus::requested));
  r.created_at = now;
  r.expires_at = now + limits_.request_lifetime;
  std::vector<store::AuthorisationDigestRecord> digests;
  for (const auto& d : a.digests) digests.push_back({d.digest, d.label});
  Status saved = db_.transact([&](store::Tx& tx) -> Status {
    if (Status s = store::ApplicationAuthorisationRecords::insert(tx, r, digests); !s) return s;
    return store::AuditLog::append(
        tx,
        {a.application.str(), "authorisation.request", r.id, "success",
         r.kind + (signing ? " with credential " + r.credential + ", " + std::to_string(r.budget) + " signatures of " +
                                 std::to_string(digests.size()) + " digests"
                           : "")},
        now);
  });
  if (!saved) return std::move(saved).error();
  return AuthorisationView{
      r.id,         a.application,      app->name, r.redirect_uri, a.kind,        AuthorisationStatus::requested,
      a.credential, a.digest_algorithm, a.digests, a.signatures,   a.description, r.expires_at};
}

Result<AuthorisationView> ApplicationAuthorisations::view(const std::string& id,
                                                          std::optional<AppId> application) const {
  auto loaded = db_.transact([&](store::Tx& tx) { return load(tx, id); });
  if (!loaded) return std::move(loaded).error();
  const auto& r = loaded->record;
  if (application && *application != r.app_id) return make_error(ErrorCode::not_found, "no such authorisation request");
  auto app = applications_.find(r.app_id);
  if (!app) return std::move(app).error();
  return AuthorisationView{r.id,
                           r.app_id,
                           app->name,
                           r.redirect_uri,
                           r.kind == "signing" ? AuthorisationKind::signing : AuthorisationKind::access,
                           status_of(r, clock_.now()),
                           CertSerial(r.credential),
                           hsm::parse_digest_algorithm(r.digest_algorithm).value_or(hsm::DigestAlgorithm::sha256),
                           labelled(loaded->digests),
                           static_cast<std::size_t>(r.budget),
                           r.description,
                           r.expires_at};
}

Result<AuthorisationSignIn> ApplicationAuthorisations::sign_in(const std::string& id, std::string_view nif_text,
                                                               const Secret& password) {
  const Instant now = clock_.now();
  auto loaded = db_.transact([&](store::Tx& tx) { return load(tx, id); });
  if (!loaded) return std::move(loaded).error();
  if (status_of(loaded->record, now) != AuthorisationStatus::signed_in)
    if (Status s = refuse_unless(*loaded, AuthorisationStatus::requested, now); !s) return std::move(s).error();
  const auto& r = loaded->record;
  auto nif = policies::Nif::parse(nif_text);
  if (!nif) {
    // A NIF that cannot exist answers as a wrong password does, in the same time.
    citizens_.spend_password_check(password);
    return make_error(ErrorCode::invalid_credentials, "the NIF or the password is not correct");
  }

  if (r.kind != "signing") {
    // Access: the normal level (Cl@ve's NIF + password), as auth/login; an expired password does not give it.
    auto authenticated = citizens_.authenticate_password(*nif, password, "authorisation.sign_in");
    if (!authenticated) return std::move(authenticated).error();
    if (authenticated->password_expired)
      return make_error(ErrorCode::password_expired, "the password has expired: change it first");
    const CitizenId citizen = authenticated->citizen.id;
    Secret code(random_.hex_token(32));
    const store::AuthorisationConfirmation confirmation{code_hash(code), now + limits_.code_lifetime, std::nullopt,
                                                        std::nullopt, std::nullopt};
    Status saved = db_.transact([&](store::Tx& tx) -> Status {
      auto moved = store::ApplicationAuthorisationRecords::confirm(tx, id, "requested", citizen, confirmation);
      if (!moved) return std::move(moved).error();
      if (!*moved) return make_error(ErrorCode::conflict, "the authorisation changed meanwhile");
      return store::AuditLog::append(
          tx, {citizen.str(), "authorisation.confirm", id, "success", "access for application " + r.app_id.str()}, now);
    });
    if (!saved) return std::move(saved).error();
    return AuthorisationSignIn{std::nullopt, AuthorisationAnswer{r.redirect_uri, r.client_state, std::move(code)}};
  }

  // Signing: the reinforced level's password first (it counts toward the lockout whatever follows), then the
  // credential, then the SMS code bound to exactly the SAD.
  auto verified = citizens_.verify_reinforced_password(*nif, password);
  if (!verified) return std::move(verified).error();
  const identity::Citizen& c = verified->citizen();
  if (c.registration_level != RegistrationLevel::advanced)
    return make_error(ErrorCode::registration_level, "signing needs an advanced (in person) registration");
  auto credential = credentials_.find(CertSerial(r.credential));
  if (!credential) return std::move(credential).error();
  const auto& info = *credential;
  if (!info || info->nif != c.nif.str() || info->status != CertificateStatus::valid || now >= info->not_after ||
      now < info->not_before)
    return make_error(ErrorCode::forbidden, "the credential is not a valid credential of this citizen");
  auto app = applications_.find(r.app_id);
  if (!app) return std::move(app).error();
  const SadRequest wanted = sad_request(*loaded, c.id, info->key_id);
  auto challenge = citizens_.send_reinforced_otp(*verified, kSignaturePurpose, signing_context(wanted),
                                                 signing_sms(app->name, wanted.budget, r.description));
  if (!challenge) return std::move(challenge).error();
  Status saved = db_.transact([&](store::Tx& tx) -> Status {
    auto moved =
        store::ApplicationAuthorisationRecords::sign_in(tx, id, c.id, info->key_id.str(), challenge->challenge_id);
    if (!moved) return std::move(moved).error();
    if (!*moved) return make_error(ErrorCode::conflict, "the authorisation changed meanwhile");
    return store::AuditLog::append(
        tx, {c.id.str(), "authorisation.sign_in", id, "success", "credential " + r.credential + ", code sent"}, now);
  });
  if (!saved) return std::move(saved).error();
  return AuthorisationSignIn{challenge->masked_mobile, std::nullopt};
}

Result<std::string> ApplicationAuthorisations::resend_otp(const std::string& id) {
  auto loaded = db_.transact([&](store::Tx& tx) { return load(tx, id); });
  if (!loaded) return std::move(loaded).error();
  if (Status s = refuse_unless(*loaded, AuthorisationStatus::signed_in, clock_.now()); !s) return std::move(s).error();
  auto sent = citizens_.resend_otp(*loaded->record.challenge_id);
  if (!sent) return std::move(sent).error();
  return sent->masked_mobile;
}

Result<AuthorisationAnswer> ApplicationAuthorisations::confirm(const std::string& id, const Secret& otp) {
  const Instant now = clock_.now();
  auto loaded = db_.transact([&](store::Tx& tx) { return load(tx, id); });
  if (!loaded) return std::move(loaded).error();
  if (Status s = refuse_unless(*loaded, AuthorisationStatus::signed_in, now); !s) return std::move(s).error();
  const auto& r = loaded->record;
  if (!r.citizen_id || !r.challenge_id || r.key_id.empty())
    return make_error(ErrorCode::conflict, "the citizen has not signed in");

  // The OTP is single-use in the database: of two racing confirmations only one mints a SAD.
  SignatureActivation activation(db_, citizens_, clock_, random_, limits_.sad_lifetime);
  auto sad = activation.authorise(*r.challenge_id, otp, sad_request(*loaded, *r.citizen_id, KeyId(r.key_id)));
  if (!sad) return std::move(sad).error();
  Secret code(random_.hex_token(32));
  const store::AuthorisationConfirmation confirmation{code_hash(code), now + limits_.code_lifetime,
                                                      seal(sad->value.reveal(), code), sad->id, sad->expires_at};
  Status saved = db_.transact([&](store::Tx& tx) -> Status {
    auto moved = store::ApplicationAuthorisationRecords::confirm(tx, id, "signed_in", *r.citizen_id, confirmation);
    if (!moved) return std::move(moved).error();
    if (!*moved) return make_error(ErrorCode::conflict, "the authorisation changed meanwhile");
    return store::AuditLog::append(
        tx,
        {r.citizen_id->str(), "authorisation.confirm", id, "success", sad->id + " for application " + r.app_id.str()},
        now);
  });
  if (!saved) return std::move(saved).error();
  return AuthorisationAnswer{r.redirect_uri, r.client_state, std::move(code)};
}

Result<AuthorisationAnswer> ApplicationAuthorisations::decline(const std::string& id) {
  const Instant now = clock_.now();
  return db_.transact([&](store::Tx& tx) -> Result<AuthorisationAnswer> {
    auto loaded = load(tx, id);
    if (!loaded) return std::move(loaded).error();
    const auto status = status_of(loaded->record, now);
    if (status != AuthorisationStatus::signed_in)
      if (Status s = refuse_unless(*loaded, AuthorisationStatus::requested, now); !s) return std::move(s).error();
    auto moved = store::ApplicationAuthorisationRecords::refuse(tx, id);
    if (!moved) return std::move(moved).error();
    if (!*moved) return make_error(ErrorCode::conflict, "the authorisation changed meanwhile");
    if (Status s = store::AuditLog::append(tx, {"citizen", "authorisation.decline", id, "success", ""}, now); !s)
      return std::move(s).error();
    return AuthorisationAnswer{loaded->record.redirect_uri, loaded->record.client_state, std::nullopt};
  });
}

Status ApplicationAuthorisations::end_sad(const Secret& sad, const AppId& application) {
  const Instant now = clock_.now();
  return db_.transact([&](store::Tx& tx) -> Status {
    auto found = store::SadRecords::find_by_value(tx, sad_value_hash(sad));
    if (!found) return std::move(found).error();
    if (!*found || (*found)->app_id != application || (*found)->expires_at <= now) return {};
    if (Status s = store::ApplicationAuthorisationRecords::end_sad(tx, (*found)->id, now); !s) return s;
    return store::AuditLog::append(tx, {application.str(), "sad.revoke", (*found)->id, "success", ""}, now);
  });
}

Result<std::int64_t> ApplicationAuthorisations::purge_ended() {
  // A day: past the refresh tokens' lifetime, so that a replayed code can still end what it gave until then.
  const Instant before = clock_.now() - AccessTokens::kRefreshLifetime;
  return db_.transact([&](store::Tx& tx) -> Result<std::int64_t> {
    auto requests = store::ApplicationAuthorisationRecords::purge_ended(tx, before);
    if (!requests) return std::move(requests).error();
    auto tokens = store::AccessTokenRecords::purge_ended(tx, before);
    if (!tokens) return std::move(tokens).error();
    return *requests + *tokens;
  });
}

Result<RedeemedAuthorisation> ApplicationAuthorisations::redeem(const Secret& code, const AppId& application,
                                                                std::string_view redirect_uri, const Secret& verifier) {
  auto challenge = proof_challenge_of(verifier.reveal());
  if (!challenge) return std::move(challenge).error();
  const Instant now = clock_.now();
  const Error refused = make_error(ErrorCode::forbidden, "the code is not valid for this client");
  // Replays are refused after their effect (ending what the code gave) is committed: the work answers a value.
  struct Outcome {
    std::optional<Loaded> redeemed;
    bool replayed = false;
  };
  auto outcome = db_.transact([&](store::Tx& tx) -> Result<Outcome> {
    auto found = store::ApplicationAuthorisationRecords::find_by_code(tx, code_hash(code));
    if (!found) return std::move(found).error();
    if (!*found || (*found)->app_id != application) return Outcome{};
    const auto& r = **found;
    if (r.status == "redeemed") {
      // RFC 6749 4.1.2: a code used twice ends what it gave, the SAD or the access token.
      if (r.sad_id)
        if (Status s = store::ApplicationAuthorisationRecords::end_sad(tx, *r.sad_id, now); !s)
          return std::move(s).error();
      if (r.access_token_id) {
        auto ended = store::AccessTokenRecords::revoke(tx, *r.access_token_id, now);
        if (!ended) return std::move(ended).error();
      }
      if (Status s = store::AuditLog::append(tx,
                                             {application.str(), "authorisation.replay", r.id, "refused",
                                              "the code was presented again: what it gave is ended"},
                                             now);
          !s)
        return std::move(s).error();
      return Outcome{std::nullopt, true};
    }
    if (r.status != "confirmed" || r.redirect_uri != redirect_uri || !r.code_expires_at || now >= *r.code_expires_at ||
        !constant_time_equal(*challenge, r.proof_challenge))
      return Outcome{};
    auto loaded = load(tx, r.id);
    if (!loaded) return std::move(loaded).error();
    auto moved = store::ApplicationAuthorisationRecords::redeem(tx, r.id, now, std::nullopt);
    if (!moved) return std::move(moved).error();
    if (!*moved) return Outcome{};
    if (Status s =
            store::AuditLog::append(tx, {application.str(), "authorisation.redeem", r.id, "success", r.kind}, now);
        !s)
      return std::move(s).error();
    return Outcome{std::move(*loaded), false};
  });
  if (!outcome) return std::move(outcome).error();
  if (!outcome->redeemed) return refused;
  const auto& r = outcome->redeemed->record;
  RedeemedAuthorisation out;
  out.citizen = *r.citizen_id;
  out.front_context = r.front_context;
  if (r.kind != "signing") {
    auto issued = tokens_.issue(*r.citizen_id, application, limits_.access_lifetime, true, application.str());
    if (!issued) return std::move(issued).error();
    const std::string token_id = issued->id;
    Status linked = db_.transact(
        [&](store::Tx& tx) { return store::ApplicationAuthorisationRecords::link_access_token(tx, r.id, token_id); });
    if (!linked) return std::move(linked).error();
    out.access = std::move(*issued);
    return out;
  }
  out.kind = AuthorisationKind::signing;
  const Bytes opened = seal(firma::to_string(r.sealed_sad.value_or(Bytes{})), code);
  out.sad = Sad{Secret(firma::to_string(opened)), r.sad_id.value_or(""), r.sad_expires_at.value_or(now)};
  out.credential = CertSerial(r.credential);
  out.digest_algorithm = hsm::parse_digest_algorithm(r.digest_algorithm).value_or(hsm::DigestAlgorithm::sha256);
  out.digests = labelled(outcome->redeemed->digests);
  out.signatures = static_cast<std::size_t>(r.budget);
  return out;
}

}  // namespace firma::signer
