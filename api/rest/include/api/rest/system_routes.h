// The foundation endpoints: /healthz, /readyz, /metrics and /openapi.yaml.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "api/http/routes.h"
#include "core/result.h"

namespace firma::api {

// One dependency /readyz asks (database, HSM, ...). check() answers ok or an error; its message is
// logged, never sent to the client. A check that throws counts as failing.
struct ReadinessProbe {
  std::string name;
  std::function<Status()> check;
};

// GET /healthz, /readyz, /metrics, /openapi.yaml. openapi_yaml is the document's text.
std::vector<Route> system_routes(std::vector<ReadinessProbe> probes, std::string openapi_yaml);

// Reads the OpenAPI document from the first readable file among candidates; an error line naming
// them all when none is.
Result<std::string> load_openapi(const std::vector<std::filesystem::path>& candidates);
Result<std::string> load_openapi(const std::filesystem::path& path);

// Where firmad looks for it: next to the executable (the build copies docs/openapi.yaml there),
// ../share/firma/openapi.yaml from it, then the source tree's docs/openapi.yaml.
std::vector<std::filesystem::path> openapi_candidates(const std::filesystem::path& executable_dir);

}  // namespace firma::api
