// The threads that run route handlers, apart from Pistache's I/O threads: a handler that waits (a password check
// queued at the Argon2id gate, the HSM, the database) holds one of these, never the I/O thread that also serves
// other connections.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace firma::api::detail {

class HandlerPool {
 public:
  explicit HandlerPool(std::size_t threads);
  ~HandlerPool();  // stop()
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  // Runs `job` on a free thread, jobs in the order they were posted.
  void post(std::function<void()> job);
  // Runs what is queued, then joins the threads. Idempotent; post() afterwards runs nothing. Never called from
  // a job (Server::shutdown() stops the pool; the server's state, which owns it, outlives every job).
  void stop() noexcept;

 private:
  void work();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace firma::api::detail
