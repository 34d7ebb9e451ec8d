// When consecutive failed password checks lock a Cl@ve account (five, design/REFERENCES.md).
#pragma once

namespace firma::policies {

// Counts are consecutive failures since the last success (the caller resets the count on success and
// keeps it atomically in the database; this object only decides).
struct LockoutPolicy {
  int max_failed_attempts = 5;

  // True once `failed_attempts` failures have been recorded: the account is locked from then on,
  // even for the right password, until it is reset.
  bool locks_after(int failed_attempts) const noexcept;

  // How many failures remain before the lock (never negative).
  int attempts_left(int failed_attempts) const noexcept;
};

}  // namespace firma::policies
