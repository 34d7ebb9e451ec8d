// firmactl: the operator's command line, an HTTP client of the admin API.
#include <httplib.h>

#include <algorithm>
#include <cctype>
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
    "  status             liveness and readiness of the server\n"
    "  citizens register --nif NIF --given-name NAME --surname1 SURNAME [--surname2 SURNAME]\n"
    "                    --email EMAIL --mobile +34600111222 [--level basic|advanced]\n"
    "                     register a citizen; prints the activation code (shown once)\n"
    "  citizens show NIF  a citizen's record\n"
    "  citizens activation-code NIF\n"
    "                     a new activation code (the old one stops working)\n"
    "  sms outbox [--to MOBILE]\n"
    "                     the messages the outbox SMS gateway holds (the embedded default)\n";

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

  std::optional<Reply> post(const std::string& path, const std::string& json_body) {
    auto r = http_.Post(path, headers(), json_body, "application/json");
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

// RFC 3986 percent-encoding of one path segment or query value.
std::string encode_component(const std::string& text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// "--name value" pairs after the sub-command; an unknown or valueless flag is an error.
std::optional<std::map<std::string, std::string>> flags_of(const Options& o, std::size_t from,
                                                           const std::vector<std::string>& known, std::string& error) {
  std::map<std::string, std::string> flags;
  for (std::size_t i = from; i < o.args.size(); ++i) {
    const std::string& a = o.args[i];
    if (std::find(known.begin(), known.end(), a) == known.end()) {
      error = "unexpected argument '" + a + "'";
      return std::nullopt;
    }
    if (i + 1 >= o.args.size()) {
      error = a + " needs a value";
      return std::nullopt;
    }
    flags[a] = o.args[++i];
  }
  return flags;
}

// Prints the answer: the JSON with --json, else `text` of the parsed body; a problem as one line on stderr.
int answer(const std::optional<Reply>& r, const Options& o, int expected,
           const std::function<void(const nlohmann::json&)>& text) {
  if (!r) return fail("cannot reach " + o.url, 2);
  if (r->status != expected) return fail(problem_line(*r));
  auto body = nlohmann::json::parse(r->body, nullptr, false);
  if (o.json || body.is_discarded()) {
    std::printf("%s\n", r->body.c_str());
  } else {
    text(body);
  }
  return 0;
}

std::string json_text(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

int citizens_command(Client& client, const Options& o) {
  const std::string sub = o.args.size() > 1 ? o.args[1] : "";
  std::string error;
  if (sub == "register") {
    auto flags = flags_of(o, 2, {"--nif", "--given-name", "--surname1", "--surname2", "--email", "--mobile", "--level"},
                          error);
    if (!flags) return fail("citizens register: " + error);
    for (const char* required : {"--nif", "--given-name", "--surname1", "--email", "--mobile"})
      if (!flags->count(required)) return fail(std::string("citizens register: ") + required + " is required");
    nlohmann::json body = {{"nif", (*flags)["--nif"]},           {"given_name", (*flags)["--given-name"]},
                           {"surname1", (*flags)["--surname1"]}, {"email", (*flags)["--email"]},
                           {"mobile", (*flags)["--mobile"]},
                           {"registration_level", flags->count("--level") ? (*flags)["--level"] : "advanced"}};
    if (flags->count("--surname2")) body["surname2"] = (*flags)["--surname2"];
    return answer(client.post("/v1/admin/citizens", body.dump()), o, 201, [](const nlohmann::json& j) {
      std::printf("registered %s (%s), status %s\nactivation code (shown once): %s\n", json_text(j, "nif").c_str(),
                  json_text(j, "id").c_str(), json_text(j, "status").c_str(), json_text(j, "activation_code").c_str());
    });
  }
  if (sub == "show" && o.args.size() == 3) {
    return answer(client.get("/v1/admin/citizens/" + encode_component(o.args[2])), o, 200, [](const nlohmann::json& j) {
      for (const char* key : {"nif", "id", "given_name", "surname1", "surname2", "email", "mobile", "registration_level",
                              "status", "failed_attempts", "password_expires_at"})
        std::printf("%-20s %s\n", key, json_text(j, key).c_str());
    });
  }
  if (sub == "activation-code" && o.args.size() == 3) {
    return answer(client.post("/v1/admin/citizens/" + encode_component(o.args[2]) + "/activation-code", "{}"), o, 200,
                  [](const nlohmann::json& j) {
                    std::printf("activation code (shown once): %s\n", json_text(j, "activation_code").c_str());
                  });
  }
  return fail("usage: firmactl citizens register ... | show NIF | activation-code NIF (see --help)");
}

int sms_command(Client& client, const Options& o) {
  std::string error;
  if (o.args.size() < 2 || o.args[1] != "outbox") return fail("usage: firmactl sms outbox [--to MOBILE]");
  auto flags = flags_of(o, 2, {"--to"}, error);
  if (!flags) return fail("sms outbox: " + error);
  std::string path = "/v1/admin/sms/outbox";
  if (flags->count("--to")) path += "?to=" + encode_component((*flags)["--to"]);
  return answer(client.get(path), o, 200, [](const nlohmann::json& j) {
    for (const auto& m : j.value("messages", nlohmann::json::array()))
      std::printf("%s  %s  %s\n", json_text(m, "at").c_str(), json_text(m, "to").c_str(), json_text(m, "text").c_str());
  });
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
      {"citizens", citizens_command},
      {"sms", sms_command},
  };
  auto it = commands.find(options->args[0]);
  if (it == commands.end()) return fail("unknown command '" + options->args[0] + "' (see --help)");
  return it->second(client, *options);
}
