// Lockout after consecutive failures, and the OTP policy: ranges, the order of verdicts, resend cooldown.
#include <gtest/gtest.h>

#include <string>

#include "policies/lockout_policy.h"
#include "policies/otp_policy.h"

namespace firma::policies {
namespace {

using std::chrono::seconds;

Instant at(std::int64_t unix_seconds) {
  return from_unix(unix_seconds);
}

TEST(LockoutPolicy, FiveConsecutiveFailuresLock) {
  const LockoutPolicy policy;
  struct Case {
    int failed;
    bool locked;
    int left;
  };
  const Case cases[] = {{0, false, 5}, {1, false, 4}, {4, false, 1}, {5, true, 0}, {6, true, 0}, {-1, false, 5}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.failed);
    EXPECT_EQ(policy.locks_after(c.failed), c.locked);
    EXPECT_EQ(policy.attempts_left(c.failed), c.left);
  }
}

TEST(LockoutPolicy, ThresholdIsConfigurable) {
  const LockoutPolicy policy{3};
  EXPECT_FALSE(policy.locks_after(2));
  EXPECT_TRUE(policy.locks_after(3));
  EXPECT_EQ(policy.attempts_left(2), 1);
}

TEST(OtpPolicy, DefaultsMatchTheIssue) {
  auto policy = OtpPolicy::make();
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(policy->digits, 6u);
  EXPECT_EQ(policy->ttl, seconds{300});
  EXPECT_EQ(policy->max_attempts, 3);
  EXPECT_EQ(policy->resend_cooldown, seconds{30});
}

TEST(OtpPolicy, MakeChecksRanges) {
  struct Case {
    std::size_t digits;
    seconds ttl;
    int attempts;
    seconds cooldown;
    bool ok;
    std::string_view names;  // word the error must mention
  };
  const Case cases[] = {
      {6, seconds{300}, 3, seconds{30}, true, ""},
      {8, seconds{300}, 3, seconds{30}, true, ""},
      {5, seconds{300}, 3, seconds{30}, false, "digits"},
      {9, seconds{300}, 3, seconds{30}, false, "digits"},
      {6, seconds{30}, 3, seconds{30}, true, ""},
      {6, seconds{29}, 3, seconds{30}, false, "lifetime"},
      {6, seconds{3600}, 3, seconds{30}, true, ""},
      {6, seconds{3601}, 3, seconds{30}, false, "lifetime"},
      {6, seconds{300}, 1, seconds{30}, true, ""},
      {6, seconds{300}, 0, seconds{30}, false, "attempts"},
      {6, seconds{300}, 10, seconds{30}, true, ""},
      {6, seconds{300}, 11, seconds{30}, false, "attempts"},
      {6, seconds{300}, 3, seconds{0}, true, ""},
      {6, seconds{300}, 3, seconds{-1}, false, "cooldown"},
      {6, seconds{300}, 3, seconds{3601}, false, "cooldown"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.digits) + " " + std::to_string(c.ttl.count()) + " " + std::to_string(c.attempts) +
                 " " + std::to_string(c.cooldown.count()));
    auto policy = OtpPolicy::make(c.digits, c.ttl, c.attempts, c.cooldown);
    ASSERT_EQ(policy.ok(), c.ok);
    if (policy.ok()) {
      EXPECT_EQ(policy->digits, c.digits);
      EXPECT_EQ(policy->ttl, c.ttl);
      EXPECT_EQ(policy->max_attempts, c.attempts);
      EXPECT_EQ(policy->resend_cooldown, c.cooldown);
    } else {
      EXPECT_EQ(policy.error().code, ErrorCode::invalid_request);
      EXPECT_NE(policy.error().message.find(c.names), std::string::npos) << policy.error().message;
    }
  }
}

