// HSM micro-benchmarks on a fresh SoftHSM2 token: signing through the hsm layer vs a raw C_Sign loop
// (1 and 2 threads, EC P-256 and RSA-2048), and finding a key among 1,000 / 10,000 (index vs C_FindObjects).
//
// Environment: FIRMA_BENCH_DIR (required: an empty directory for the token), FIRMA_BENCH_MODULE (PKCS#11
// module, default SoftHSM2), FIRMA_BENCH_KEYS (lookup sizes, default "1000,10000").
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/encoding.h"
#include "core/log.h"
#include "core/random.h"
#include "hsm/module.h"
#include "hsm/token.h"
#include "raw_pkcs11.h"

namespace {

using namespace firma;

const char* kTokenLabel = "firma-bench";

using bench::must;
using bench::sha256_digest_info;
using Raw = bench::RawModule;

struct Bench {
  std::shared_ptr<hsm::Module> module;
  std::unique_ptr<hsm::Token> token;
  std::unique_ptr<Raw> raw;
  Bytes digest = sha256(as_bytes("the document the citizen confirmed"));
  std::vector<KeyId> lookup_ids;  // EC keys generated for the lookup benchmarks
};

Bench* g_bench = nullptr;

KeyId signing_key(hsm::KeyAlgorithm a) {
  return KeyId(a == hsm::KeyAlgorithm::ec_p256 ? "bench-ec" : "bench-rsa");
}

void sign_through_layer(benchmark::State& state, hsm::KeyAlgorithm algorithm) {
  const KeyId id = signing_key(algorithm);
  for (auto _ : state) {
    auto sig = g_bench->token->sign_digest(id, hsm::DigestAlgorithm::sha256, g_bench->digest);
    if (!sig) {
      state.SkipWithError(sig.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(sig->raw.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void sign_raw(benchmark::State& state, hsm::KeyAlgorithm algorithm) {
  Raw& raw = *g_bench->raw;
  const CK_SESSION_HANDLE session = raw.open();
  const CK_OBJECT_HANDLE key = raw.find_private_key(session, signing_key(algorithm).str());
  const bool ec = algorithm == hsm::KeyAlgorithm::ec_p256;
  Bytes input = ec ? g_bench->digest : sha256_digest_info(g_bench->digest);
  CK_MECHANISM mechanism{ec ? CKM_ECDSA : CKM_RSA_PKCS, nullptr, 0};
  std::uint8_t out[512];
  for (auto _ : state) {
    CK_ULONG length = sizeof out;
    if (raw.f().C_SignInit(session, &mechanism, key) != CKR_OK ||
        raw.f().C_Sign(session, input.data(), input.size(), out, &length) != CKR_OK) {
      state.SkipWithError("C_Sign failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  raw.f().C_CloseSession(session);
  state.SetItemsProcessed(state.iterations());
}

// Generates EC P-256 keys until the token holds n of them (plus the two signing keys).
void grow_lookup_keys(std::size_t n) {
  if (g_bench->lookup_ids.size() >= n) return;
  const auto start = std::chrono::steady_clock::now();
  const std::size_t before = g_bench->lookup_ids.size();
  while (g_bench->lookup_ids.size() < n) {
    char id[32];
    std::snprintf(id, sizeof id, "lookup-%06zu", g_bench->lookup_ids.size());
    auto generated =
        g_bench->token->generate_key_pair(KeyId(id), hsm::KeyAlgorithm::ec_p256, hsm::KeyPurpose::citizen_signing, id);
    if (!generated) {
      std::fprintf(stderr, "hsm_bench: generating lookup keys: %s\n", generated.error().message.c_str());
      std::exit(1);
    }
    g_bench->lookup_ids.emplace_back(id);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "hsm_bench: generated %zu EC P-256 keys (now %zu) in %.1f s\n", n - before, n, seconds);
}

void lookup_index(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  grow_lookup_keys(n);
  std::size_t i = 0;
  for (auto _ : state) {
    // A stride coprime with n walks every key in a scattered order.
    bool found = g_bench->token->has_key(g_bench->lookup_ids[(i += 7919) % n]);
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations());
}

void lookup_find_objects(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  grow_lookup_keys(n);
  Raw& raw = *g_bench->raw;
  const CK_SESSION_HANDLE session = raw.open();
  std::size_t i = 0;
  for (auto _ : state) {
    CK_OBJECT_HANDLE h = raw.find_private_key(session, g_bench->lookup_ids[(i += 7919) % n].str());
    if (h == CK_INVALID_HANDLE) {
      state.SkipWithError("key not found");
      break;
    }
    benchmark::DoNotOptimize(h);
  }
  raw.f().C_CloseSession(session);
  state.SetItemsProcessed(state.iterations());
}

// Signing through the layer with n keys on the token: the index keeps it independent of n.
void sign_among(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  grow_lookup_keys(n);
  std::size_t i = 0;
  for (auto _ : state) {
    auto sig = g_bench->token->sign_digest(g_bench->lookup_ids[(i += 7919) % n], hsm::DigestAlgorithm::sha256,
                                           g_bench->digest);
    if (!sig) {
      state.SkipWithError(sig.error().message.c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// Opening the token (login + the one scan that builds the index) with n keys on it.
void open_token(benchmark::State& state) {
  grow_lookup_keys(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto token = hsm::Token::open(g_bench->module, kTokenLabel, Secret("bench-user-pin"), 1);
    if (!token) {
      state.SkipWithError(token.error().message.c_str());
      break;
    }
  }
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

std::vector<std::size_t> lookup_sizes() {
  std::vector<std::size_t> sizes;
  const char* env = std::getenv("FIRMA_BENCH_KEYS");
  std::string text = env != nullptr ? env : "1000,10000";
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t comma = text.find(',', pos);
    sizes.push_back(std::stoul(text.substr(pos, comma - pos)));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return sizes;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const char* dir = std::getenv("FIRMA_BENCH_DIR");
  if (dir == nullptr) {
    std::fprintf(stderr, "hsm_bench: set FIRMA_BENCH_DIR to an empty directory (bench/run.sh does)\n");
    return 2;
  }
  const char* module_env = std::getenv("FIRMA_BENCH_MODULE");
  const std::string module_path = module_env != nullptr ? module_env : FIRMA_SOFTHSM_MODULE;
  log::set_level(log::Level::warn);  // one line per generated key would drown the table

  Bench bench;
  g_bench = &bench;
  try {
    must(hsm::prepare_softhsm(dir), "prepare SoftHSM2");
    bench.module = must(hsm::Module::load(module_path), "load module");
    SystemRandom random;
    if (Status st =
            hsm::initialize_token(*bench.module, kTokenLabel, Secret(random.hex_token(8)), Secret("bench-user-pin"));
        !st) {
      throw std::runtime_error("initialise token: " + st.error().message);
    }
    bench.token = must(hsm::Token::open(bench.module, kTokenLabel, Secret("bench-user-pin"), 4), "open token");
    must(bench.token->generate_key_pair(signing_key(hsm::KeyAlgorithm::ec_p256), hsm::KeyAlgorithm::ec_p256,
                                        hsm::KeyPurpose::citizen_signing, "bench-ec"),
         "generate EC key");
    must(bench.token->generate_key_pair(signing_key(hsm::KeyAlgorithm::rsa2048), hsm::KeyAlgorithm::rsa2048,
                                        hsm::KeyPurpose::citizen_signing, "bench-rsa"),
         "generate RSA key");
    bench.raw = std::make_unique<Raw>(module_path, kTokenLabel);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hsm_bench: %s\n", e.what());
    return 1;
  }

  benchmark::AddCustomContext("cpu_model", cpu_model());
  benchmark::AddCustomContext("firma_build_type", FIRMA_BUILD_TYPE);
  benchmark::AddCustomContext("pkcs11_module", bench.module->description());

  // Signing: the same token and keys, 1 and 2 threads. Real time: the threads share one clock.
  for (auto [name, algorithm] :
       {std::pair{"ec_p256", hsm::KeyAlgorithm::ec_p256}, std::pair{"rsa_2048", hsm::KeyAlgorithm::rsa2048}}) {
    const hsm::KeyAlgorithm a = algorithm;
    benchmark::RegisterBenchmark((std::string("sign/") + name + "/hsm_layer").c_str(),
                                 [a](benchmark::State& s) { sign_through_layer(s, a); })
        ->Threads(1)
        ->Threads(2)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((std::string("sign/") + name + "/raw_C_Sign").c_str(),
                                 [a](benchmark::State& s) { sign_raw(s, a); })
        ->Threads(1)
        ->Threads(2)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }

  // Lookups: registered in size order; each size's first benchmark grows the token to that many keys
  // in its (untimed) set-up, so the 1,000-key figures are taken before the token holds 10,000.
  for (std::size_t n : lookup_sizes()) {
    const auto size = static_cast<std::int64_t>(n);
    benchmark::RegisterBenchmark("lookup/index", lookup_index)->Arg(size)->UseRealTime()->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("lookup/C_FindObjects", lookup_find_objects)
        ->Arg(size)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("sign/ec_p256/hsm_layer_among", sign_among)
        ->Arg(size)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("open_token", open_token)
        ->Arg(size)
        ->Iterations(3)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
