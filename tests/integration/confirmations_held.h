// Holding confirmations between their claim and their save, for the tests that kill or outlast a node then.
#pragma once

#include <future>
#include <thread>

#include "store/database.h"

namespace firma::testing {

// Holds LOCK TABLE sad_uses IN SHARE MODE (PostgreSQL) in a transaction of its own until released: every
// confirmation that has claimed its transaction then waits at its first write after the claim (recording its
// SAD's uses), so what the test does meanwhile happens mid-confirmation, on the test's timing, not the scheduler's.
class ConfirmationsHeld {
 public:
  explicit ConfirmationsHeld(store::Database& db) {
    std::promise<bool> locked;
    auto taken = locked.get_future();
    holder_ = std::thread([&db, &locked, released = release_.get_future()]() mutable {
      bool told = false;
      (void)db.transact([&](store::Tx& tx) -> Status {
        const bool ok = tx.execute("LOCK TABLE sad_uses IN SHARE MODE").ok();
        if (!told) locked.set_value(ok);
        told = true;
        released.wait();
        return make_error(ErrorCode::conflict, "rolled back");
      });
      if (!told) locked.set_value(false);
    });
    ok_ = taken.get();
  }
  ~ConfirmationsHeld() { release(); }
  ConfirmationsHeld(const ConfirmationsHeld&) = delete;
  ConfirmationsHeld& operator=(const ConfirmationsHeld&) = delete;

  void release() {
    if (!holder_.joinable()) return;
    release_.set_value();
    holder_.join();
  }
  bool ok() const { return ok_; }

 private:
  std::promise<void> release_;
  std::thread holder_;
  bool ok_ = false;
};

}  // namespace firma::testing
