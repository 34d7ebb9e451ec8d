// A secret (password, OTP, PIN, API key): zeroized on destruction, never printable, never logged.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace firma {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string_view value);
  explicit Secret(const char* value) : Secret(std::string_view(value)) {}
  explicit Secret(std::string&& value);  // wipes the moved-from string
  Secret(const Secret& other);
  Secret(Secret&& other) noexcept;
  Secret& operator=(const Secret& other);
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  // Deliberately named: every place that reads the clear value is easy to find.
  std::string_view reveal() const noexcept { return value_; }
  std::size_t size() const noexcept { return value_.size(); }
  bool empty() const noexcept { return value_.empty(); }

 private:
  void wipe() noexcept;
  std::string value_;
};

// Overwrites memory in a way the optimiser may not remove.
void secure_wipe(void* data, std::size_t size) noexcept;

// Constant-time comparison of two byte strings of the same length.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace firma
