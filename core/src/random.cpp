// Random draws on top of an injected byte source.
#include "core/random.h"

#include <sys/random.h>

#include <cerrno>
#include <stdexcept>

#include "core/encoding.h"

namespace firma {

std::vector<std::uint8_t> Random::bytes(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  fill(out);
  return out;
}

std::uint32_t Random::uniform(std::uint32_t bound) {
  if (bound <= 1) return 0;
  // Rejection sampling: discard draws from the incomplete top interval.
  const std::uint32_t limit = UINT32_MAX - (UINT32_MAX % bound);
  for (;;) {
    std::uint32_t v = 0;
    fill({reinterpret_cast<std::uint8_t*>(&v), sizeof v});
    if (v < limit) return v % bound;
  }
}

std::string Random::digits(std::size_t count) {
  std::string out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(static_cast<char>('0' + uniform(10)));
  return out;
}

std::string Random::hex_token(std::size_t byte_count) {
  return to_hex(bytes(byte_count));
}

void SystemRandom::fill(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // Without a CSPRNG nothing secure can continue; this is not an anticipated failure.
      throw std::runtime_error("getrandom failed");
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace firma
