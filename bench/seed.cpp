// firma_seed: the fast, documented way to give a firmad data directory many citizens who hold keys and
// certificates (on the token, or wrapped in the database with --set hsm.key_custody=wrapped). Citizen rows go straight
// into the database (active, advanced, one Argon2id hash of the bench password computed once and shared: hashing
// 100,000 passwords would take over two hours); each certificate is issued by the service's own CredentialService (key
// pair generated on the token, certificate signed by the CA on the token, stored on the token and in the database,
// audited), exactly as a first signature or an operator would issue it. Run it while firmad is stopped: firmad's key
// index is built when it opens the token, so a running firmad would not see the new keys.
//
// Usage: firma_seed --data-dir DIR --from A --to B [--threads T] [--deadline-seconds S] [--set KEY=VALUE]...
// Seeds citizens A .. B-1 (see bench_common.h), in chunks of 1,000; stops after the chunk that passes the deadline.
// Prints one JSON object: how many were seeded, how long the rows and the issuance took.
#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>

#include "bench_common.h"
#include "certs/authority.h"
#include "certs/credentials.h"
#include "certs/crl.h"
#include "certs/key_custody.h"
#include "certs/settings.h"
#include "core/log.h"
#include "core/metrics.h"
#include "embedded.h"
#include "hsm/token.h"
#include "identity/password_hasher.h"
#include "settings.h"
#include "store/citizens.h"
#include "store/database.h"

namespace {

using namespace firma;
using SteadyClock = std::chrono::steady_clock;

int fail(const std::string& message) {
  std::fprintf(stderr, "firma_seed: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  app::Settings config;
  std::uint32_t from = 0, to = 0;
  int threads = 2;
  double deadline = 1e18;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--data-dir") {
      config.data_dir = value;
    } else if (flag == "--from") {
      from = static_cast<std::uint32_t>(std::stoul(value));
    } else if (flag == "--to") {
      to = static_cast<std::uint32_t>(std::stoul(value));
    } else if (flag == "--threads") {
      threads = std::max(1, std::stoi(value));
    } else if (flag == "--deadline-seconds") {
      deadline = std::stod(value);
    } else if (flag == "--set") {
      const auto eq = value.find('=');
      if (eq == std::string::npos) return fail("--set expects KEY=VALUE");
      if (Status s = app::settings_registry(config).set(value.substr(0, eq), value.substr(eq + 1)); !s)
        return fail(s.error().message);
    } else {
      return fail("unknown flag " + flag);
    }
  }
  if (to <= from) return fail("usage: firma_seed --data-dir DIR --from A --to B [--threads T] [--deadline-seconds S]");
  log::set_level(log::Level::warn);

  SystemClock clock;
  SystemRandom random;
  const auto opened_at = SteadyClock::now();
  auto hsm = app::open_token(config, random);
  if (!hsm) return fail("HSM: " + hsm.error().message);
  const double token_open_seconds = bench::seconds_since(opened_at);
  auto db = store::Database::open(app::database_url(config), static_cast<std::size_t>(threads) + 1);
  if (!db) return fail("database: " + db.error().message);
  const std::string public_url =
      config.server.public_url.empty() ? "http://" + config.server.listen : config.server.public_url;
  auto settings = certs::ca_settings(config.pki, public_url);
  if (!settings) return fail("pki: " + settings.error().message);
  auto authority = certs::CertificateAuthority::open(*hsm->token, **db, clock, random, *settings);
  if (!authority) return fail("CA: " + authority.error().message);
  certs::CrlService crl(**authority, **db, clock);
  // Keys follow hsm.key_custody (--set hsm.key_custody=wrapped: wrapped keys in the database, none on the token).
  auto custody_mode = certs::parse_custody_mode(config.hsm.key_custody);
  if (!custody_mode) return fail("hsm.key_custody: token or wrapped");
  certs::KeyCustody custody(*hsm->token, **db, clock, random, *custody_mode);
  if (Status s = custody.prepare(); !s) return fail("HSM: " + s.error().message);
  certs::CredentialService credentials(*hsm->token, custody, **db, **authority, crl, clock, random);

  auto argon2 = identity::Argon2Parameters::from_config(config.password);
  if (!argon2) return fail(argon2.error().message);
  identity::PasswordHasher hasher(*argon2, random);
  auto password_hash = hasher.hash(Secret(bench::kPassword));
  if (!password_hash) return fail(password_hash.error().message);

