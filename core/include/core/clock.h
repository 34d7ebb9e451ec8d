// Injected time: services read a Clock, tests advance a ManualClock instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace firma {

using Instant = std::chrono::sys_seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant now() const override;
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : seconds_(start.time_since_epoch().count()) {}
  Instant now() const override { return Instant{std::chrono::seconds{seconds_.load()}}; }
  void advance(std::chrono::seconds by) { seconds_ += by.count(); }
  void set(Instant at) { seconds_ = at.time_since_epoch().count(); }

 private:
  std::atomic<std::int64_t> seconds_;
};

// RFC 3339 in UTC, e.g. "2026-11-22T10:00:00Z".
std::string to_rfc3339(Instant at);
std::optional<Instant> parse_rfc3339(std::string_view text);

inline std::int64_t to_unix(Instant at) {
  return at.time_since_epoch().count();
}
inline Instant from_unix(std::int64_t seconds) {
  return Instant{std::chrono::seconds{seconds}};
}

}  // namespace firma
