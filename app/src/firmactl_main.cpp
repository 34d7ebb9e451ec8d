// firmactl: the operator's command line, an HTTP client of the admin API.
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage =
    "usage: firmactl [--url URL] [--token TOKEN | --token-file FILE] [--json] COMMAND [ARGS]\n"
    "\n"
    "Options (also from FIRMA_URL, FIRMA_TOKEN, FIRMA_TOKEN_FILE):\n"
    "  --url URL          the firmad base URL (default http://127.0.0.1:8080)\n"
    "  --token TOKEN      operator bearer token\n"
    "  --token-file FILE  file holding it (default: var/secrets/operator-token when present)\n"
    "  --json             print the server's JSON answer instead of text\n"
    "\n"
    "Commands:\n"
    "  status             liveness and readiness of the server\n";

struct Options {
  std::string url = "http://127.0.0.1:8080";
  std::string token;
  bool json = false;
  std::vector<std::string> args;
};

struct Reply {
  int status = 0;
  std::string body;
};

int fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "firmactl: %s\n", message.c_str());
  return code;
}

std::optional<std::string> read_first_line(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string line;
  std::getline(in, line);
  return line;
}

class Client {
 public:
  explicit Client(const Options& o) : http_(o.url), token_(o.token) {
    http_.set_tcp_nodelay(true);
    http_.set_connection_timeout(5);
    http_.set_read_timeout(60);
  }

  std::optional<Reply> get(const std::string& path) {
    auto r = http_.Get(path, headers());
    if (!r) return std::nullopt;
    return Reply{r->status, r->body};
  }

 private:
  httplib::Headers headers() const {
    httplib::Headers h;
    if (!token_.empty()) h.emplace("Authorization", "Bearer " + token_);
    return h;
  }
  httplib::Client http_;
  std::string token_;
};

// A problem+json answer as one line: "<code>: <detail>".
std::string problem_line(const Reply& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("code"))
    return j.value("code", "") + ": " + j.value("detail", j.value("title", ""));
  return "HTTP " + std::to_string(r.status);
}

int status_command(Client& client, const Options& o) {
  auto health = client.get("/healthz");
  if (!health) return fail("cannot reach " + o.url, 2);
  auto ready = client.get("/readyz");
  if (!ready) return fail("cannot reach " + o.url, 2);
  if (o.json) {
    std::printf("%s\n", ready->body.c_str());
  } else {
    std::printf("alive: %s\nready: %s\n", health->status == 200 ? "yes" : "no",
                ready->status == 200 ? "yes" : problem_line(*ready).c_str());
  }
  return ready->status == 200 ? 0 : 3;
}

std::optional<Options> parse(int argc, char** argv, std::string& error) {
  Options o;
  if (const char* v = std::getenv("FIRMA_URL")) o.url = v;
  std::string token_file = "var/secrets/operator-token";
  if (const char* v = std::getenv("FIRMA_TOKEN_FILE")) token_file = v;
  if (const char* v = std::getenv("FIRMA_TOKEN")) o.token = v;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    if (a == "--url" || a == "--token" || a == "--token-file") {
      auto v = next();
      if (!v) {
        error = a + " needs a value";
        return std::nullopt;
      }
      (a == "--url" ? o.url : a == "--token" ? o.token : token_file) = *v;
    } else if (a == "--json") {
      o.json = true;
    } else {
      o.args.push_back(a);
    }
  }
  if (o.token.empty())
    if (auto t = read_first_line(token_file)) o.token = *t;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto options = parse(argc, argv, error);
  if (!options) return fail(error);
  if (options->args.empty() || options->args[0] == "--help" || options->args[0] == "help") {
    std::fputs(kUsage, options->args.empty() ? stderr : stdout);
    return options->args.empty() ? 1 : 0;
  }
  Client client(*options);
  const std::map<std::string, std::function<int(Client&, const Options&)>> commands = {
      {"status", status_command},
  };
  auto it = commands.find(options->args[0]);
  if (it == commands.end()) return fail("unknown command '" + options->args[0] + "' (see --help)");
  return it->second(client, *options);
}
