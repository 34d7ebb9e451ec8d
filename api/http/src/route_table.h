// The route table compiled once into Pistache's segment trees (one per method), with cached metric series.
#pragma once

#include <pistache/router.h>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/routes.h"
#include "core/metrics.h"
#include "core/result.h"

namespace firma::api::detail {

// firma_http_requests_total{route,method,status} and firma_http_request_duration_seconds{route} for
// one route: the histogram is looked up at build time, each status's counter on its first use and then
// kept (core/metrics references live as long as the process).
class RouteStats {
 public:
  RouteStats(std::string name, std::string method);
  void record(int status, double seconds);
  const std::string& name() const noexcept { return name_; }

 private:
  static constexpr int kFirstStatus = 100;
  std::string name_;
  std::string method_;
  metrics::Histogram* duration_;
  std::array<std::atomic<metrics::Counter*>, 500> by_status_{};  // statuses 100..599
};

struct CompiledRoute {
  Route route;
  std::unique_ptr<RouteStats> stats;
};

struct RouteMatch {
  const CompiledRoute* route = nullptr;       // null: nothing serves this method and path
  std::map<std::string, std::string> params;  // percent-decoded, names without the ':'
  std::vector<std::string> allowed;           // when route is null: methods that do serve the path
};

class RouteTable {
 public:
  // Fails on an unknown method, a malformed pattern, a duplicate (method, pattern) or a route without
  // a handler.
  static Result<std::unique_ptr<RouteTable>> build(std::vector<Route> routes);

  // Thread-safe: the trees are not modified after build.
  RouteMatch find(std::string_view method, std::string_view path) const;
  // Requests that matched no route (404, 405, refused before routing) are counted as route "unmatched".
  RouteStats& unmatched(std::string_view method) const;
  bool needs_authentication() const noexcept;

 private:
  RouteTable() = default;
  std::vector<std::unique_ptr<CompiledRoute>> routes_;
  std::map<std::string, Pistache::Rest::SegmentTreeNode, std::less<>> trees_;
  std::map<std::string, std::unique_ptr<RouteStats>, std::less<>> unmatched_;
};

// "/v1//a/b/" -> "v1/a/b": the form the segment trees take (what Pistache's sanitizeResource does,
// without a regex per request).
std::string normalize_path(std::string_view path);

// The methods the server knows; Pistache's parser refuses any other before routing.
const std::vector<std::string>& known_methods();

}  // namespace firma::api::detail
