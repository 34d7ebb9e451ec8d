// Citizens' password hashes: Argon2id (RFC 9106) in the PHC string format, rehashed when the parameters change.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/random.h"
#include "core/result.h"
#include "core/secret.h"
#include "identity/settings.h"

namespace firma::identity {

// m (KiB of memory), t (passes) and p (lanes). The defaults are RFC 9106 section 4's second recommended option
// as OWASP restates it for interactive logins: m = 19 MiB, t = 2, p = 1 (about 80 ms here).
struct Argon2Parameters {
  std::size_t memory_kib = 19456;
  std::size_t iterations = 2;
  std::size_t parallelism = 1;

  // Parameters Argon2 accepts (RFC 9106 section 3.1: p 1..2^24-1, m >= 8p, t >= 1) within sane bounds:
  // m up to 4 GiB, t up to 100, p up to 16. Errors are invalid_request.
  static Result<Argon2Parameters> make(std::size_t memory_kib, std::size_t iterations, std::size_t parallelism);
  static Result<Argon2Parameters> from_config(const PasswordSettings& config);

  friend bool operator==(const Argon2Parameters&, const Argon2Parameters&) = default;
};

class PasswordHasher {
 public:
  static constexpr std::size_t salt_bytes = 16;  // RFC 9106 section 3.1 recommends 128 bits
  static constexpr std::size_t hash_bytes = 32;

  // `random` supplies the salts; it must outlive the hasher and be safe to call from several threads.
  // At most `concurrent` Argon2 computations run at once (0: one per core), admitted first come, first served:
  // more would not finish sooner on the same cores, would hold m KiB each, and would starve the cheap requests
  // sharing those cores.
  PasswordHasher(Argon2Parameters parameters, Random& random, std::size_t concurrent = 0);

  // "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" (the PHC string format; salt and hash in base64 without
  // padding), with a fresh random salt. The parameters travel in the string, so verify() can check a hash made
  // with other ones.
  Result<std::string> hash(const Secret& password) const;

  struct Check {
    bool matches = false;
    bool needs_rehash = false;  // made with other parameters (or sizes) than the current ones: hash it again
  };
  // Recomputes with the string's own parameters and compares in constant time. A string that is not an
  // Argon2id PHC string of version 19 is an internal error (the database holds something else).
  Result<Check> verify(const Secret& password, std::string_view encoded) const;

  const Argon2Parameters& parameters() const noexcept { return parameters_; }

 private:
  class Gate;
  Argon2Parameters parameters_;
  Random& random_;
  std::shared_ptr<Gate> gate_;
};

}  // namespace firma::identity
