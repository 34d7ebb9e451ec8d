// How long a Cl@ve Permanente password stays valid (one year, design/REFERENCES.md).
#pragma once

#include <chrono>

#include "core/clock.h"

namespace firma::policies {

struct PasswordExpiryPolicy {
  std::chrono::days validity{365};

  Instant expires_at(Instant set_at) const;
  // Expired from the instant `expires_at` itself on: a password set at T is good up to T + validity, excluded.
  bool expired(Instant expires_at, Instant now) const;
};

}  // namespace firma::policies
