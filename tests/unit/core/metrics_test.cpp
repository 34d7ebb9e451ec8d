// Metrics render in the Prometheus text format with cumulative histogram buckets.
#include "core/metrics.h"

#include <gtest/gtest.h>

namespace firma {
namespace {

TEST(Metrics, CountersAndHistogramsRender) {
  metrics::counter("test_requests_total", "Requests.", {{"route", "/x"}}).inc(3);
  auto& h = metrics::histogram("test_latency_seconds", "Latency.", {{"route", "/x"}}, {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  std::string text = metrics::render_prometheus();
  EXPECT_NE(text.find("# TYPE test_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("test_requests_total{route=\"/x\"} 3"), std::string::npos);
  EXPECT_NE(text.find("test_latency_seconds_bucket{route=\"/x\",le=\"0.1\"} 1"), std::string::npos);
  EXPECT_NE(text.find("test_latency_seconds_bucket{route=\"/x\",le=\"1\"} 2"), std::string::npos);
  EXPECT_NE(text.find("test_latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3"), std::string::npos);
  EXPECT_NE(text.find("test_latency_seconds_count{route=\"/x\"} 3"), std::string::npos);
}

}  // namespace
}  // namespace firma
