// /healthz, /readyz, /metrics and /openapi.yaml, and finding the OpenAPI document on disk.
#include "api/rest/system_routes.h"

#include <fstream>
#include <memory>
#include <sstream>

#include "core/log.h"
#include "core/metrics.h"

namespace firma::api {

std::vector<Route> system_routes(std::vector<ReadinessProbe> probes, std::string openapi_yaml) {
  auto shared_probes = std::make_shared<const std::vector<ReadinessProbe>>(std::move(probes));
  auto document = std::make_shared<const std::string>(std::move(openapi_yaml));
  std::vector<Route> routes;

  routes.push_back({"GET",
                    "/healthz",
                    Access::anyone,
                    {},
                    [](const Request&) {
                      return json_response(200, {{"status", "ok"}});
                    },
                    "healthz"});

  routes.push_back({"GET",
                    "/readyz",
                    Access::anyone,
                    {},
                    [shared_probes](const Request&) {
                      nlohmann::json checks = nlohmann::json::object();
                      std::string failing;
                      for (const auto& probe : *shared_probes) {
                        Status status = make_error(ErrorCode::internal, "no check");
                        try {
                          if (probe.check) status = probe.check();
                        } catch (const std::exception& e) {
                          status = make_error(ErrorCode::internal, e.what());
                        } catch (...) {
                          status = make_error(ErrorCode::internal, "unknown exception");
                        }
                        if (status.ok()) {
                          checks[probe.name] = "ok";
                          continue;
                        }
                        checks[probe.name] = "failing";
                        failing += (failing.empty() ? "" : ", ") + probe.name;
                        // The reason goes to the log only: it may name hosts or paths.
                        log::warn("readiness_probe_failed", {{"probe", probe.name}, {"error", status.error().message}});
                      }
                      if (failing.empty()) return json_response(200, {{"status", "ready"}, {"checks", checks}});
                      auto body = problem_body(make_error(ErrorCode::unavailable, "not ready: " + failing));
                      body["checks"] = checks;
                      Response r = json_response(http_status(ErrorCode::unavailable), body);
                      r.content_type = std::string(kProblemJson);
                      return r;
                    },
                    "readyz"});

  routes.push_back({"GET",
                    "/metrics",
                    Access::anyone,
                    {},
                    [](const Request&) {
                      return text_response(200, metrics::render_prometheus(),
                                           "text/plain; version=0.0.4; charset=utf-8");
                    },
                    "metrics"});

  routes.push_back({"GET",
                    "/openapi.yaml",
                    Access::anyone,
                    {},
                    [document](const Request&) { return text_response(200, *document, "application/yaml"); },
                    "openapi"});
  return routes;
}

Result<std::string> load_openapi(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::not_found, "cannot read OpenAPI document " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return make_error(ErrorCode::internal, "cannot read OpenAPI document " + path.string());
  return text.str();
}

Result<std::string> load_openapi(const std::vector<std::filesystem::path>& candidates) {
  std::string tried;
  for (const auto& path : candidates) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) {
      auto text = load_openapi(path);
      if (text) return text;
    }
    tried += (tried.empty() ? "" : ", ") + path.string();
  }
  return make_error(ErrorCode::not_found, "OpenAPI document not found (looked in: " + tried + ")");
}

std::vector<std::filesystem::path> openapi_candidates(const std::filesystem::path& executable_dir) {
  return {executable_dir / "openapi.yaml", executable_dir / ".." / "share" / "firma" / "openapi.yaml",
          std::filesystem::path(FIRMA_API_SOURCE_DIR) / "docs" / "openapi.yaml"};
}

}  // namespace firma::api
