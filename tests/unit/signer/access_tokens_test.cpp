// Access tokens: random values stored only hashed, resolved until they expire or are revoked, renewed once through
// their refresh token by the application holding them, every change in the audit trail.
#include "signer/access_tokens.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "store/audit_log.h"
#include "store/database.h"
#include "support/temp_dir.h"

namespace firma::signer {
namespace {

using namespace std::chrono_literals;

class AccessTokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open("sqlite:" + (dir.path() / "firma.db").string(), 2);
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(db_->migrate().ok());
    tokens = std::make_unique<AccessTokens>(*db_, clock, random);
  }

  std::vector<store::AuditRecord> events() {
    auto listed = db_->transact([](store::Tx& tx) { return store::AuditLog::list(tx, 0, 1000); });
    EXPECT_TRUE(listed);
    return listed ? *listed : std::vector<store::AuditRecord>{};
  }

  // Every column of the access_tokens table as text, to look for a value.
  std::string stored_text() {
    auto rows = db_->transact([](store::Tx& tx) {
      return tx.query("SELECT id, value_sha256, refresh_sha256, citizen_id, app_id FROM access_tokens");
    });
    EXPECT_TRUE(rows);
    std::string all;
    for (const auto& row : *rows)
      for (std::size_t c = 0; c < 5; ++c) all += row.text(c) + "|";
    return all;
  }

  testing::TempDir dir;
  ManualClock clock{*parse_rfc3339("2026-11-22T10:00:00Z")};
  SystemRandom random;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<AccessTokens> tokens;
  CitizenId alice{"cit-alice"};
  AppId app{"app-sede"}, other_app{"app-otra"};
};

TEST_F(AccessTokensTest, IssuedTokenResolvesToItsHolderUntilItExpires) {
  auto issued = tokens->issue(alice, app, 600s, false, "app-sede");
  ASSERT_TRUE(issued) << issued.error().message;
  EXPECT_GE(issued->value.size(), 32u);  // >= 128 bits as hex
  EXPECT_FALSE(issued->refresh_token);
  EXPECT_EQ(issued->expires_at, clock.now() + 600s);
  auto holder = tokens->resolve(issued->value);
  ASSERT_TRUE(holder) << holder.error().message;
  EXPECT_EQ(holder->citizen, alice);
  EXPECT_EQ(holder->application, app);
  EXPECT_EQ(holder->expires_at, issued->expires_at);
  clock.advance(599s);
  EXPECT_TRUE(tokens->resolve(issued->value));
  clock.advance(1s);
  auto expired = tokens->resolve(issued->value);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::unauthorized);
}

TEST_F(AccessTokensTest, UnknownTokenIsUnauthorizedAndValuesAreStoredOnlyHashed) {
  auto unknown = tokens->resolve(Secret("not-a-token"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::unauthorized);
  auto issued = tokens->issue(alice, app, 600s, true, "app-sede");
  ASSERT_TRUE(issued);
  const std::string stored = stored_text();
  EXPECT_EQ(stored.find(issued->value.reveal()), std::string::npos);
  EXPECT_EQ(stored.find(issued->refresh_token->reveal()), std::string::npos);
  EXPECT_NE(stored.find(to_hex(sha256(issued->value.reveal()))), std::string::npos);
  // Two tokens never share a value.
  auto second = tokens->issue(alice, app, 600s, true, "app-sede");
  ASSERT_TRUE(second);
  EXPECT_NE(second->value.reveal(), issued->value.reveal());
  const auto audit = events();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].event.action, "access_token.issue");
  EXPECT_EQ(audit[0].event.actor, "app-sede");
  EXPECT_EQ(audit[0].event.detail.find(issued->value.reveal()), std::string::npos);
}

TEST_F(AccessTokensTest, RefreshRotatesThePairOnceAndOnlyForTheHoldingApplication) {
  auto issued = tokens->issue(alice, app, 600s, true, "app-sede");
  ASSERT_TRUE(issued && issued->refresh_token);
  auto stolen = tokens->refresh(*issued->refresh_token, other_app, 600s);
  ASSERT_FALSE(stolen);
  EXPECT_EQ(stolen.error().code, ErrorCode::unauthorized);
  EXPECT_FALSE(tokens->refresh(issued->value, app, 600s));  // an access token is not a refresh token

  clock.advance(700s);  // the access token has expired; the refresh token still renews it
  auto renewed = tokens->refresh(*issued->refresh_token, app, 300s);
  ASSERT_TRUE(renewed) << renewed.error().message;
  ASSERT_TRUE(renewed->refresh_token);
  EXPECT_NE(renewed->refresh_token->reveal(), issued->refresh_token->reveal());
  auto holder = tokens->resolve(renewed->value);
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->citizen, alice);
  EXPECT_EQ(holder->expires_at, clock.now() + 300s);
  // The old refresh token is spent.
  auto replayed = tokens->refresh(*issued->refresh_token, app, 300s);
  ASSERT_FALSE(replayed);
  EXPECT_EQ(replayed.error().code, ErrorCode::unauthorized);
  EXPECT_EQ(events().back().event.action, "access_token.refresh");
}

TEST_F(AccessTokensTest, RefreshTokenExpires) {
  auto issued = tokens->issue(alice, app, 600s, true, "app-sede");
  ASSERT_TRUE(issued);
  clock.advance(AccessTokens::kRefreshLifetime);
  EXPECT_FALSE(tokens->refresh(*issued->refresh_token, app, 600s));
}

TEST_F(AccessTokensTest, RevokeByEitherValueEndsTheTokenButOnlyForItsApplication) {
  auto first = tokens->issue(alice, app, 600s, true, "app-sede");
  auto second = tokens->issue(alice, app, 600s, true, "app-sede");
  ASSERT_TRUE(first && second);
  // Another application's revocation, or an unknown token: no error, no effect (RFC 7009 2.2).
  EXPECT_TRUE(tokens->revoke(first->value, other_app));
  EXPECT_TRUE(tokens->revoke(Secret("unknown"), app));
  EXPECT_TRUE(tokens->resolve(first->value));

  EXPECT_TRUE(tokens->revoke(first->value, app));
  EXPECT_FALSE(tokens->resolve(first->value));
  EXPECT_FALSE(tokens->refresh(*first->refresh_token, app, 600s));  // revoking the token ends its refresh token
  EXPECT_TRUE(tokens->revoke(first->value, app));                   // twice: still no error
  EXPECT_EQ(events().back().event.action, "access_token.revoke");

  EXPECT_TRUE(tokens->revoke(*second->refresh_token, app));  // by its refresh token: the access token ends too
  EXPECT_FALSE(tokens->resolve(second->value));
  std::size_t revocations = 0;
  for (const auto& e : events()) revocations += e.event.action == "access_token.revoke";
  EXPECT_EQ(revocations, 2u);
}

TEST_F(AccessTokensTest, NoLifetimeIsRefused) {
  auto none = tokens->issue(alice, app, 0s, false, "app-sede");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::invalid_request);
}

}  // namespace
}  // namespace firma::signer