  double rows_seconds = 0, issue_seconds = 0, issue_cpu = 0;
  std::uint32_t reached = from, issued = 0;
  std::vector<double> issue_ms;
  std::mutex issue_ms_mutex;
  const auto start = SteadyClock::now();
  constexpr std::uint32_t kChunk = 1000;
  for (std::uint32_t chunk = from; chunk < to; chunk += kChunk) {
    const std::uint32_t end = std::min(to, chunk + kChunk);
    // Rows: one transaction per chunk. A citizen already there (an earlier, interrupted run) is kept.
    auto rows_start = SteadyClock::now();
    const Instant now = clock.now();
    Status rows = (*db)->transact([&](store::Tx& tx) -> Status {
      for (std::uint32_t i = chunk; i < end; ++i) {
        auto existing = store::CitizenRows::find_by_nif(tx, bench::citizen_nif(i));
        if (!existing) return std::move(existing).error();
        if (existing->has_value()) continue;
        store::CitizenRow row;
        char id[32];
        std::snprintf(id, sizeof id, "ctz-bench-%08u", i);
        row.id = CitizenId(id);
        row.nif = bench::citizen_nif(i);
        row.given_name = bench::kGivenName;
        row.surname1 = bench::kSurname1;
        row.surname2 = bench::kSurname2;
        row.email = bench::citizen_email(i);
        row.mobile = bench::citizen_mobile(i);
        row.registration_level = RegistrationLevel::advanced;
        row.status = CitizenStatus::active;
        row.activation_code_hash = to_hex(sha256("unused activation code " + random.hex_token(16)));
        row.password_hash = *password_hash;
        row.password_expires_at = now + std::chrono::days(365);
        row.created_at = row.updated_at = now;
        if (Status s = store::CitizenRows::insert(tx, row); !s) return s;
      }
      return {};
    });
    if (!rows) return fail("citizens " + std::to_string(chunk) + "..: " + rows.error().message);
    rows_seconds += bench::seconds_since(rows_start);

    // Certificates: `threads` issuers through the CredentialService (thread-safe), skipping citizens who hold one.
    auto issue_start = SteadyClock::now();
    const double cpu0 = bench::process_cpu_seconds();
    std::atomic<std::uint32_t> next{chunk};
    std::atomic<std::uint32_t> done{0};
    std::string error;
    std::mutex error_mutex;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        std::vector<double> mine;
        for (std::uint32_t i; (i = next++) < end;) {
          const std::string nif = bench::citizen_nif(i);
          auto current = credentials.current_credential(nif);
          if (current && current->has_value()) continue;
          const auto one = SteadyClock::now();
          auto issued_one = credentials.issue({nif, bench::kGivenName, bench::kSurname1, bench::kSurname2,
                                               CitizenStatus::active, RegistrationLevel::advanced},
                                              std::nullopt, "system:bench-seed");
          if (!issued_one) {
            std::lock_guard lock(error_mutex);
            error = nif + ": " + issued_one.error().message;
            return;
          }
          mine.push_back(bench::seconds_since(one) * 1000);
          ++done;
        }
        std::lock_guard lock(issue_ms_mutex);
        issue_ms.insert(issue_ms.end(), mine.begin(), mine.end());
      });
    }
    for (auto& th : pool) th.join();
    if (!error.empty()) return fail("issuance: " + error);
    const double chunk_seconds = bench::seconds_since(issue_start);
    issue_seconds += chunk_seconds;
    issue_cpu += bench::process_cpu_seconds() - cpu0;
    issued += done;
    reached = end;
    std::fprintf(stderr, "firma_seed: %u citizens (%u certificates in %.1f s, %.0f/s)\n", end, done.load(),
                 chunk_seconds, done / chunk_seconds);
    if (bench::seconds_since(start) > deadline) break;
  }
  const double total = bench::seconds_since(start);
  nlohmann::json out = {{"from", from},
                        {"to", to},
                        {"reached", reached},
                        {"complete", reached >= to},
                        {"threads", threads},
                        {"certificates_issued", issued},
                        {"seconds", bench::round_to(total, 2)},
                        {"citizen_rows_seconds", bench::round_to(rows_seconds, 2)},
                        {"issuance_seconds", bench::round_to(issue_seconds, 2)},
                        {"certificates_per_second", bench::round_to(issued / std::max(issue_seconds, 1e-9), 2)},
                        {"citizens_per_second", bench::round_to((reached - from) / std::max(total, 1e-9), 2)},
                        {"issue_latency", bench::latency_json(issue_ms)},
                        {"cpu_ms_per_certificate", bench::round_to(issue_cpu * 1000 / std::max<double>(issued, 1), 3)},
                        {"token_open_seconds", bench::round_to(token_open_seconds, 3)}};
  // FIRMA_SEED_METRICS=1: the service's own metrics (HSM operation latencies by kind) on stderr, for profiling.
  if (const char* m = std::getenv("FIRMA_SEED_METRICS"); m != nullptr && *m == '1')
    std::fprintf(stderr, "%s", metrics::render_prometheus().c_str());
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
