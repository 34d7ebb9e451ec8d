// The session pool alone, with fake open/close hooks and a manual clock.
#include "session_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <set>
#include <thread>

namespace firma::hsm {
namespace {

struct FakeDevice {
  std::mutex mutex;
  unsigned long next = 1;
  std::set<unsigned long> open;
  std::size_t max_open = 0;
  int opens = 0;
  bool failing = false;

  SessionPool::Hooks hooks() {
    return {[this]() -> Result<SessionPool::Handle> {
              std::lock_guard lock(mutex);
              ++opens;
              if (failing) return make_error(ErrorCode::unavailable, "device error");
              open.insert(next);
              max_open = std::max(max_open, open.size());
              return next++;
            },
            [this](SessionPool::Handle h) {
              std::lock_guard lock(mutex);
              open.erase(h);
            }};
  }
};

Instant t0() {
  return from_unix(1'800'000'000);
}

TEST(HsmSessionPool, ReusesReturnedSessions) {
  FakeDevice device;
  ManualClock clock(t0());
  SessionPool pool(2, device.hooks(), clock);
  SessionPool::Handle first;
  {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease.ok());
    first = lease->handle();
  }
  auto again = pool.acquire();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->handle(), first);
  EXPECT_EQ(device.opens, 1);
}

TEST(HsmSessionPool, NeverOpensMoreThanItsCapacityAndWaitersGetTheReturnedSession) {
  FakeDevice device;
  ManualClock clock(t0());
  SessionPool pool(2, device.hooks(), clock);
  auto a = pool.acquire();
  auto b = pool.acquire();
  ASSERT_TRUE(a.ok() && b.ok());
  const auto a_handle = a->handle();

  std::latch started(1);
  std::atomic<SessionPool::Handle> got{0};
  std::thread waiter([&] {
    started.count_down();
    auto c = pool.acquire();  // blocks: both sessions are leased
    got = c.ok() ? c->handle() : 0;
  });
  started.wait();
  EXPECT_EQ(got.load(), 0u);
  { auto give_back = std::move(*a); }
  waiter.join();
  EXPECT_EQ(got.load(), a_handle);
  EXPECT_EQ(device.max_open, 2u);
  EXPECT_EQ(device.opens, 2);
}

TEST(HsmSessionPool, ManyThreadsShareABoundedPool) {
  FakeDevice device;
  ManualClock clock(t0());
  SessionPool pool(3, device.hooks(), clock);
  std::atomic<int> in_use{0}, peak{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto lease = pool.acquire();
        ASSERT_TRUE(lease.ok());
        int now = ++in_use;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        --in_use;
        ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), 1600);
  EXPECT_LE(peak.load(), 3);
  EXPECT_LE(device.max_open, 3u);
}

TEST(HsmSessionPool, DiscardedSessionsAreClosedAndReplaced) {
  FakeDevice device;
  ManualClock clock(t0());
  SessionPool pool(2, device.hooks(), clock);
  SessionPool::Handle broken;
  {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease.ok());
    broken = lease->handle();
    lease->discard();
  }
  EXPECT_FALSE(device.open.contains(broken));
  EXPECT_EQ(pool.open_sessions(), 0u);
  auto fresh = pool.acquire();
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(fresh->handle(), broken);
}

TEST(HsmSessionPool, DiscardAllClosesIdleSessionsAndLeasedOnesOnReturn) {
  FakeDevice device;
  ManualClock clock(t0());
  SessionPool pool(3, device.hooks(), clock);
  auto leased = pool.acquire();
  { auto idle = pool.acquire(); }
  ASSERT_EQ(device.open.size(), 2u);
  pool.discard_all();
  EXPECT_EQ(device.open.size(), 1u);  // the idle one is gone
  const auto old = leased->handle();
  { auto returned = std::move(*leased); }
  EXPECT_FALSE(device.open.contains(old));  // from before the discard: closed, not pooled
  EXPECT_EQ(pool.idle_sessions(), 0u);
  EXPECT_EQ(pool.open_sessions(), 0u);
}

TEST(HsmSessionPool, FailedOpensBackOffUntilTheClockMoves) {
  FakeDevice device;
  ManualClock clock(t0());
  SessionPool pool(2, device.hooks(), clock, SessionPool::Backoff{std::chrono::seconds(2), std::chrono::seconds(8)});
  device.failing = true;
  auto first = pool.acquire();
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::unavailable);
  EXPECT_EQ(device.opens, 1);

  // Within the pause: refused without touching the device.
  auto second = pool.acquire();
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("paused"), std::string::npos);
  EXPECT_NE(second.error().message.find("device error"), std::string::npos);
  EXPECT_EQ(device.opens, 1);

  clock.advance(std::chrono::seconds(2));
  EXPECT_FALSE(pool.acquire().ok());  // tried again, failed again: now paused 4 s
  EXPECT_EQ(device.opens, 2);
  clock.advance(std::chrono::seconds(3));
  EXPECT_FALSE(pool.acquire().ok());
  EXPECT_EQ(device.opens, 2);
  clock.advance(std::chrono::seconds(1));
  device.failing = false;
  auto recovered = pool.acquire();
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(device.opens, 3);
}

TEST(HsmSessionPool, BackoffStopsDoublingAtItsMaximum) {
  FakeDevice device;
  ManualClock clock(t0());
  SessionPool pool(1, device.hooks(), clock, SessionPool::Backoff{std::chrono::seconds(2), std::chrono::seconds(4)});
  device.failing = true;
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(pool.acquire().ok());
    clock.advance(std::chrono::seconds(4));  // always enough once capped at 4 s
  }
  EXPECT_EQ(device.opens, 5);
}

TEST(HsmSessionPool, IdleSessionsAreStillHandedOutDuringABackoff) {
  FakeDevice device;
  ManualClock clock(t0());
  SessionPool pool(2, device.hooks(), clock);
  auto kept = pool.acquire();
  ASSERT_TRUE(kept.ok());
  device.failing = true;
  {
    auto extra = pool.acquire();
    EXPECT_FALSE(extra.ok());
  }
  { auto give_back = std::move(*kept); }
  auto reused = pool.acquire();
  EXPECT_TRUE(reused.ok());
}

}  // namespace
}  // namespace firma::hsm
