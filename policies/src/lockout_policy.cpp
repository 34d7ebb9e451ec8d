// Lockout decisions from the count of consecutive failed password checks.
#include "policies/lockout_policy.h"

#include <algorithm>

namespace firma::policies {

bool LockoutPolicy::locks_after(int failed_attempts) const noexcept {
  return failed_attempts >= max_failed_attempts;
}

int LockoutPolicy::attempts_left(int failed_attempts) const noexcept {
  return std::max(0, max_failed_attempts - std::max(0, failed_attempts));
}

}  // namespace firma::policies