TEST(OtpPolicy, VerdictsInTheirOrder) {
  const OtpPolicy policy;  // 300 s, 3 attempts
  const Instant issued = at(1'800'000'000);
  struct Case {
    std::string_view why;
    OtpState state;
    bool matches;
    Instant now;
    OtpVerdict expected;
  };
  const Case cases[] = {
      {"fresh and right", {issued, 0, false}, true, issued, OtpVerdict::ok},
      {"fresh and wrong", {issued, 0, false}, false, issued + seconds{10}, OtpVerdict::wrong},
      {"last second of life", {issued, 0, false}, true, issued + seconds{299}, OtpVerdict::ok},
      {"expires at issued + ttl", {issued, 0, false}, true, issued + seconds{300}, OtpVerdict::expired},
      {"long expired", {issued, 0, false}, true, issued + seconds{86400}, OtpVerdict::expired},
      {"third try right", {issued, 2, false}, true, issued + seconds{60}, OtpVerdict::ok},
      {"third try wrong", {issued, 2, false}, false, issued + seconds{60}, OtpVerdict::wrong},
      {"after three tries, right", {issued, 3, false}, true, issued + seconds{60}, OtpVerdict::exhausted},
      {"after three tries, wrong", {issued, 3, false}, false, issued + seconds{60}, OtpVerdict::exhausted},
      {"expiry before exhaustion", {issued, 3, false}, true, issued + seconds{300}, OtpVerdict::expired},
      {"used, right again", {issued, 1, true}, true, issued + seconds{20}, OtpVerdict::already_used},
      {"used beats expiry and exhaustion", {issued, 3, true}, true, issued + seconds{900}, OtpVerdict::already_used},
      {"used, wrong", {issued, 1, true}, false, issued + seconds{20}, OtpVerdict::already_used},
      {"clock behind the issue time", {issued, 0, false}, true, issued - seconds{5}, OtpVerdict::ok},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.why));
    EXPECT_EQ(to_string(policy.judge(c.state, c.matches, c.now)), to_string(c.expected));
  }
}

TEST(OtpPolicy, ThreeWrongAnswersThenTheRightOneIsRefused) {
  // Plays the caller's part: each judged answer counts as an attempt; ok consumes the code.
  auto policy = OtpPolicy::make(6, seconds{300}, 3, seconds{30});
  ASSERT_TRUE(policy.ok());
  const Instant issued = at(1'800'000'000);
  OtpState state{issued, 0, false};
  for (int i = 0; i < 3; ++i) {
    const OtpVerdict verdict = policy->judge(state, false, issued + seconds{i});
    EXPECT_EQ(verdict, OtpVerdict::wrong) << i;
    ++state.attempts;
  }
  EXPECT_EQ(policy->judge(state, true, issued + seconds{5}), OtpVerdict::exhausted);

  OtpState fresh{issued, 0, false};
  EXPECT_EQ(policy->judge(fresh, true, issued + seconds{1}), OtpVerdict::ok);
  ++fresh.attempts;
  fresh.consumed = true;
  EXPECT_EQ(policy->judge(fresh, true, issued + seconds{2}), OtpVerdict::already_used);
}

TEST(OtpPolicy, OneAttemptPolicy) {
  auto policy = OtpPolicy::make(8, seconds{60}, 1, seconds{0});
  ASSERT_TRUE(policy.ok());
  const Instant issued = at(1'700'000'000);
  EXPECT_EQ(policy->judge({issued, 0, false}, false, issued), OtpVerdict::wrong);
  EXPECT_EQ(policy->judge({issued, 1, false}, true, issued), OtpVerdict::exhausted);
  EXPECT_EQ(policy->judge({issued, 0, false}, true, issued + seconds{60}), OtpVerdict::expired);
  EXPECT_EQ(policy->expires_at(issued), issued + seconds{60});
}

TEST(OtpPolicy, ResendWaitsForTheCooldown) {
  const OtpPolicy policy;  // 30 s
  const Instant sent = at(1'800'000'000);
  EXPECT_FALSE(policy.can_resend(sent, sent));
  EXPECT_FALSE(policy.can_resend(sent, sent + seconds{29}));
  EXPECT_TRUE(policy.can_resend(sent, sent + seconds{30}));
  EXPECT_TRUE(policy.can_resend(sent, sent + seconds{3000}));
  auto no_cooldown = OtpPolicy::make(6, seconds{300}, 3, seconds{0});
  ASSERT_TRUE(no_cooldown.ok());
  EXPECT_TRUE(no_cooldown->can_resend(sent, sent));
}

TEST(OtpPolicy, VerdictNames) {
  EXPECT_EQ(to_string(OtpVerdict::ok), "ok");
  EXPECT_EQ(to_string(OtpVerdict::wrong), "wrong");
  EXPECT_EQ(to_string(OtpVerdict::expired), "expired");
  EXPECT_EQ(to_string(OtpVerdict::exhausted), "exhausted");
  EXPECT_EQ(to_string(OtpVerdict::already_used), "already_used");
}

}  // namespace
}  // namespace firma::policies
