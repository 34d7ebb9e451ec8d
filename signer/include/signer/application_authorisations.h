// Authorisations a citizen gives a client application on Firma's page, redeemed by the application with a
// one-time code and the verifier it committed to: access to the citizen's account, or signatures with one
// credential over listed digests (the SAD, minted when the citizen confirms with the SMS code).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/random.h"
#include "core/result.h"
#include "core/secret.h"
#include "hsm/algorithms.h"
#include "signer/access_tokens.h"
#include "signer/applications.h"
#include "signer/sad.h"

namespace firma::store {
class Database;
}
namespace firma::identity {
class CitizenService;
}
namespace firma::certs {
class CredentialService;
}

namespace firma::signer {

enum class AuthorisationKind {
  access,   // the application may act for the citizen (an access token with a refresh token)
  signing,  // the application may sign the listed digests with one credential of the citizen (a SAD)
};

enum class AuthorisationStatus { requested, signed_in, confirmed, redeemed, refused, expired };
std::string_view to_string(AuthorisationStatus status) noexcept;

struct LabelledDigest {
  Bytes digest;
  std::string label;  // what the application calls it; may be empty
};

// What an application asks a citizen for, in the domain's words (the front reads it off its wire form).
struct AuthorisationAsked {
  AppId application;
  std::string redirect_uri;     // must be one the application registered, exactly
  std::string client_state;     // returned with the code, unchanged
  std::string proof_challenge;  // base64url (unpadded) SHA-256 of the verifier the holder will show (43 chars)
  AuthorisationKind kind = AuthorisationKind::access;
  // signing only:
  CertSerial credential;  // upper-case hex
  hsm::DigestAlgorithm digest_algorithm = hsm::DigestAlgorithm::sha256;
  std::vector<LabelledDigest> digests;
  std::size_t signatures = 0;  // at most one per digest; 0 means one per digest
  std::string description;     // shown on the page and in the SMS; at most 500 bytes
  // What the front needs to answer at redemption in its own words; stored as given, never read here.
  std::string front_context;
};

// A request as the citizen's page shows it.
struct AuthorisationView {
  std::string id;
  AppId application;
  std::string app_name;
  std::string redirect_uri;
  AuthorisationKind kind = AuthorisationKind::access;
  AuthorisationStatus status = AuthorisationStatus::requested;
  CertSerial credential;
  hsm::DigestAlgorithm digest_algorithm = hsm::DigestAlgorithm::sha256;
  std::vector<LabelledDigest> digests;
  std::size_t signatures = 0;
  std::string description;
  Instant expires_at{};
};

// Where the citizen's browser goes when the page is done: the registered redirect URI and the client's state,
// with the one-time code when the citizen gave the authorisation (none when they declined).
struct AuthorisationAnswer {
  std::string redirect_uri;
  std::string client_state;
  std::optional<Secret> code;
};

// The page's first step: for signing, an SMS code went out (`otp_sent_to`, masked); for access, it is given.
struct AuthorisationSignIn {
  std::optional<std::string> otp_sent_to;
  std::optional<AuthorisationAnswer> answer;
};

// What a redeemed code gives the application, once.
struct RedeemedAuthorisation {
  AuthorisationKind kind = AuthorisationKind::access;
  CitizenId citizen;
  std::optional<IssuedAccessToken> access;  // access
  std::optional<Sad> sad;                   // signing
  CertSerial credential;
  hsm::DigestAlgorithm digest_algorithm = hsm::DigestAlgorithm::sha256;
  std::vector<LabelledDigest> digests;
  std::size_t signatures = 0;
  std::string front_context;
};

struct AuthorisationLimits {
  std::chrono::seconds request_lifetime{600};  // the citizen completes the page within this
  std::chrono::seconds code_lifetime{120};     // RFC 6749 4.1.2: short-lived (10 minutes at most)
  std::chrono::seconds sad_lifetime{300};
  std::chrono::seconds access_lifetime{3600};
  std::size_t max_signatures = 1000;
};

// Thread-safe; everything passed must outlive it. Every change writes an audit event in its database transaction.
class ApplicationAuthorisations {
 public:
  ApplicationAuthorisations(store::Database& db, ApplicationService& applications, identity::CitizenService& citizens,
                            certs::CredentialService& credentials, AccessTokens& tokens, const Clock& clock,
                            Random& random, AuthorisationLimits limits);

  // The application, when it exists, is enabled and registered `redirect_uri` exactly: the check that decides
  // whether a refusal may be sent to that URI (RFC 6749 4.1.2.1). not_found for no such application;
  // invalid_request for a redirect URI it did not register.
  Result<Application> client(const AppId& application, std::string_view redirect_uri) const;

  // Records a request (client() first, then every field); invalid_request says what is wrong. Its id is the
  // page's reference (128 random bits).
  Result<AuthorisationView> request(const AuthorisationAsked& asked);
  // The request as it stands (expired past its lifetime); not_found for an unknown id. `application`, when given,
  // must be the one that made it (a pushed request named by its client).
  Result<AuthorisationView> view(const std::string& id, std::optional<AppId> application = std::nullopt) const;

  // NIF + password. access: the normal level (wrong passwords count toward the lockout), then the authorisation
  // is given. signing: the reinforced level's password, then the credential must be a valid one of this citizen
  // (forbidden otherwise, after the password, so that the answer tells nothing to whoever does not know it), then
  // an SMS code bound to exactly the SAD asked for (citizen, key, application, digests, budget), naming the
  // application, how many signatures and the description.
  Result<AuthorisationSignIn> sign_in(const std::string& id, std::string_view nif, const Secret& password);
  Result<std::string> resend_otp(const std::string& id);  // the masked mobile
  // The SMS code: mints the SAD and gives the authorisation; the SAD stays sealed under the code until redeemed.
  Result<AuthorisationAnswer> confirm(const std::string& id, const Secret& otp);
  // The citizen declines: nothing is given.
  Result<AuthorisationAnswer> decline(const std::string& id);

  // Upkeep: forgets the requests (and access tokens) that ended more than a day ago; a code presented after that
  // is only unknown. How many rows went.
  Result<std::int64_t> purge_ended();

  // The holder of `code`, which must be `application` with the same redirect URI and the verifier whose SHA-256
  // the request committed to (RFC 7636 4.6), before the code expires; once. Any mismatch is forbidden and tells
  // no more. A code presented again ends what it gave (RFC 6749 4.1.2).
  Result<RedeemedAuthorisation> redeem(const Secret& code, const AppId& application, std::string_view redirect_uri,
                                       const Secret& verifier);

 private:
  store::Database& db_;
  ApplicationService& applications_;
  identity::CitizenService& citizens_;
  certs::CredentialService& credentials_;
  AccessTokens& tokens_;
  const Clock& clock_;
  Random& random_;
  AuthorisationLimits limits_;
};

// base64url(SHA-256(verifier)) (RFC 7636 4.2, S256), for a verifier of 43..128 unreserved characters (4.1);
// invalid_request otherwise.
Result<std::string> proof_challenge_of(std::string_view verifier);

}  // namespace firma::signer
