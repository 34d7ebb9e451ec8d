// Argon2id through Botan 2 (botan/argon2.h); the PHC string is written and parsed here.
#include "identity/password_hasher.h"

#include <botan/argon2.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/encoding.h"

namespace firma::identity {
namespace {

constexpr std::uint8_t kArgon2id = 2;  // Botan's family number (0 = Argon2d, 1 = Argon2i, 2 = Argon2id)
constexpr std::string_view kPrefix = "$argon2id$v=19$";

// PHC strings use standard base64 without padding.
std::string b64_unpadded(std::span<const std::uint8_t> bytes) {
  std::string text = to_base64(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

std::optional<Bytes> from_b64_unpadded(std::string_view text) {
  std::string padded(text);
  while (padded.size() % 4 != 0) padded += '=';
  return from_base64(padded);
}

struct Parsed {
  Argon2Parameters parameters;
  Bytes salt;
  Bytes hash;
};

std::optional<std::size_t> number_after(std::string_view text, std::string_view key) {
  if (text.substr(0, key.size()) != key) return std::nullopt;
  text.remove_prefix(key.size());
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

// "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH"
std::optional<Parsed> parse(std::string_view encoded) {
  if (encoded.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  encoded.remove_prefix(kPrefix.size());
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto dollar = encoded.find('$', start);
    parts.push_back(encoded.substr(start, dollar == std::string_view::npos ? std::string_view::npos : dollar - start));
    if (dollar == std::string_view::npos) break;
    start = dollar + 1;
  }
  if (parts.size() != 3) return std::nullopt;
  std::vector<std::string_view> params;
  for (std::size_t start = 0;;) {
    auto comma = parts[0].find(',', start);
    params.push_back(parts[0].substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (params.size() != 3) return std::nullopt;
  auto m = number_after(params[0], "m="), t = number_after(params[1], "t="), p = number_after(params[2], "p=");
  if (!m || !t || !p) return std::nullopt;
  auto checked = Argon2Parameters::make(*m, *t, *p);
  auto salt = from_b64_unpadded(parts[1]);
  auto hash = from_b64_unpadded(parts[2]);
  if (!checked || !salt || !hash || salt->size() < 8 || hash->size() < 16 || hash->size() > 64) return std::nullopt;
  return Parsed{*checked, std::move(*salt), std::move(*hash)};
}

Result<Bytes> derive(const Secret& password, const Bytes& salt, const Argon2Parameters& p, std::size_t length) {
  Bytes out(length);
  try {
    Botan::argon2(out.data(), out.size(), password.reveal().data(), password.size(), salt.data(), salt.size(), nullptr,
                  0, nullptr, 0, kArgon2id, p.parallelism, p.memory_kib, p.iterations);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::internal, std::string("Argon2id failed: ") + e.what());
  }
  return out;
}

}  // namespace

Result<Argon2Parameters> Argon2Parameters::make(std::size_t memory_kib, std::size_t iterations,
                                                std::size_t parallelism) {
  if (parallelism < 1 || parallelism > 16)
    return make_error(ErrorCode::invalid_request, "Argon2 parallelism must be from 1 to 16");
  if (iterations < 1 || iterations > 100)
    return make_error(ErrorCode::invalid_request, "Argon2 iterations must be from 1 to 100");
  if (memory_kib < 8 * parallelism || memory_kib > (std::size_t{4} << 20))
    return make_error(ErrorCode::invalid_request, "Argon2 memory must be from 8 KiB per lane to 4 GiB");
  return Argon2Parameters{memory_kib, iterations, parallelism};
}

Result<Argon2Parameters> Argon2Parameters::from_config(const PasswordConfig& config) {
  return make(config.argon2_memory_kib, config.argon2_iterations, config.argon2_parallelism);
}

// A FIFO gate of `capacity` slots: tickets are admitted in the order they were taken, so that under load no
// password check waits behind ever newer ones (a semaphore makes no such promise).
class PasswordHasher::Gate {
 public:
  explicit Gate(std::uint64_t capacity) : capacity_(capacity) {}

  // Holds a slot for as long as it lives.
  class Slot {
   public:
    explicit Slot(Gate& gate) : gate_(gate) {
      std::unique_lock lock(gate_.mutex_);
      const std::uint64_t ticket = gate_.next_ticket_++;
      gate_.admitted_.wait(lock, [&] { return ticket < gate_.finished_ + gate_.capacity_; });
    }
    ~Slot() {
      {
        std::lock_guard lock(gate_.mutex_);
        ++gate_.finished_;
      }
      gate_.admitted_.notify_all();
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    Gate& gate_;
  };

 private:
  const std::uint64_t capacity_;
  std::mutex mutex_;
  std::condition_variable admitted_;
  std::uint64_t next_ticket_ = 0;
  std::uint64_t finished_ = 0;
};

PasswordHasher::PasswordHasher(Argon2Parameters parameters, Random& random, std::size_t concurrent)
    : parameters_(parameters),
      random_(random),
      gate_(std::make_shared<Gate>(concurrent != 0 ? concurrent : std::max(1u, std::thread::hardware_concurrency()))) {}

Result<std::string> PasswordHasher::hash(const Secret& password) const {
  Bytes salt = random_.bytes(salt_bytes);
  Result<Bytes> derived = [&] {
    Gate::Slot slot(*gate_);
    return derive(password, salt, parameters_, hash_bytes);
  }();
  if (!derived) return std::move(derived).error();
  return std::string(kPrefix) + "m=" + std::to_string(parameters_.memory_kib) +
         ",t=" + std::to_string(parameters_.iterations) + ",p=" + std::to_string(parameters_.parallelism) + "$" +
         b64_unpadded(salt) + "$" + b64_unpadded(*derived);
}

Result<PasswordHasher::Check> PasswordHasher::verify(const Secret& password, std::string_view encoded) const {
  auto parsed = parse(encoded);
  if (!parsed) return make_error(ErrorCode::internal, "stored password hash is not an Argon2id PHC string");
  Result<Bytes> derived = [&] {
    Gate::Slot slot(*gate_);
    return derive(password, parsed->salt, parsed->parameters, parsed->hash.size());
  }();
  if (!derived) return std::move(derived).error();
  Check check;
  check.matches = constant_time_equal(to_string(*derived), to_string(parsed->hash));
  check.needs_rehash =
      !(parsed->parameters == parameters_) || parsed->salt.size() != salt_bytes || parsed->hash.size() != hash_bytes;
  return check;
}

}  // namespace firma::identity
