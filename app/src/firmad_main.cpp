// firmad: the Firma server. Reads the configuration, opens the HSM and the database, serves the API.
#include <signal.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "api/http/server.h"
#include "api/rest/system_routes.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/random.h"
#include "embedded.h"
#include "identity/operators.h"
#include "services.h"
#include "settings.h"

extern char** environ;

namespace firma::app {
namespace {

constexpr std::string_view kUsage =
    "usage: firmad [--data-dir DIR] [--listen HOST:PORT] [--config FILE] [--set KEY=VALUE]...\n"
    "\n"
    "Starts the Firma signing service. With no configuration it keeps everything under DIR\n"
    "(default ./var): a SoftHSM2 token, an SQLite database and the operator token.\n"
    "Settings are read in this order, later ones winning: FILE, FIRMA_* environment variables, flags.\n";

int fail(std::string_view message) {
  std::fprintf(stderr, "firmad: %.*s\n", static_cast<int>(message.size()), message.data());
  return 1;
}

// Flags: the two everyday ones, a config file, and --set for any key.
Result<Settings> load_configuration(int argc, char** argv) {
  Settings settings;
  std::vector<std::pair<std::string, std::string>> flags;
  std::string config_file;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view flag) -> Result<std::string> {
      if (i + 1 >= argc) return make_error(ErrorCode::invalid_request, std::string(flag) + " needs a value");
      return std::string(argv[++i]);
    };
    if (arg == "--help" || arg == "-h") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      std::exit(0);
    } else if (arg == "--data-dir" || arg == "--listen" || arg == "--config" || arg == "--set") {
      auto v = value(arg);
      if (!v) return std::move(v).error();
      if (arg == "--config") {
        config_file = *v;
      } else if (arg == "--set") {
        auto eq = v->find('=');
        if (eq == std::string::npos) return make_error(ErrorCode::invalid_request, "--set expects KEY=VALUE");
        flags.emplace_back(v->substr(0, eq), v->substr(eq + 1));
      } else {
        flags.emplace_back(arg == "--data-dir" ? "data_dir" : "server.listen", *v);
      }
    } else {
      return make_error(ErrorCode::invalid_request, "unknown argument '" + std::string(arg) + "' (see --help)");
    }
  }
  const config::Registry registry = settings_registry(settings);
  if (!config_file.empty())
    if (Status s = registry.read_file(config_file); !s) return std::move(s).error();
  if (Status s = registry.read_environment(environ); !s) return std::move(s).error();
  for (const auto& [key, value] : flags)
    if (Status s = registry.set(key, value); !s) return std::move(s).error();
  return settings;
}

// The OpenAPI document served at /openapi.yaml; firmad starts without it, with a warning.
std::string openapi_document() {
  std::error_code ec;
  auto exe = std::filesystem::canonical("/proc/self/exe", ec);
  auto document = api::load_openapi(api::openapi_candidates(exe.parent_path()));
  if (document) return *document;
  log::warn("openapi.missing", {{"detail", document.error().message}});
  return {};
}

int run(int argc, char** argv) {
  auto config = load_configuration(argc, argv);
  if (!config) return fail(config.error().message);
  log::Level level{};
  log::parse_level(config->log_level, level);
  log::set_level(level);

  // SIGINT/SIGTERM are taken by sigwait below; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  SystemClock clock;
  SystemRandom random;
  const std::filesystem::path data_dir(config->data_dir);
  if (Status s = prepare_data_dir(data_dir); !s) return fail(s.error().message);

  auto services = Services::start(*config, clock, random);
  if (!services) return fail(services.error().message);
  Services& firma = **services;

  auto admin = firma.operators().bootstrap_admin();
  if (!admin) return fail("operators: " + admin.error().message);
  if (admin->has_value()) {
    const auto token_file = data_dir / "secrets" / "operator-token";
    if (Status s = keep_aside(token_file, clock); !s) return fail(s.error().message);
    if (Status s = write_secret_file(token_file, (*admin)->token); !s) return fail(s.error().message);
    std::printf("Administrator operator token (shown once, kept in %s):\n  %.*s\n", token_file.c_str(),
                static_cast<int>((*admin)->token.size()), (*admin)->token.reveal().data());
  }

  api::ServerOptions options = api::server_options(config->server);
  options.error_dialects = firma.error_dialects();
  api::Server server(std::move(options), firma.routes(openapi_document()), firma.authenticator());
  if (Status s = server.start(); !s) return fail(s.error().message);

  // Upkeep every pki.maintenance_interval_seconds until shutdown.
  std::mutex upkeep_mutex;
  std::condition_variable upkeep_wake;
  bool stopping = false;
  std::thread upkeep([&] {
    std::unique_lock lock(upkeep_mutex);
    const auto interval = std::chrono::seconds(config->pki.maintenance_interval_seconds);
    while (!upkeep_wake.wait_for(lock, interval, [&] { return stopping; })) {
      lock.unlock();
      firma.maintain();
      lock.lock();
    }
  });

  const std::string host = config->server.listen.substr(0, config->server.listen.rfind(':'));
  std::printf("firmad listening on %s://%s:%u (data in %s)\n", config->server.tls_cert.empty() ? "http" : "https",
              host.c_str(), static_cast<unsigned>(server.port()), std::filesystem::absolute(data_dir).c_str());
  std::fflush(stdout);
  log::info("firmad.started", {{"listen", config->server.listen}, {"data_dir", config->data_dir}});

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log::info("firmad.stopping", {{"signal", signal_number}});
  server.shutdown();
  {
    std::lock_guard lock(upkeep_mutex);
    stopping = true;
  }
  upkeep_wake.notify_all();
  upkeep.join();
  return 0;
}

}  // namespace
}  // namespace firma::app

int main(int argc, char** argv) {
  try {
    return firma::app::run(argc, argv);
  } catch (const std::exception& e) {
    // Anticipated failures are Result values; this is the last line of defence against a crash.
    std::fprintf(stderr, "firmad: unexpected error: %s\n", e.what());
    return 1;
  }
}
