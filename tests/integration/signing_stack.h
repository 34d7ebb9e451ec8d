// The whole service in-process on 127.0.0.1 (port 0) with an injected clock, and an HTTP client for it.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "api/http/server.h"
#include "core/clock.h"
#include "core/random.h"
#include "services.h"
#include "support/temp_dir.h"

namespace firma::testing {

struct Reply {
  int status = 0;
  nlohmann::json body;
  std::string raw;
  std::string retry_after;  // the Retry-After header, when there is one
};

class SigningStack {
 public:
  // database_url empty: the embedded SQLite database. Argon2 runs with small parameters; `configure` may
  // change the rest of the configuration before the services start.
  explicit SigningStack(const std::string& database_url = "",
                        const std::function<void(app::Settings&)>& configure = {});
  ~SigningStack();

  // Stops the server and the services and starts them again on the same data directory, database and clock,
  // as a restart of firmad would (the port changes); `reconfigure`, if given, changes the settings first.
  void restart(const std::function<void(app::Settings&)>& reconfigure = {});

  Reply get(const std::string& path, const std::string& bearer = "");
  Reply post(const std::string& path, const nlohmann::json& body, const std::string& bearer = "");
  Reply del(const std::string& path, const std::string& bearer = "");

  // Registers an application allowed every format under https://sede.example.gob.es/; returns its API key.
  std::string register_application(const std::string& name);
  // Registers and activates a citizen over HTTP (the OTP read from the SMS outbox).
  void make_citizen(const std::string& nif, const std::string& mobile, const std::string& password,
                    const std::string& level = "advanced");
  // The code in the newest SMS to `mobile`.
  std::string last_otp(const std::string& mobile);

  ManualClock& clock() { return clock_; }
  // The server's port, for a client that sends its own headers.
  std::uint16_t port() const { return server_->port(); }
  app::Services& services() { return *services_; }
  const std::string& admin_token() const { return admin_; }
  // An operator with the sms_outbox_reader role only (the administrator does not read the outbox).
  const std::string& outbox_token() const { return outbox_reader_; }
  const TempDir& dir() const { return dir_; }
  std::string ca_pem_path();

 private:
  Reply send(const std::string& method, const std::string& path, const std::string& body, const std::string& bearer);
  void start_services();

  app::Settings config_;

  TempDir dir_;
  ManualClock clock_;
  SystemRandom random_;
  std::unique_ptr<app::Services> services_;
  std::unique_ptr<api::Server> server_;
  std::string admin_;
  std::string outbox_reader_;
  std::set<std::string> seen_sms_;
};

}  // namespace firma::testing
