// Bearer tokens a client application holds for a citizen: what lets it act for them without a transaction.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/ids.h"
#include "core/random.h"
#include "core/result.h"
#include "core/secret.h"

namespace firma::store {
class Database;
}

namespace firma::signer {

// A token as its holder gets it, once: the database keeps only the SHA-256 of each value.
struct IssuedAccessToken {
  Secret value;
  Instant expires_at{};
  std::optional<Secret> refresh_token;
  std::string id;  // names the token in the audit trail; grants nothing
};

// Whose a token is: the citizen it acts for and the application that holds it.
struct AccessTokenHolder {
  CitizenId citizen;
  AppId application;
  Instant expires_at{};
};

class AccessTokens {
 public:
  // How long a refresh token can renew its access token. One renewal spends it and gives a new one (RFC 6749 10.4:
  // rotation, so that a stolen refresh token is noticed when either party uses it after the other).
  static constexpr std::chrono::seconds kRefreshLifetime = std::chrono::hours(24);

  AccessTokens(store::Database& db, const Clock& clock, Random& random);

  // A new token for `citizen`, held by `application`, valid for `lifetime` (and a refresh token when asked), with
  // an audit event naming `actor`. The values are 256 random bits each, shown only here.
  Result<IssuedAccessToken> issue(const CitizenId& citizen, const AppId& application, std::chrono::seconds lifetime,
                                  bool with_refresh, std::string_view actor);
  // Whose `token` is; unauthorized when it is unknown, expired or revoked.
  Result<AccessTokenHolder> resolve(const Secret& token) const;
  // Renews through `refresh_token`, which `application` must hold: the old pair ends, a new pair is issued.
  // unauthorized when the refresh token is unknown, another application's, expired, or already used or revoked.
  Result<IssuedAccessToken> refresh(const Secret& refresh_token, const AppId& application,
                                    std::chrono::seconds lifetime);
  // Ends the token, given either its value or its refresh token, if `application` holds it. An unknown token, or
  // one another application holds, changes nothing and is not an error (RFC 7009 2.2).
  Status revoke(const Secret& token, const AppId& application);

 private:
  store::Database& db_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace firma::signer
