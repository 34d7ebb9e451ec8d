// Password validity period arithmetic.
#include "policies/password_expiry.h"

namespace firma::policies {

Instant PasswordExpiryPolicy::expires_at(Instant set_at) const {
  return set_at + std::chrono::duration_cast<std::chrono::seconds>(validity);
}

bool PasswordExpiryPolicy::expired(Instant expires_at, Instant now) const {
  return now >= expires_at;
}

}  // namespace firma::policies
