// Access tokens: issued, resolved, renewed and revoked over store::AccessTokenRecords, each change audited.
#include "signer/access_tokens.h"

#include "core/encoding.h"
#include "store/access_tokens.h"
#include "store/audit_log.h"
#include "store/database.h"

namespace firma::signer {
namespace {

std::string value_hash(const Secret& value) {
  return to_hex(sha256(value.reveal()));
}

bool usable(const store::AccessTokenRecord& r, Instant now) {
  return !r.revoked_at && now < r.expires_at;
}

// The new token and its record, with nothing written yet.
struct Minted {
  IssuedAccessToken token;
  store::AccessTokenRecord record;
};

Minted mint(Random& random, const CitizenId& citizen, const AppId& application, Instant now,
            std::chrono::seconds lifetime, bool with_refresh) {
  Minted m{{Secret(random.hex_token(32)), now + lifetime, std::nullopt, ""},
           {"token-" + random.hex_token(16), "", std::nullopt, citizen, application, now, now + lifetime, std::nullopt,
            std::nullopt}};
  m.record.value_sha256 = value_hash(m.token.value);
  m.token.id = m.record.id;
  if (with_refresh) {
    m.token.refresh_token = Secret(random.hex_token(32));
    m.record.refresh_sha256 = value_hash(*m.token.refresh_token);
    m.record.refresh_expires_at = now + AccessTokens::kRefreshLifetime;
  }
  return m;
}

std::string detail(const store::AccessTokenRecord& r) {
  return "for application " + r.app_id.str() + ", until " + std::to_string(to_unix(r.expires_at)) +
         (r.refresh_sha256 ? ", renewable" : "");
}

}  // namespace

AccessTokens::AccessTokens(store::Database& db, const Clock& clock, Random& random)
    : db_(db), clock_(clock), random_(random) {}

Result<IssuedAccessToken> AccessTokens::issue(const CitizenId& citizen, const AppId& application,
                                              std::chrono::seconds lifetime, bool with_refresh,
                                              std::string_view actor) {
  if (lifetime <= std::chrono::seconds::zero())
    return make_error(ErrorCode::invalid_request, "an access token lives for some time");
  const Instant now = clock_.now();
  Minted m = mint(random_, citizen, application, now, lifetime, with_refresh);
  Status saved = db_.transact([&](store::Tx& tx) -> Status {
    if (Status s = store::AccessTokenRecords::insert(tx, m.record); !s) return s;
    return store::AuditLog::append(
        tx, {std::string(actor), "access_token.issue", m.record.id, "success", citizen.str() + " " + detail(m.record)},
        now);
  });
  if (!saved) return std::move(saved).error();
  return std::move(m.token);
}

Result<AccessTokenHolder> AccessTokens::resolve(const Secret& token) const {
  const Instant now = clock_.now();
  auto found =
      db_.transact([&](store::Tx& tx) { return store::AccessTokenRecords::find_by_value(tx, value_hash(token)); });
  if (!found) return std::move(found).error();
  if (!*found || !usable(**found, now))
    return make_error(ErrorCode::unauthorized, "the access token is unknown, expired or revoked");
  return AccessTokenHolder{(*found)->citizen_id, (*found)->app_id, (*found)->expires_at};
}

Result<IssuedAccessToken> AccessTokens::refresh(const Secret& refresh_token, const AppId& application,
                                                std::chrono::seconds lifetime) {
  if (lifetime <= std::chrono::seconds::zero())
    return make_error(ErrorCode::invalid_request, "an access token lives for some time");
  const Instant now = clock_.now();
  std::optional<Minted> renewed;
  auto done = db_.transact([&](store::Tx& tx) -> Result<bool> {
    auto found = store::AccessTokenRecords::find_by_refresh(tx, value_hash(refresh_token));
    if (!found) return std::move(found).error();
    const auto& old = *found;
    if (!old || old->app_id != application || old->revoked_at || !old->refresh_expires_at ||
        now >= *old->refresh_expires_at)
      return false;
    auto ended = store::AccessTokenRecords::revoke(tx, old->id, now);
    if (!ended) return std::move(ended).error();
    if (!*ended) return false;  // a concurrent renewal got there first
    renewed = mint(random_, old->citizen_id, application, now, lifetime, true);
    if (Status s = store::AccessTokenRecords::insert(tx, renewed->record); !s) return std::move(s).error();
    if (Status s =
            store::AuditLog::append(tx,
                                    {application.str(), "access_token.refresh", renewed->record.id, "success",
                                     old->citizen_id.str() + " " + detail(renewed->record) + ", replaces " + old->id},
                                    now);
        !s)
      return std::move(s).error();
    return true;
  });
  if (!done) return std::move(done).error();
  if (!*done)
    return make_error(ErrorCode::unauthorized, "the refresh token is unknown, expired, revoked or already used");
  return std::move(renewed->token);
}

Status AccessTokens::revoke(const Secret& token, const AppId& application) {
  const Instant now = clock_.now();
  return db_.transact([&](store::Tx& tx) -> Status {
    const std::string hash = value_hash(token);
    auto found = store::AccessTokenRecords::find_by_value(tx, hash);
    if (!found) return std::move(found).error();
    if (!*found) {
      found = store::AccessTokenRecords::find_by_refresh(tx, hash);
      if (!found) return std::move(found).error();
    }
    if (!*found || (*found)->app_id != application) return {};
    auto ended = store::AccessTokenRecords::revoke(tx, (*found)->id, now);
    if (!ended) return std::move(ended).error();
    if (!*ended) return {};
    return store::AuditLog::append(tx, {application.str(), "access_token.revoke", (*found)->id, "success", ""}, now);
  });
}

}  // namespace firma::signer
