// HSM metrics: one counter pair and one latency histogram per operation kind.
#include "hsm_metrics.h"

#include <array>
#include <string>

namespace firma::hsm {
namespace {

const char* op_name(Op op) {
  switch (op) {
    case Op::open: return "open";
    case Op::sign: return "sign";
    case Op::generate: return "generate";
    case Op::destroy: return "destroy";
    case Op::public_key: return "public_key";
    case Op::store_certificate: return "store_certificate";
    case Op::certificate: return "certificate";
    case Op::inventory: return "inventory";
    case Op::ping: return "ping";
    case Op::count_: break;
  }
  return "unknown";
}

OpMetrics make(Op op) {
  metrics::Labels labels{{"op", op_name(op)}};
  return OpMetrics{
      metrics::counter("firma_hsm_operations_total", "HSM operations by kind.", labels),
      metrics::counter("firma_hsm_errors_total", "HSM operations that failed, by kind.", labels),
      metrics::histogram("firma_hsm_operation_seconds", "HSM operation latency in seconds, by kind.", labels),
  };
}

}  // namespace

OpMetrics& op_metrics(Op op) {
  static std::array<OpMetrics, static_cast<std::size_t>(Op::count_)> table = {
      make(Op::open),        make(Op::sign),       make(Op::generate),
      make(Op::destroy),     make(Op::public_key), make(Op::store_certificate),
      make(Op::certificate), make(Op::inventory),  make(Op::ping)};
  return table[static_cast<std::size_t>(op)];
}

metrics::Counter& session_reopens() {
  static metrics::Counter& c =
      metrics::counter("firma_hsm_session_recoveries_total", "HSM sessions dropped and reopened after a failure.");
  return c;
}

OpTimer::~OpTimer() {
  metrics_.operations.inc();
  if (!ok_) metrics_.errors.inc();
  metrics_.seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
}

}  // namespace firma::hsm
