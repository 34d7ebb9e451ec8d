// firma_hsm_limit: the physical limits the service is compared with, measured on a fresh SoftHSM2 token:
// raw C_Sign per second (EC P-256, RSA-2048, RSA-3072; 1 and 2 threads), raw C_GenerateKeyPair per second
// (EC P-256, the citizens' default), the same two through the hsm layer, wrapped custody's keygen + wrap and
// unwrap + sign (with and without the cache of unwrapped keys), and the Argon2id password check alone.
//
// Usage: firma_hsm_limit --dir EMPTY_DIR [--seconds S] [--keygen N] [--argon2 N] [--only argon2]   (JSON on stdout)

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "bench_common.h"
#include "core/log.h"
#include "core/random.h"
#include "hsm/module.h"
#include "hsm/token.h"
#include "identity/password_hasher.h"
#include "raw_pkcs11.h"

namespace {

using namespace firma;
using Clock = std::chrono::steady_clock;

const char* kLabel = "firma-limit";
const char* kUserPin = "bench-user-pin";

using bench::must;
using bench::sha256_digest_info;
using Raw = bench::RawModule;

struct Rate {
  double per_second = 0;
  double cpu_us_per_op = 0;  // CPU time of the calling threads (SoftHSM2 works in the caller's thread)
};

// Runs the workers' op on `threads` threads for `seconds`: operations per second of wall-clock time, all together,
// and CPU time per operation.
template <class Op>
Rate rate(int threads, double seconds, const Op& make_worker) {
  std::atomic<bool> stop{false};
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(threads), 0);
  std::vector<double> cpu(static_cast<std::size_t>(threads), 0);
  std::vector<std::thread> pool;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto op = make_worker(t);
      const double cpu0 = bench::thread_cpu_seconds();
      std::uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        op();
        ++n;
      }
      counts[static_cast<std::size_t>(t)] = n;
      cpu[static_cast<std::size_t>(t)] = bench::thread_cpu_seconds() - cpu0;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  const double elapsed = bench::seconds_since(start);
  std::uint64_t total = 0;
  double total_cpu = 0;
  for (std::size_t t = 0; t < counts.size(); ++t) {
    total += counts[t];
    total_cpu += cpu[t];
  }
  return {static_cast<double>(total) / elapsed, total == 0 ? 0 : total_cpu * 1e6 / static_cast<double>(total)};
}

