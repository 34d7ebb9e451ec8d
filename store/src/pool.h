// A bounded pool of database connections, shared by both backends: lease one, give it back, or discard a broken one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace firma::store {

template <class Connection>
class ConnectionPool {
 public:
  using Factory = std::function<Result<std::unique_ptr<Connection>>()>;

  // A connection on loan; it goes back to the pool when the lease ends, unless discard() was called (a broken
  // connection: the pool opens a new one on a later acquire()).
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection, bool fresh) noexcept
        : pool_(pool), connection_(std::move(connection)), fresh_(fresh) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)),
          connection_(std::move(other.connection_)),
          fresh_(other.fresh_),
          discarded_(other.discarded_) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->give_back(std::move(connection_), discarded_);
    }

    Connection& operator*() const noexcept { return *connection_; }
    Connection* operator->() const noexcept { return connection_.get(); }
    // True when the connection was opened for this lease (so a failure on it is not a stale idle connection).
    bool fresh() const noexcept { return fresh_; }
    void discard() noexcept { discarded_ = true; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
    bool fresh_;
    bool discarded_ = false;
  };

  ConnectionPool(std::size_t capacity, Factory factory, std::chrono::milliseconds wait_limit)
      : capacity_(capacity), factory_(std::move(factory)), wait_limit_(wait_limit) {}

  // Adds a connection opened beforehand (the one open() uses to check that the database answers).
  void adopt(std::unique_ptr<Connection> connection) {
    std::lock_guard lock(mutex_);
    ++open_;
    idle_.push_back(std::move(connection));
  }

  // An idle connection, a new one while below capacity, or else the next one given back (waiting at most
  // wait_limit: then unavailable).
  Result<Lease> acquire() {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, wait_limit_, [this] { return !idle_.empty() || open_ < capacity_; }))
      return make_error(ErrorCode::unavailable, "all " + std::to_string(capacity_) +
                                                    " database connections stayed busy for " +
                                                    std::to_string(wait_limit_.count() / 1000) + " s");
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());  // the most recently used: warm caches, least likely stale
      idle_.pop_back();
      return Lease(this, std::move(connection), false);
    }
    ++open_;  // reserve the slot, then connect without holding the lock
    lock.unlock();
    auto opened = factory_();
    if (!opened.ok()) {
      lock.lock();
      --open_;
      ready_.notify_one();
      return std::move(opened).error();
    }
    return Lease(this, std::move(opened).value(), true);
  }

 private:
  void give_back(std::unique_ptr<Connection> connection, bool discard) noexcept {
    {
      std::lock_guard lock(mutex_);
      if (discard) {
        --open_;
      } else {
        idle_.push_back(std::move(connection));
      }
    }
    ready_.notify_one();
    connection.reset();  // a discarded connection closes outside the lock
  }

  const std::size_t capacity_;
  const Factory factory_;
  const std::chrono::milliseconds wait_limit_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // idle + leased + being opened
};

// Refuses a transact() nested in another on the same Database from the same thread: with every connection leased
// it would wait for itself.
class NestedTransactionGuard {
 public:
  explicit NestedTransactionGuard(const void* database);
  ~NestedTransactionGuard();
  NestedTransactionGuard(const NestedTransactionGuard&) = delete;
  NestedTransactionGuard& operator=(const NestedTransactionGuard&) = delete;
  bool nested() const noexcept { return nested_; }

 private:
  const void* database_;
  bool nested_;
};

}  // namespace firma::store
