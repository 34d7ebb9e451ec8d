// libFuzzer target: the HTTP/1.x framing (api/http/src/request_reader.cpp) over arbitrary bytes as a connection's
// input, then what the dispatcher does with each request before a handler runs: route lookup in the route
// table (Pistache's segment trees) with its path parameters, and the query's percent-decoding.
//
// The same bytes are fed twice, at once and one byte at a time: a request must frame the same however the
// network splits it (a difference is a bug, and a trap here).
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/http.h"
#include "request_reader.h"
#include "route_table.h"

namespace {

using firma::api::detail::ParsedRequest;
using firma::api::detail::RequestReader;

// Small limits, so that short inputs reach the refusals too.
constexpr std::size_t kMaxHead = 2048;
constexpr std::size_t kMaxBody = 4096;

// The server's own patterns (api/rest/src/*_routes.cpp, api/web/src/*_pages.cpp).
const firma::api::detail::RouteTable& routes() {
  static const auto table = [] {
    const std::vector<std::pair<const char*, const char*>> patterns = {
        {"GET", "/healthz"},
        {"GET", "/readyz"},
        {"GET", "/metrics"},
        {"GET", "/openapi.yaml"},
        {"GET", "/pki/ca.cer"},
        {"GET", "/pki/crl"},
        {"GET", "/pki/ocsp/:request"},
        {"POST", "/pki/ocsp"},
        {"GET", "/v1/admin/audit"},
        {"GET", "/v1/admin/certificates"},
        {"POST", "/v1/admin/certificates/:serial/revoke"},
        {"POST", "/v1/admin/citizens"},
        {"GET", "/v1/admin/citizens/:nif"},
        {"POST", "/v1/admin/citizens/:nif/activation-code"},
        {"POST", "/v1/admin/citizens/:nif/certificate"},
        {"POST", "/v1/citizens/activation"},
        {"POST", "/v1/citizens/activation/complete"},
        {"POST", "/v1/transactions"},
        {"GET", "/v1/transactions/:id"},
        {"DELETE", "/v1/transactions/:id"},
        {"GET", "/v1/transactions/:id/summary"},
        {"POST", "/v1/transactions/:id/authenticate"},
        {"POST", "/v1/transactions/:id/confirm"},
        {"GET", "/sign/:id"},
        {"POST", "/sign/:id/confirm"},
        {"GET", "/static/firma.css"},
    };
    std::vector<firma::api::Route> list;
    for (const auto& [method, pattern] : patterns)
      list.push_back({method,
                      pattern,
                      firma::api::Access::anyone,
                      {},
                      [](const firma::api::Request&) { return firma::api::Response{}; },
                      ""});
    auto built = firma::api::detail::RouteTable::build(std::move(list));
    if (!built) std::abort();
    return std::move(*built);
  }();
  return *table;
}

// What the dispatcher reads from a framed request before it calls a handler.
void route(const ParsedRequest& request) {
  const auto match = routes().find(request.method, request.path);
  if (match.route == nullptr && !match.params.empty()) std::abort();
  std::string_view query(request.query);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    (void)firma::api::percent_decode(pair.substr(0, eq));
    if (eq != std::string_view::npos) (void)firma::api::percent_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

// One outcome per request, as text: what a difference between two feedings is judged on.
std::string describe(RequestReader& reader, RequestReader::State state) {
  if (state == RequestReader::State::refused)
    return "refused " + std::to_string(reader.refusal().status) + " " + reader.refusal().error.message;
  ParsedRequest r = reader.take();
  route(r);
  std::string out =
      r.method + " " + r.path + "?" + r.query + (r.http11 ? " 1.1" : " 1.0") + (r.keep_alive ? " keep" : " close");
  for (const auto& [name, value] : r.headers) out += "\n" + name + ": " + value;
  return out + "\n\n" + r.body;
}

// Feeds `input` in pieces of `step` bytes (0: all at once); the outcomes of the requests it frames.
std::vector<std::string> frame(std::string_view input, std::size_t step) {
  RequestReader reader(kMaxHead, kMaxBody);
  std::vector<std::string> outcomes;
  std::size_t offset = 0;
  while (offset < input.size()) {
    const std::size_t piece = step == 0 ? input.size() - offset : std::min(step, input.size() - offset);
    std::string_view chunk = input.substr(offset, piece);
    offset += piece;
    while (!chunk.empty()) {
      const auto state = reader.feed(chunk);
      if (state == RequestReader::State::need_more) {
        if (!chunk.empty()) std::abort();  // need_more consumes everything it was given
        (void)reader.take_continue();
        break;
      }
      outcomes.push_back(describe(reader, state));
      if (state == RequestReader::State::refused) return outcomes;  // the connection is beyond repair
    }
  }
  outcomes.push_back(reader.in_progress() ? "incomplete" : "idle");
  return outcomes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto whole = frame(input, 0);
  const auto bytewise = frame(input, 1);
  if (whole != bytewise) std::abort();
  return 0;
}
