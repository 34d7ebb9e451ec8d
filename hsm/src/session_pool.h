// A bounded pool of logged-in sessions: one session per caller at a time, callers wait for a free one,
// broken sessions are dropped and reopening after a failure is rate-limited.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace firma::hsm {

class SessionPool {
 public:
  using Handle = unsigned long;  // CK_SESSION_HANDLE, kept free of the C header so the pool is testable alone

  struct Hooks {
    std::function<Result<Handle>()> open;  // opens a session and makes sure it is logged in
    std::function<void(Handle)> close;     // closes a session, ignoring errors
  };

  // After a failed open, further opens are refused for `initial`, then twice as long after each new
  // failure, up to `max`; one successful open resets it. This keeps a dead HSM from being hammered by
  // every request, while the pause stays short enough (seconds, not minutes) for readiness to follow the
  // token closely once it works again. (A refused PIN is never retried at all: see Token.)
  struct Backoff {
    std::chrono::seconds initial{1};
    std::chrono::seconds max{3};
  };

  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();

    Handle handle() const noexcept { return handle_; }
    // The session is broken: close it when the lease ends instead of returning it to the pool.
    void discard() noexcept { discard_ = true; }

   private:
    friend class SessionPool;
    Lease(SessionPool* pool, Handle handle, std::uint64_t generation) noexcept
        : pool_(pool), handle_(handle), generation_(generation) {}
    SessionPool* pool_;
    Handle handle_;
    std::uint64_t generation_;
    bool discard_ = false;
  };

  SessionPool(std::size_t capacity, Hooks hooks, const Clock& clock, Backoff backoff);
  SessionPool(std::size_t capacity, Hooks hooks, const Clock& clock)
      : SessionPool(capacity, std::move(hooks), clock, Backoff{}) {}
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  // A session for the caller's exclusive use; waits while all `capacity` sessions are leased. Fails
  // (unavailable) when a new session is needed and opening it fails or is paused by the backoff.
  Result<Lease> acquire();

  // Every session not currently leased is presumed broken (the device reset, all sessions were closed):
  // close them, and close leased ones when they come back.
  void discard_all() noexcept;
  // The library was re-initialised: every session is already gone (C_Finalize closed them), and its
  // handle numbers may be handed out again. Forget them without closing; lift the backoff.
  void forget_all() noexcept;
  // What failed before is cured (the token was found in another slot): the next open need not wait.
  void lift_backoff() noexcept;

  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t open_sessions() const;
  std::size_t idle_sessions() const;

 private:
  void give_back(Lease& lease) noexcept;

  const std::size_t capacity_;
  Hooks hooks_;
  const Clock& clock_;
  const Backoff backoff_;

  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<Handle> idle_;
  std::size_t open_ = 0;  // idle + leased + being opened
  std::uint64_t generation_ = 0;
  std::chrono::seconds next_delay_;
  Instant reopen_not_before_{};
  std::string last_failure_;
};

}  // namespace firma::hsm
