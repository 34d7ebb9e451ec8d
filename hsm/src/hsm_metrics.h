// The HSM layer's Prometheus series, looked up once per operation kind.
#pragma once

#include <chrono>

#include "core/metrics.h"

namespace firma::hsm {

enum class Op { open, sign, generate, destroy, public_key, store_certificate, certificate, inventory, ping, count_ };

struct OpMetrics {
  metrics::Counter& operations;  // firma_hsm_operations_total{op}
  metrics::Counter& errors;      // firma_hsm_errors_total{op}
  metrics::Histogram& seconds;   // firma_hsm_operation_seconds{op}
};

OpMetrics& op_metrics(Op op);
metrics::Counter& session_reopens();  // firma_hsm_session_recoveries_total

// Counts one operation and its duration; counts an error unless told it succeeded.
class OpTimer {
 public:
  explicit OpTimer(Op op) : metrics_(op_metrics(op)), start_(std::chrono::steady_clock::now()) {}
  ~OpTimer();
  OpTimer(const OpTimer&) = delete;
  OpTimer& operator=(const OpTimer&) = delete;
  // Returns its argument so `return timer.done(result);` reads naturally.
  template <class R>
  R done(R result) {
    ok_ = result.ok();
    return result;
  }

 private:
  OpMetrics& metrics_;
  std::chrono::steady_clock::time_point start_;
  bool ok_ = false;
};

}  // namespace firma::hsm