// A raw C_GenerateKeyPair of a token EC P-256 pair with the attributes the layer asks for (private, sensitive,
// never extractable, sign only), named by CKA_ID.
void raw_generate_ec(Raw& raw, CK_SESSION_HANDLE session, const std::string& id) {
  static const std::uint8_t kP256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  CK_ATTRIBUTE pub[] = {{CKA_TOKEN, &yes, 1},
                        {CKA_PRIVATE, &no, 1},
                        {CKA_VERIFY, &yes, 1},
                        {CKA_EC_PARAMS, const_cast<std::uint8_t*>(kP256), sizeof kP256},
                        {CKA_ID, const_cast<char*>(id.data()), id.size()}};
  CK_ATTRIBUTE priv[] = {{CKA_TOKEN, &yes, 1},     {CKA_PRIVATE, &yes, 1},
                         {CKA_SENSITIVE, &yes, 1}, {CKA_EXTRACTABLE, &no, 1},
                         {CKA_SIGN, &yes, 1},      {CKA_DECRYPT, &no, 1},
                         {CKA_DERIVE, &no, 1},     {CKA_ID, const_cast<char*>(id.data()), id.size()}};
  CK_MECHANISM mechanism{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE a = 0, b = 0;
  CK_RV rv = raw.f().C_GenerateKeyPair(session, &mechanism, pub, std::size(pub), priv, std::size(priv), &a, &b);
  if (rv != CKR_OK) throw std::runtime_error("C_GenerateKeyPair: " + std::to_string(rv));
}

std::string arg(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = arg(argc, argv, "--dir", "");
  if (dir.empty()) {
    std::fprintf(stderr, "usage: firma_hsm_limit --dir EMPTY_DIR [--seconds S] [--keygen N] [--argon2 N]\n");
    return 2;
  }
  const double seconds = std::stod(arg(argc, argv, "--seconds", "3"));
  const int keygen = std::stoi(arg(argc, argv, "--keygen", "300"));
  const int argon2_runs = std::stoi(arg(argc, argv, "--argon2", "20"));
  const bool argon2_only = arg(argc, argv, "--only", "") == "argon2";
  log::set_level(log::Level::warn);
  try {
    const std::string module_path = FIRMA_SOFTHSM_MODULE;
    must(hsm::prepare_softhsm(dir), "prepare SoftHSM2");
    auto module = must(hsm::Module::load(module_path), "load module");
    SystemRandom random;
    if (Status s = hsm::initialize_token(*module, kLabel, Secret(random.hex_token(8)), Secret(kUserPin)); !s)
      throw std::runtime_error("initialise token: " + s.error().message);
    auto token = must(hsm::Token::open(module, kLabel, Secret(kUserPin), 4), "open token");
    const std::vector<std::pair<std::string, hsm::KeyAlgorithm>> algorithms = {
        {"ec_p256", hsm::KeyAlgorithm::ec_p256},
        {"rsa_2048", hsm::KeyAlgorithm::rsa2048},
        {"rsa_3072", hsm::KeyAlgorithm::rsa3072}};
    if (!argon2_only)
      for (const auto& [name, a] : algorithms)
        must(token->generate_key_pair(KeyId("limit-" + name), a, hsm::KeyPurpose::citizen_signing, name), "keygen");
    Raw raw(module_path, kLabel);
    const Bytes digest = sha256(as_bytes("the document the citizen confirmed"));

    nlohmann::json out;
    out["pkcs11_module"] = module->description();
    out["seconds_per_figure"] = seconds;

    if (!argon2_only) {
      // C_Sign: one session per thread, the handle found once, the loop does C_SignInit + C_Sign.
      for (const auto& [name, a] : algorithms) {
        const bool ec = a == hsm::KeyAlgorithm::ec_p256;
        const Bytes input = ec ? digest : sha256_digest_info(digest);
        const std::string id = "limit-" + name;
        for (int threads : {1, 2}) {
          const Rate r = rate(threads, seconds, [&](int) {
            CK_SESSION_HANDLE session = raw.open();
            CK_OBJECT_HANDLE key = raw.find_private_key(session, id);
            if (key == CK_INVALID_HANDLE) throw std::runtime_error("key " + id + " not found");
            return [&raw, session, key, ec, &input] {
              CK_MECHANISM mechanism{ec ? CKM_ECDSA : CKM_RSA_PKCS, nullptr, 0};
              std::uint8_t sig[512];
              CK_ULONG length = sizeof sig;
              if (raw.f().C_SignInit(session, &mechanism, key) != CKR_OK ||
                  raw.f().C_Sign(session, const_cast<std::uint8_t*>(input.data()), input.size(), sig, &length) !=
                      CKR_OK)
                throw std::runtime_error("C_Sign failed");
            };
          });
          out["c_sign"][name]["threads_" + std::to_string(threads)] = bench::round_to(r.per_second, 1);
          out["c_sign"][name]["cpu_us_threads_" + std::to_string(threads)] = bench::round_to(r.cpu_us_per_op, 2);
          std::fprintf(stderr, "hsm_limit: C_Sign %s, %d thread(s): %.0f/s (%.1f us CPU each)\n", name.c_str(), threads,
                       r.per_second, r.cpu_us_per_op);
        }
        // The hsm layer on the same key (index lookup, pooled session, DER encoding, metrics).
        for (int threads : {1, 2}) {
          const Rate r = rate(threads, seconds, [&](int) {
            return [&token, &id, &digest] {
              auto s = token->sign_digest(KeyId(id), hsm::DigestAlgorithm::sha256, digest);
              if (!s) throw std::runtime_error(s.error().message);
            };
          });
          out["hsm_layer_sign"][name]["threads_" + std::to_string(threads)] = bench::round_to(r.per_second, 1);
          out["hsm_layer_sign"][name]["cpu_us_threads_" + std::to_string(threads)] =
              bench::round_to(r.cpu_us_per_op, 2);
        }
      }

      // Key generation, EC P-256 token key pairs: raw, then through the layer (which also reads the public key back
      // and indexes the handles). One thread, as issuance runs one per request.
      {
        CK_SESSION_HANDLE session = raw.open();
        auto start = Clock::now();
        double cpu0 = bench::thread_cpu_seconds();
        for (int i = 0; i < keygen; ++i) raw_generate_ec(raw, session, "raw-gen-" + std::to_string(i));
        const double raw_rate = keygen / bench::seconds_since(start);
        const double raw_cpu_us = (bench::thread_cpu_seconds() - cpu0) * 1e6 / keygen;
        raw.f().C_CloseSession(session);
        start = Clock::now();
        cpu0 = bench::thread_cpu_seconds();
        for (int i = 0; i < keygen; ++i)
          must(token->generate_key_pair(KeyId("layer-gen-" + std::to_string(i)), hsm::KeyAlgorithm::ec_p256,
                                        hsm::KeyPurpose::citizen_signing, "g"),
               "layer keygen");
        const double layer_rate = keygen / bench::seconds_since(start);
        const double layer_cpu_us = (bench::thread_cpu_seconds() - cpu0) * 1e6 / keygen;
        // Two threads, raw, each with its own session.
        std::atomic<int> next{0};
        start = Clock::now();
        std::vector<std::thread> pool;
        for (int t = 0; t < 2; ++t)
          pool.emplace_back([&] {
            CK_SESSION_HANDLE s = raw.open();
            for (int i; (i = next++) < keygen;) raw_generate_ec(raw, s, "raw2-gen-" + std::to_string(i));
            raw.f().C_CloseSession(s);
          });
        for (auto& th : pool) th.join();
        const double raw2_rate = keygen / bench::seconds_since(start);
        out["c_generate_key_pair"]["ec_p256"] = {{"threads_1", bench::round_to(raw_rate, 1)},
                                                 {"threads_2", bench::round_to(raw2_rate, 1)},
                                                 {"hsm_layer_threads_1", bench::round_to(layer_rate, 1)},
                                                 {"cpu_us_threads_1", bench::round_to(raw_cpu_us, 1)},
                                                 {"hsm_layer_cpu_us_threads_1", bench::round_to(layer_cpu_us, 1)},
                                                 {"keys", keygen}};
        std::fprintf(stderr, "hsm_limit: C_GenerateKeyPair EC P-256: %.0f/s (2 threads %.0f/s, layer %.0f/s)\n",
                     raw_rate, raw2_rate, layer_rate);
      }

      // Wrapped custody (hsm.key_custody = wrapped): EC P-256 session keygen + RFC 5649 wrap, and a signature that
      // unwraps the key first (no cache, and a cache of 64 keys signing among 32), beside the token key's signature
      // above. 1 and 2 threads.
      {
        const KeyId kek("limit-kek");
        if (Status made = token->create_wrapping_key(kek); !made)
          throw std::runtime_error("create KEK: " + made.error().message);
        auto start = Clock::now();
        std::vector<hsm::WrappedKey> wrapped;
        for (int i = 0; i < keygen; ++i)
          wrapped.push_back(must(
              token->generate_wrapped_key_pair(KeyId("wrapped-" + std::to_string(i)), kek, hsm::KeyAlgorithm::ec_p256),
              "wrapped keygen"));
        out["wrapped"]["generate_and_wrap_per_second"] = bench::round_to(keygen / bench::seconds_since(start), 1);
        for (std::size_t cache : {std::size_t{0}, std::size_t{64}}) {
          token->keep_unwrapped(cache);
          for (int threads : {1, 2}) {
            std::atomic<std::size_t> next{0};
            const Rate r = rate(threads, seconds, [&](int) {
              return [&token, &wrapped, &digest, &next] {
                const hsm::WrappedKey& key = wrapped[next++ % 32];
                auto s = token->sign_wrapped_digest(key, hsm::DigestAlgorithm::sha256, digest);
                if (!s) throw std::runtime_error(s.error().message);
              };
            });
            const std::string name = cache == 0 ? "unwrap_sign" : "cached_sign";
            out["wrapped"][name]["threads_" + std::to_string(threads)] = bench::round_to(r.per_second, 1);
            out["wrapped"][name]["cpu_us_threads_" + std::to_string(threads)] = bench::round_to(r.cpu_us_per_op, 2);
            std::fprintf(stderr, "hsm_limit: wrapped EC P-256 %s, %d thread(s): %.0f/s\n", name.c_str(), threads,
                         r.per_second);
          }
        }
        token->keep_unwrapped(0);
      }

    }  // !argon2_only

    // Argon2id with the service's default parameters: one check alone, and as many as two threads do per second.
    {
      identity::PasswordHasher hasher(identity::Argon2Parameters{}, random);
      const std::string hash = must(hasher.hash(Secret(bench::kPassword)), "argon2 hash");
      std::vector<double> ms;
      const double cpu0 = bench::thread_cpu_seconds();
      for (int i = 0; i < argon2_runs; ++i) {
        const auto start = Clock::now();
        auto check = must(hasher.verify(Secret(bench::kPassword), hash), "argon2 verify");
        if (!check.matches) throw std::runtime_error("argon2: no match");
        ms.push_back(bench::seconds_since(start) * 1000);
      }
      const double cpu_ms = (bench::thread_cpu_seconds() - cpu0) * 1000 / argon2_runs;
      const double two = rate(2, std::max(seconds, 2.0), [&](int) {
                           return [&] { (void)hasher.verify(Secret(bench::kPassword), hash); };
                         }).per_second;
      const auto& p = hasher.parameters();
      out["argon2id"] = {{"memory_kib", p.memory_kib},
                         {"iterations", p.iterations},
                         {"parallelism", p.parallelism},
                         {"check", bench::latency_json(ms)},
                         {"cpu_ms", bench::round_to(cpu_ms, 3)},
                         {"per_second_threads_1", bench::round_to(1000.0 / bench::percentile(ms, 50), 2)},
                         {"per_second_threads_2", bench::round_to(two, 2)}};
      std::fprintf(stderr, "hsm_limit: Argon2id check %.1f ms; 2 threads: %.1f/s\n", bench::percentile(ms, 50), two);
    }
    std::printf("%s\n", out.dump(2).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "firma_hsm_limit: %s\n", e.what());
    return 1;
  }
  return 0;
}
