// Zeroizing secret storage and constant-time comparison.
#include "core/secret.h"

#include <cstring>

namespace firma {

void secure_wipe(void* data, std::size_t size) noexcept {
  if (data != nullptr && size > 0) explicit_bzero(data, size);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

Secret::Secret(std::string_view value) : value_(value) {}
Secret::Secret(std::string&& value) : value_(value) {
  secure_wipe(value.data(), value.size());
  value.clear();
}
Secret::Secret(const Secret& other) : value_(other.value_) {}
Secret::Secret(Secret&& other) noexcept : value_(other.value_) {
  other.wipe();
}
Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    wipe();
    value_ = other.value_;
  }
  return *this;
}
Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = other.value_;
    other.wipe();
  }
  return *this;
}
Secret::~Secret() {
  wipe();
}

void Secret::wipe() noexcept {
  secure_wipe(value_.data(), value_.size());
  value_.clear();
}

}  // namespace firma
