// Session pool: bounded, blocking, with generation-based invalidation and a backoff on failed opens.
#include "session_pool.h"

#include <algorithm>
#include <utility>

namespace firma::hsm {

SessionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      handle_(other.handle_),
      generation_(other.generation_),
      discard_(other.discard_) {}

SessionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->give_back(*this);
}

SessionPool::SessionPool(std::size_t capacity, Hooks hooks, const Clock& clock, Backoff backoff)
    : capacity_(std::max<std::size_t>(capacity, 1)),
      hooks_(std::move(hooks)),
      clock_(clock),
      backoff_(backoff),
      next_delay_(backoff.initial) {
  idle_.reserve(capacity_);  // give_back() is noexcept: pushing back must never allocate
}

SessionPool::~SessionPool() {
  for (Handle h : idle_) hooks_.close(h);
}

Result<SessionPool::Lease> SessionPool::acquire() {
  std::unique_lock lock(mutex_);
  returned_.wait(lock, [&] { return !idle_.empty() || open_ < capacity_; });
  if (!idle_.empty()) {
    Handle h = idle_.back();
    idle_.pop_back();
    return Lease(this, h, generation_);
  }
  if (clock_.now() < reopen_not_before_) {
    return make_error(ErrorCode::unavailable, "HSM session reopening paused after a failure: " + last_failure_);
  }
  ++open_;  // reserve the place, open without holding the lock
  const std::uint64_t generation = generation_;
  lock.unlock();

  Result<Handle> opened = hooks_.open();

  lock.lock();
  if (!opened) {
    --open_;
    last_failure_ = opened.error().message;
    reopen_not_before_ = clock_.now() + next_delay_;
    next_delay_ = std::min(next_delay_ * 2, backoff_.max);
    lock.unlock();
    returned_.notify_one();
    return std::move(opened).error();
  }
  next_delay_ = backoff_.initial;
  reopen_not_before_ = Instant{};
  return Lease(this, *opened, generation);
}

void SessionPool::give_back(Lease& lease) noexcept {
  std::unique_lock lock(mutex_);
  if (lease.discard_ || lease.generation_ != generation_) {
    --open_;
    lock.unlock();
    hooks_.close(lease.handle_);
  } else {
    idle_.push_back(lease.handle_);
    lock.unlock();
  }
  returned_.notify_one();
}

void SessionPool::discard_all() noexcept {
  std::vector<Handle> broken;
  {
    std::lock_guard lock(mutex_);
    ++generation_;
    broken.swap(idle_);
    open_ -= broken.size();
  }
  for (Handle h : broken) hooks_.close(h);
  returned_.notify_all();
}

void SessionPool::forget_all() noexcept {
  {
    std::lock_guard lock(mutex_);
    ++generation_;
    open_ -= idle_.size();
    idle_.clear();
    next_delay_ = backoff_.initial;
    reopen_not_before_ = Instant{};
  }
  returned_.notify_all();
}

void SessionPool::lift_backoff() noexcept {
  std::lock_guard lock(mutex_);
  next_delay_ = backoff_.initial;
  reopen_not_before_ = Instant{};
}

std::size_t SessionPool::open_sessions() const {
  std::lock_guard lock(mutex_);
  return open_;
}

std::size_t SessionPool::idle_sessions() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

}  // namespace firma::hsm
