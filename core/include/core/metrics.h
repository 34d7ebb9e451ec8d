// Process-wide counters and histograms, rendered in the Prometheus text format by /metrics.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace firma::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t by = 1) noexcept { value_.fetch_add(by, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value) noexcept;
  const std::vector<double>& upper_bounds() const { return bounds_; }
  std::uint64_t bucket(std::size_t i) const noexcept { return buckets_[i].load(std::memory_order_relaxed); }
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  double sum() const noexcept;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> buckets_;  // cumulative counts are computed when rendering
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micros_{0};
};

// Latency buckets in seconds, from 0.5 ms to 10 s.
const std::vector<double>& default_latency_buckets();

// Returns the metric for (name, labels), creating it on first use. The reference stays valid for the
// life of the process, so hot paths look it up once and keep it.
Counter& counter(std::string_view name, std::string_view help, Labels labels = {});
Histogram& histogram(std::string_view name, std::string_view help, Labels labels = {},
                     const std::vector<double>& upper_bounds = default_latency_buckets());

std::string render_prometheus();

}  // namespace firma::metrics
