// What the benchmark tools share: the seeded citizens' identities, timing statistics and small JSON helpers.
#pragma once

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "policies/nif.h"

namespace firma::bench {

// Seeded citizen number i (0-based): a DNI from 10,000,000 up with its control letter, a mobile of its own
// (+34 6xxxxxxxx, so that each citizen's OTP can be read from the outbox without mixing) and one password.
// firma_seed writes them, firma_load signs as them.
inline constexpr const char* kPassword = "Firma-Segura-2026";
inline constexpr const char* kGivenName = "Lucia";
inline constexpr const char* kSurname1 = "Carga";
inline constexpr const char* kSurname2 = "Prueba";

inline std::string citizen_nif(std::uint32_t i) {
  const std::uint32_t number = 10'000'000u + i;
  return std::to_string(number) + policies::nif_control_letter(number);
}

inline std::string citizen_mobile(std::uint32_t i) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "+346%08u", i);
  return buf;
}

// --citizens FROM:COUNT of the load generators: the seeded citizens a run may use.
struct CitizenRange {
  std::uint32_t from = 0;
  std::uint32_t count = 0;
};
inline CitizenRange citizen_range(const std::string& v) {
  const auto colon = v.find(':');
  if (colon == std::string::npos) throw std::runtime_error("--citizens expects FROM:COUNT");
  return {static_cast<std::uint32_t>(std::stoul(v.substr(0, colon))),
          static_cast<std::uint32_t>(std::stoul(v.substr(colon + 1)))};
}

// The first line of a token file (the operator token firmad writes), without its line end.
inline std::string read_token(const std::string& path) {
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  return token;
}

inline std::string citizen_email(std::uint32_t i) {
  return "c" + std::to_string(i) + "@bench.example";
}

// CPU time, the figure that stays meaningful on a machine other work shares (wall-clock rates do not).
inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
inline double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Nearest-rank percentile of durations in milliseconds.
inline double percentile(std::vector<double> ms, double p) {
  if (ms.empty()) return 0;
  std::sort(ms.begin(), ms.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(ms.size())));
  return ms[std::clamp<std::size_t>(rank, 1, ms.size()) - 1];
}

inline double round_to(double v, int decimals) {
  const double f = std::pow(10.0, decimals);
  return std::round(v * f) / f;
}

inline nlohmann::json latency_json(const std::vector<double>& ms) {
  double sum = 0;
  for (double v : ms) sum += v;
  return {{"n", ms.size()},
          {"mean_ms", round_to(ms.empty() ? 0 : sum / static_cast<double>(ms.size()), 3)},
          {"p50_ms", round_to(percentile(ms, 50), 3)},
          {"p95_ms", round_to(percentile(ms, 95), 3)},
          {"p99_ms", round_to(percentile(ms, 99), 3)},
          {"max_ms", round_to(ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()), 3)}};
}

inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

}  // namespace firma::bench
