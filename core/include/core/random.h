// Injected randomness: services draw from a Random; the system one reads the kernel CSPRNG.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace firma {

class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;

  std::vector<std::uint8_t> bytes(std::size_t n);
  // Uniform in [0, bound), without modulo bias.
  std::uint32_t uniform(std::uint32_t bound);
  // `digits` decimal digits, each uniform (OTPs, activation codes).
  std::string digits(std::size_t count);
  // `byte_count` random bytes as lower-case hex (ids, tokens).
  std::string hex_token(std::size_t byte_count);
};

// getrandom(2): the kernel CSPRNG.
class SystemRandom final : public Random {
 public:
  void fill(std::span<std::uint8_t> out) override;
};

}  // namespace firma
