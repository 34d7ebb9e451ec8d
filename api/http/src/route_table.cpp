// Route table compilation and lookup over Pistache's SegmentTreeNode; per-route metric series.
#include "route_table.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "api/http/http.h"

namespace firma::api::detail {
namespace {

constexpr std::string_view kRequestsName = "firma_http_requests_total";
constexpr std::string_view kRequestsHelp = "HTTP requests answered, by route, method and status.";
constexpr std::string_view kDurationName = "firma_http_request_duration_seconds";
constexpr std::string_view kDurationHelp = "Time from a complete request to its response, by route.";

// The tree stores the route's index in its handler slot; the handler itself is never invoked.
struct RouteIndex {
  std::size_t index;
  Pistache::Rest::Route::Result operator()(const Pistache::Rest::Request, Pistache::Http::ResponseWriter) const {
    return Pistache::Rest::Route::Result::Failure;
  }
};

}  // namespace

const std::vector<std::string>& known_methods() {
  static const std::vector<std::string> methods = {"GET",  "POST",    "PUT",   "PATCH",  "DELETE",
                                                   "HEAD", "OPTIONS", "TRACE", "CONNECT"};
  return methods;
}

RouteStats::RouteStats(std::string name, std::string method)
    : name_(std::move(name)),
      method_(std::move(method)),
      duration_(&metrics::histogram(kDurationName, kDurationHelp, {{"route", name_}})) {}

void RouteStats::record(int status, double seconds) {
  duration_->observe(seconds);
  if (status < kFirstStatus || status >= kFirstStatus + static_cast<int>(by_status_.size())) return;
  auto& slot = by_status_[static_cast<std::size_t>(status - kFirstStatus)];
  metrics::Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Two threads may both look it up: the registry hands both the same series.
    counter = &metrics::counter(kRequestsName, kRequestsHelp,
                                {{"route", name_}, {"method", method_}, {"status", std::to_string(status)}});
    slot.store(counter, std::memory_order_release);
  }
  counter->inc();
}

std::string normalize_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (c == '/' && (out.empty() || out.back() == '/')) continue;
    out += c;
  }
  if (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

Result<std::unique_ptr<RouteTable>> RouteTable::build(std::vector<Route> routes) {
  std::unique_ptr<RouteTable> table(new RouteTable());
  const auto& methods = known_methods();
  for (auto& route : routes) {
    const std::string where = route.method + " " + route.pattern;
    if (std::find(methods.begin(), methods.end(), route.method) == methods.end())
      return make_error(ErrorCode::invalid_request, "route " + where + ": unknown method");
    if (route.pattern.empty() || route.pattern.front() != '/')
      return make_error(ErrorCode::invalid_request, "route " + where + ": pattern must start with '/'");
    if (route.pattern.find("//") != std::string::npos || route.pattern.find_first_of("?#* ") != std::string::npos)
      return make_error(ErrorCode::invalid_request, "route " + where + ": malformed pattern");
    if (!route.handler) return make_error(ErrorCode::invalid_request, "route " + where + ": no handler");
    if (route.name.empty()) route.name = route.pattern;

    const std::string path = normalize_path(route.pattern);
    // The tree keeps string_views into this buffer; it shares ownership of it (as Rest::Router does).
    std::shared_ptr<char> text(new char[path.size() + 1], std::default_delete<char[]>());
    std::memcpy(text.get(), path.c_str(), path.size() + 1);
    auto& tree = table->trees_[route.method];
    try {
      tree.addRoute(std::string_view(text.get(), path.size()), RouteIndex{table->routes_.size()}, text);
    } catch (const std::exception& e) {
      return make_error(ErrorCode::invalid_request, "route " + where + ": " + e.what());
    }
    auto compiled = std::make_unique<CompiledRoute>();
    compiled->stats = std::make_unique<RouteStats>(route.name, route.method);
    compiled->route = std::move(route);
    table->routes_.push_back(std::move(compiled));
  }
  for (const auto& method : methods)
    table->unmatched_.emplace(method, std::make_unique<RouteStats>("unmatched", method));
  table->unmatched_.emplace("OTHER", std::make_unique<RouteStats>("unmatched", "OTHER"));
  return table;
}

RouteMatch RouteTable::find(std::string_view method, std::string_view path) const {
  RouteMatch match;
  if (path.empty() || path.front() != '/') return match;  // asterisk- or absolute-form: nothing here
  const std::string normalized = normalize_path(path);
  const std::string_view view(normalized);

  auto lookup = [&view](const Pistache::Rest::SegmentTreeNode& tree) { return tree.findRoute(view); };
  if (auto it = trees_.find(method); it != trees_.end()) {
    auto [route, params, splats] = lookup(it->second);
    if (route != nullptr) {
      const auto* index = route->handler_.target<RouteIndex>();
      if (index != nullptr && index->index < routes_.size()) {
        match.route = routes_[index->index].get();
        for (const auto& p : params) {
          std::string name = p.name();
          if (!name.empty() && name.front() == ':') name.erase(0, 1);
          match.params[name] = percent_decode(p.as<std::string>());
        }
        return match;
      }
    }
  }
  // RFC 9110 9.3.2: HEAD is GET without the content; the dispatcher leaves the body out.
  if (method == "HEAD") {
    if (auto get = find("GET", path); get.route != nullptr) return get;
  }
  for (const auto& [other, tree] : trees_) {
    if (other == method) continue;
    if (std::get<0>(lookup(tree)) != nullptr) match.allowed.push_back(other);
  }
  const auto has = [&match](std::string_view m) {
    return std::find(match.allowed.begin(), match.allowed.end(), m) != match.allowed.end();
  };
  if (has("GET") && !has("HEAD"))
    match.allowed.insert(std::find(match.allowed.begin(), match.allowed.end(), "GET") + 1, "HEAD");
  return match;
}

RouteStats& RouteTable::unmatched(std::string_view method) const {
  auto it = unmatched_.find(method);
  if (it == unmatched_.end()) it = unmatched_.find(std::string_view("OTHER"));
  return *it->second;
}

bool RouteTable::needs_authentication() const noexcept {
  return std::any_of(routes_.begin(), routes_.end(), [](const auto& r) { return r->route.access != Access::anyone; });
}

}  // namespace firma::api::detail
