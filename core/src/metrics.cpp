// Metric registry: families by name, series by label set; rendering follows the Prometheus text format 0.0.4.
#include "core/metrics.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

namespace firma::metrics {
namespace {

struct Family {
  std::string help;
  bool is_histogram = false;
  std::map<Labels, std::unique_ptr<Counter>> counters;
  std::map<Labels, std::unique_ptr<Histogram>> histograms;
};

std::mutex g_mutex;
std::map<std::string, Family, std::less<>>& families() {
  static auto* f = new std::map<std::string, Family, std::less<>>();  // never destroyed: referenced until exit
  return *f;
}

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string label_text(const Labels& labels, const std::string& extra_key = {}, const std::string& extra_value = {}) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : labels) parts.push_back(k + "=\"" + escape_label(v) + "\"");
  if (!extra_key.empty()) parts.push_back(extra_key + "=\"" + extra_value + "\"");
  if (parts.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  return out + "}";
}

std::string number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)), buckets_(bounds_.size()) {}

void Histogram::observe(double value) noexcept {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  if (it != bounds_.end())
    buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(std::max(0.0, value) * 1e6), std::memory_order_relaxed);
}

double Histogram::sum() const noexcept {
  return static_cast<double>(sum_micros_.load()) / 1e6;
}

const std::vector<double>& default_latency_buckets() {
  static const std::vector<double> b = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

Counter& counter(std::string_view name, std::string_view help, Labels labels) {
  std::lock_guard lock(g_mutex);
  auto [it, inserted] = families().try_emplace(std::string(name));
  if (inserted) it->second.help = std::string(help);
  auto& slot = it->second.counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Histogram& histogram(std::string_view name, std::string_view help, Labels labels,
                     const std::vector<double>& upper_bounds) {
  std::lock_guard lock(g_mutex);
  auto [it, inserted] = families().try_emplace(std::string(name));
  if (inserted) it->second.help = std::string(help);
  it->second.is_histogram = true;
  auto& slot = it->second.histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(upper_bounds);
  return *slot;
}

std::string render_prometheus() {
  std::lock_guard lock(g_mutex);
  std::string out;
  for (const auto& [name, family] : families()) {
    out += "# HELP " + name + " " + family.help + "\n";
    out += "# TYPE " + name + (family.is_histogram ? " histogram\n" : " counter\n");
    for (const auto& [labels, c] : family.counters)
      out += name + label_text(labels) + " " + std::to_string(c->value()) + "\n";
    for (const auto& [labels, h] : family.histograms) {
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < h->upper_bounds().size(); ++i) {
        cumulative += h->bucket(i);
        out += name + "_bucket" + label_text(labels, "le", number(h->upper_bounds()[i])) + " " +
               std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket" + label_text(labels, "le", "+Inf") + " " + std::to_string(h->count()) + "\n";
      out += name + "_sum" + label_text(labels) + " " + number(h->sum()) + "\n";
      out += name + "_count" + label_text(labels) + " " + std::to_string(h->count()) + "\n";
    }
  }
  return out;
}

}  // namespace firma::metrics
