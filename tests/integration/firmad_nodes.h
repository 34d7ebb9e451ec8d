// firmad processes for the multi-node tests: start one (or one more on the first's token), call its API, read
// the administrator token and the SMS codes it sent.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/sms_code.h"

namespace firma::testing {

struct NodeReply {
  int status = 0;  // 0: no answer (connection refused, reset, timed out)
  nlohmann::json body;
  std::string raw;
};

// One firmad process; restart() starts it again with the same arguments (a new port). call() may be used from
// any thread, the rest from the one that owns the node.
class FirmadNode {
 public:
  FirmadNode(std::vector<std::string> args, std::map<std::string, std::string> env = {})
      : args_(std::move(args)), env_(std::move(env)) {
    start();
  }

  bool start() {
    // The multi-node tests read SMS codes from the outbox on their private PostgreSQL: the risk is named.
    std::vector<std::string> all = {"--listen", "127.0.0.1:0", "--set",
                                    "sms.outbox_on_shared_database=i-understand-operators-can-read-codes"};
    all.insert(all.end(), args_.begin(), args_.end());
    process_ = std::make_unique<Process>(FIRMAD_PATH, all, env_);
    port_ =
        process_->wait_for_output("listening on", std::chrono::seconds(120)) ? listening_port(process_->output()) : 0;
    return port_ != 0;
  }
  bool restart() {
    port_ = 0;
    process_.reset();
    return start();
  }

  NodeReply call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
                 const std::string& bearer = "", int read_timeout_seconds = 60) const {
    const int port = port_;
    if (port == 0) return {};
    httplib::Client c("127.0.0.1", port);
    c.set_tcp_nodelay(true);
    c.set_connection_timeout(5);
    c.set_read_timeout(read_timeout_seconds);
    httplib::Headers h;
    if (!bearer.empty()) h.emplace("Authorization", "Bearer " + bearer);
    auto r = method == "GET"      ? c.Get(path, h)
             : method == "DELETE" ? c.Delete(path, h)
                                  : c.Post(path, h, body.dump(), "application/json");
    if (!r) return {};
    return {r->status, nlohmann::json::parse(r->body, nullptr, false), r->body};
  }

  // The administrator token firmad prints on its first start.
  std::string admin_token() {
    const std::string& out = process_->output();
    const auto at = out.find("fop_");
    return at == std::string::npos ? std::string() : out.substr(at, 68);
  }

  int port() const { return port_; }
  Process& process() { return *process_; }

 private:
  std::vector<std::string> args_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<Process> process_;
  std::atomic<int> port_ = 0;
};

// An operator of `node` that may read the SMS outbox (role sms_outbox_reader), made by the administrator; empty
// when it could not be made.
inline std::string make_outbox_reader(const FirmadNode& node, const std::string& admin) {
  auto made =
      node.call("POST", "/v1/admin/operators", {{"name", "outbox reader"}, {"roles", {"sms_outbox_reader"}}}, admin);
  return made.status == 201 ? made.body.value("token", "") : std::string();
}

// The arguments that put a second node on the first one's token (as nodes share a network HSM), and its env.
inline std::vector<std::string> shared_token_args(const std::string& first_data_dir) {
  return {"--set", "hsm.module=" FIRMA_SOFTHSM_MODULE, "--set",
          "hsm.pin_file=" + first_data_dir + "/secrets/hsm-user-pin"};
}
inline std::map<std::string, std::string> shared_token_env(const std::string& first_data_dir) {
  return {{"SOFTHSM2_CONF", first_data_dir + "/hsm/softhsm2.conf"}};
}

// The code of the first message in the outbox answer not seen before.
inline std::string otp_in(const nlohmann::json& outbox, std::set<std::string>& seen) {
  for (const auto& m : outbox["messages"]) {
    const std::string text = m["text"];
    if (seen.insert(text).second) return code_in(text);
  }
  return {};
}

}  // namespace firma::testing
