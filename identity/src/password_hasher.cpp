// Argon2id through libargon2 (the reference implementation, argon2.h), each check in memory its gate slot
// keeps; the PHC string is written and parsed here.
#include "identity/password_hasher.h"

#include <argon2.h>
#include <sys/mman.h>
#include <time.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/encoding.h"
#include "core/metrics.h"

namespace firma::identity {
namespace {

constexpr std::string_view kPrefix = "$argon2id$v=19$";
constexpr std::size_t kBlockBytes = 1024;  // ARGON2_BLOCK_SIZE, in core.h, which argon2.h does not export

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

// The bytes Argon2 fills for these parameters: m rounded down to a multiple of 4p blocks of 1 KiB (RFC 9106
// section 3.2: m' = 4p * floor(m / 4p)), as libargon2 and Botan both do.
std::size_t memory_bytes(const Argon2Parameters& p) {
  const std::size_t quantum = ARGON2_SYNC_POINTS * p.parallelism;
  return std::max(p.memory_kib / quantum, std::size_t{2}) * quantum * kBlockBytes;
}

// Argon2's working memory, mapped once and kept: allocating, zeroing and faulting in m KiB afresh for every check
// costs about a third as much CPU again as the hash itself (docs/benchmarks.md). Kept out of core dumps; libargon2
// wipes it after every check, so it holds nothing derived from a password between checks.
class Workspace {
 public:
  explicit Workspace(std::size_t bytes) : bytes_(bytes) {}
  ~Workspace() {
    if (data_ != nullptr) munmap(data_, bytes_);
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  // The mapping, made on first use; null if the system refused it (the check then allocates its own).
  std::uint8_t* data() {
    if (data_ == nullptr) {
      void* mapped = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (mapped == MAP_FAILED) return nullptr;
      madvise(mapped, bytes_, MADV_DONTDUMP);
      data_ = static_cast<std::uint8_t*>(mapped);
    }
    return data_;
  }
  std::size_t size() const noexcept { return bytes_; }

 private:
  const std::size_t bytes_;
  std::uint8_t* data_ = nullptr;
};

// libargon2's allocation callbacks take no context: the workspace of the check running on this thread.
thread_local Workspace* t_workspace = nullptr;

int allocate_from_workspace(std::uint8_t** memory, std::size_t bytes) {
  std::uint8_t* kept = t_workspace != nullptr && bytes <= t_workspace->size() ? t_workspace->data() : nullptr;
  // A hash made with more memory than the current parameters (verified once, then rehashed) gets its own.
  *memory = kept != nullptr ? kept : static_cast<std::uint8_t*>(std::malloc(bytes));
  return *memory != nullptr ? ARGON2_OK : ARGON2_MEMORY_ALLOCATION_ERROR;
}

void release_to_workspace(std::uint8_t* memory, std::size_t) {
  // libargon2 has wiped it already.
  if (t_workspace == nullptr || memory != t_workspace->data()) std::free(memory);
}

// The CPU time this thread has used, in microseconds.
std::uint64_t thread_cpu_microseconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000 + static_cast<std::uint64_t>(now.tv_nsec) / 1'000;
}

// The CPU that Argon2id itself costs firmad: with the process's CPU it tells how much of a transaction is the
// password check and how much the rest (make bench reports the ratio).
metrics::Counter& argon2id_cpu() {
  static metrics::Counter& c = metrics::counter("firma_password_hash_cpu_microseconds_total",
                                                "CPU time spent computing Argon2id, in microseconds");
  return c;
}

Result<Bytes> derive(const Secret& password, const Bytes& salt, const Argon2Parameters& p, std::size_t length,
                     Workspace& workspace) {
  Bytes out(length);
  argon2_context context{};
  context.out = out.data();
  context.outlen = static_cast<std::uint32_t>(out.size());
  context.pwd = reinterpret_cast<std::uint8_t*>(const_cast<char*>(password.reveal().data()));
  context.pwdlen = static_cast<std::uint32_t>(password.size());
  context.salt = const_cast<std::uint8_t*>(salt.data());
  context.saltlen = static_cast<std::uint32_t>(salt.size());
  context.t_cost = static_cast<std::uint32_t>(p.iterations);
  context.m_cost = static_cast<std::uint32_t>(p.memory_kib);
  context.lanes = static_cast<std::uint32_t>(p.parallelism);
  context.threads = 1;  // the lanes one after the other: the gate admits one check per core
  context.version = ARGON2_VERSION_13;
  context.allocate_cbk = allocate_from_workspace;
  context.free_cbk = release_to_workspace;
  context.flags = ARGON2_DEFAULT_FLAGS;
  t_workspace = &workspace;
  const std::uint64_t cpu_before = thread_cpu_microseconds();
  const int status = argon2_ctx(&context, Argon2_id);
  argon2id_cpu().inc(thread_cpu_microseconds() - cpu_before);
  t_workspace = nullptr;
  if (status != ARGON2_OK)
    return make_error(ErrorCode::internal, std::string("Argon2id failed: ") + argon2_error_message(status));
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

Result<Argon2Parameters> Argon2Parameters::from_config(const PasswordSettings& config) {
  return make(config.argon2_memory_kib, config.argon2_iterations, config.argon2_parallelism);
}

// A FIFO gate of `capacity` slots, each with its workspace: tickets are admitted in the order they were taken, so
// that under load no password check waits behind ever newer ones (a semaphore makes no such promise).
class PasswordHasher::Gate {
 public:
  Gate(std::uint64_t capacity, std::size_t workspace_bytes) : capacity_(capacity) {
    for (std::uint64_t i = 0; i < capacity; ++i) idle_.push_back(std::make_unique<Workspace>(workspace_bytes));
  }

  // Holds a slot and its workspace for as long as it lives.
  class Slot {
   public:
    explicit Slot(Gate& gate) : gate_(gate) {
      std::unique_lock lock(gate_.mutex_);
      const std::uint64_t ticket = gate_.next_ticket_++;
      gate_.admitted_.wait(lock, [&] { return ticket < gate_.finished_ + gate_.capacity_; });
      // Admitted: fewer than `capacity` slots are held, so a workspace is idle.
      workspace_ = std::move(gate_.idle_.back());
      gate_.idle_.pop_back();
    }
    ~Slot() {
      {
        std::lock_guard lock(gate_.mutex_);
        gate_.idle_.push_back(std::move(workspace_));
        ++gate_.finished_;
      }
      gate_.admitted_.notify_all();
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

    Workspace& workspace() { return *workspace_; }

   private:
    Gate& gate_;
    std::unique_ptr<Workspace> workspace_;
  };

 private:
  const std::uint64_t capacity_;
  std::mutex mutex_;
  std::condition_variable admitted_;
  std::uint64_t next_ticket_ = 0;
  std::uint64_t finished_ = 0;
  std::vector<std::unique_ptr<Workspace>> idle_;
};

PasswordHasher::PasswordHasher(Argon2Parameters parameters, Random& random, std::size_t concurrent)
    : parameters_(parameters),
      random_(random),
      gate_(std::make_shared<Gate>(concurrent != 0 ? concurrent : std::max(1u, std::thread::hardware_concurrency()),
                                   memory_bytes(parameters))) {}

Result<std::string> PasswordHasher::hash(const Secret& password) const {
  Bytes salt = random_.bytes(salt_bytes);
  Result<Bytes> derived = [&] {
    Gate::Slot slot(*gate_);
    return derive(password, salt, parameters_, hash_bytes, slot.workspace());
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
    return derive(password, parsed->salt, parsed->parameters, parsed->hash.size(), slot.workspace());
  }();
  if (!derived) return std::move(derived).error();
  Check check;
  check.matches = constant_time_equal(to_string(*derived), to_string(parsed->hash));
  check.needs_rehash =
      !(parsed->parameters == parameters_) || parsed->salt.size() != salt_bytes || parsed->hash.size() != hash_bytes;
  return check;
}

}  // namespace firma::identity
