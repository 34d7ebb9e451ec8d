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

#include "core/percent_encoding.h"

namespace {

using firma::percent_encode;

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
    "                     the messages the outbox SMS gateway holds (the embedded default); needs an operator\n"
    "                     with the sms_outbox_reader role (--token)\n"
    "  citizens certificate NIF [--algorithm ec-p256|ec-p384|rsa-2048|rsa-3072]\n"
    "                     issue a certificate (key pair generated in the HSM); prints the serial and the PEM\n"
    "  certificates list [--nif NIF] [--limit N]\n"
    "                     certificates, newest first, with their status\n"
    "  certificates revoke SERIAL --reason REASON\n"
    "                     revoke (RFC 5280 reason: unspecified, key_compromise, affiliation_changed,\n"
    "                     superseded, cessation_of_operation, privilege_withdrawn)\n"
    "  keys list          the private keys on the HSM token, with owner and flags\n"
    "  kek list           the key-encryption keys of wrapped custody, their state and how many keys each wraps\n"
    "  kek rotate         a new key-encryption key; firmad rewraps every key under it, then destroys the old one\n"
    "  audit show [--after SEQ] [--limit N]\n"
    "                     audit events after a sequence number\n"
    "  audit verify [--checkpoints FILE]\n"
    "                     seal what has committed, then walk the audit chain against its signed checkpoints\n"
    "                     (and those kept in FILE); exit status 3 when it is broken\n"
    "  audit checkpoints [--after SEQ]\n"
    "                     the signed checkpoints and the audit certificates as one JSON document: keep it off\n"
    "                     the database (firmactl audit checkpoints > kept.json) and verify against it later\n"
    "  operators create NAME --roles ROLE[,ROLE...]\n"
    "                     a new operator (roles: admin, registrar, pki_officer, auditor, sms_outbox_reader);\n"
    "                     the token is shown once\n"
    "  operators list     the operators and their roles\n"
    "\n"
    "COMMAND --help prints the usage of one command. Exit status: 0 done, 1 refused or wrong usage,\n"
    "2 the server cannot be reached, 3 a check failed (status, audit verify).\n";

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
  if (j.is_object() && j.contains("code")) return j.value("code", "") + ": " + j.value("detail", j.value("title", ""));
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
    auto flags =
        flags_of(o, 2, {"--nif", "--given-name", "--surname1", "--surname2", "--email", "--mobile", "--level"}, error);
    if (!flags) return fail("citizens register: " + error);
    for (const char* required : {"--nif", "--given-name", "--surname1", "--email", "--mobile"})
      if (!flags->count(required)) return fail(std::string("citizens register: ") + required + " is required");
    nlohmann::json body = {{"nif", (*flags)["--nif"]},
                           {"given_name", (*flags)["--given-name"]},
                           {"surname1", (*flags)["--surname1"]},
                           {"email", (*flags)["--email"]},
                           {"mobile", (*flags)["--mobile"]},
                           {"registration_level", flags->count("--level") ? (*flags)["--level"] : "advanced"}};
    if (flags->count("--surname2")) body["surname2"] = (*flags)["--surname2"];
    return answer(client.post("/v1/admin/citizens", body.dump()), o, 201, [](const nlohmann::json& j) {
      std::printf("registered %s (%s), status %s\nactivation code (shown once): %s\n", json_text(j, "nif").c_str(),
                  json_text(j, "id").c_str(), json_text(j, "status").c_str(), json_text(j, "activation_code").c_str());
    });
  }
  if (sub == "show" && o.args.size() == 3) {
    return answer(client.get("/v1/admin/citizens/" + percent_encode(o.args[2])), o, 200, [](const nlohmann::json& j) {
      for (const char* key : {"nif", "id", "given_name", "surname1", "surname2", "email", "mobile",
                              "registration_level", "status", "failed_attempts", "password_expires_at"})
        std::printf("%-20s %s\n", key, json_text(j, key).c_str());
    });
  }
  if (sub == "activation-code" && o.args.size() == 3) {
    return answer(client.post("/v1/admin/citizens/" + percent_encode(o.args[2]) + "/activation-code", "{}"), o, 200,
                  [](const nlohmann::json& j) {
                    std::printf("activation code (shown once): %s\n", json_text(j, "activation_code").c_str());
                  });
  }
  if (sub == "certificate" && o.args.size() >= 3) {
    auto flags = flags_of(o, 3, {"--algorithm"}, error);
    if (!flags) return fail("citizens certificate: " + error);
    nlohmann::json body = nlohmann::json::object();
    if (flags->count("--algorithm")) body["algorithm"] = (*flags)["--algorithm"];
    return answer(client.post("/v1/admin/citizens/" + percent_encode(o.args[2]) + "/certificate", body.dump()), o, 201,
                  [](const nlohmann::json& j) {
                    std::printf("serial     %s\nkey        %s (%s)\nvalid      %s .. %s\n%s",
                                json_text(j, "serial").c_str(), json_text(j, "key_id").c_str(),
                                json_text(j, "algorithm").c_str(), json_text(j, "not_before").c_str(),
                                json_text(j, "not_after").c_str(), json_text(j, "certificate").c_str());
                  });
  }
  return fail("usage: firmactl citizens register ... | show NIF | activation-code NIF | certificate NIF (see --help)");
}

int sms_command(Client& client, const Options& o) {
  std::string error;
  if (o.args.size() < 2 || o.args[1] != "outbox") return fail("usage: firmactl sms outbox [--to MOBILE]");
  auto flags = flags_of(o, 2, {"--to"}, error);
  if (!flags) return fail("sms outbox: " + error);
  std::string path = "/v1/admin/sms/outbox";
  if (flags->count("--to")) path += "?to=" + percent_encode((*flags)["--to"]);
  return answer(client.get(path), o, 200, [](const nlohmann::json& j) {
    for (const auto& m : j.value("messages", nlohmann::json::array()))
      std::printf("%s  %s  %s\n", json_text(m, "at").c_str(), json_text(m, "to").c_str(), json_text(m, "text").c_str());
  });
}

// --- PKI, keys, audit and operators

int certificates_command(Client& client, const Options& o) {
  const std::string sub = o.args.size() > 1 ? o.args[1] : "";
  std::string error;
  if (sub == "list") {
    auto flags = flags_of(o, 2, {"--nif", "--limit"}, error);
    if (!flags) return fail("certificates list: " + error);
    std::string query;
    if (flags->count("--nif")) query += "nif=" + percent_encode((*flags)["--nif"]);
    if (flags->count("--limit"))
      query += std::string(query.empty() ? "" : "&") + "limit=" + percent_encode((*flags)["--limit"]);
    return answer(client.get("/v1/admin/certificates" + (query.empty() ? "" : "?" + query)), o, 200,
                  [](const nlohmann::json& j) {
                    std::printf("%-34s %-8s %-21s %-10s %s\n", "SERIAL", "STATUS", "NOT AFTER", "NIF", "SUBJECT");
                    for (const auto& c : j.value("certificates", nlohmann::json::array()))
                      std::printf("%-34s %-8s %-21s %-10s %s\n", json_text(c, "serial").c_str(),
                                  json_text(c, "status").c_str(), json_text(c, "not_after").c_str(),
                                  json_text(c, "nif").c_str(), json_text(c, "subject").c_str());
                  });
  }
  if (sub == "revoke" && o.args.size() >= 3) {
    auto flags = flags_of(o, 3, {"--reason"}, error);
    if (!flags) return fail("certificates revoke: " + error);
    if (!flags->count("--reason")) return fail("certificates revoke: --reason is required");
    const nlohmann::json body = {{"reason", (*flags)["--reason"]}};
    return answer(client.post("/v1/admin/certificates/" + percent_encode(o.args[2]) + "/revoke", body.dump()), o, 200,
                  [](const nlohmann::json& j) {
                    std::printf("revoked %s at %s (%s)\n", json_text(j, "serial").c_str(),
                                json_text(j, "revoked_at").c_str(), json_text(j, "reason").c_str());
                  });
  }
  return fail("usage: firmactl certificates list [--nif NIF] [--limit N] | revoke SERIAL --reason REASON (see --help)");
}

int keys_command(Client& client, const Options& o) {
  if (o.args.size() != 2 || o.args[1] != "list") return fail("usage: firmactl keys list");
  return answer(client.get("/v1/admin/keys"), o, 200, [](const nlohmann::json& j) {
    std::printf("%-38s %-10s %-12s %-9s %-21s %s\n", "KEY ID", "OWNER", "PURPOSE", "ALGORITHM", "CREATED", "FLAGS");
    for (const auto& k : j.value("keys", nlohmann::json::array())) {
      std::string flags = k.value("sensitive", false) ? "sensitive" : "NOT-SENSITIVE";
      flags += k.value("extractable", true) ? ",EXTRACTABLE" : ",never-extractable";
      if (k.value("has_certificate", false)) flags += ",certificate";
      std::printf("%-38s %-10s %-12s %-9s %-21s %s\n", json_text(k, "key_id").c_str(), json_text(k, "owner").c_str(),
                  json_text(k, "purpose").c_str(), json_text(k, "algorithm").c_str(),
                  json_text(k, "created_at").c_str(), flags.c_str());
    }
  });
}

int kek_command(Client& client, const Options& o) {
  const std::string sub = o.args.size() == 2 ? o.args[1] : "";
  if (sub == "list")
    return answer(client.get("/v1/admin/keks"), o, 200, [](const nlohmann::json& j) {
      std::printf("key custody: %s\n%-22s %-10s %-21s %s\n", json_text(j, "key_custody").c_str(), "KEK ID", "STATE",
                  "CREATED", "KEYS");
      for (const auto& k : j.value("keks", nlohmann::json::array()))
        std::printf("%-22s %-10s %-21s %s\n", json_text(k, "kek_id").c_str(), json_text(k, "state").c_str(),
                    json_text(k, "created_at").c_str(), json_text(k, "keys").c_str());
    });
  if (sub == "rotate")
    return answer(client.post("/v1/admin/keks/rotate", "{}"), o, 201, [](const nlohmann::json& j) {
      std::printf("new key-encryption key %s: the upkeep rewraps the keys of the one before, then destroys it\n",
                  json_text(j, "kek_id").c_str());
    });
  return fail("usage: firmactl kek list | rotate");
}

int audit_command(Client& client, const Options& o) {
  const std::string sub = o.args.size() > 1 ? o.args[1] : "";
  std::string error;
  if (sub == "show") {
    auto flags = flags_of(o, 2, {"--after", "--limit"}, error);
    if (!flags) return fail("audit show: " + error);
    std::string path = "/v1/admin/audit?after=" + percent_encode(flags->count("--after") ? (*flags)["--after"] : "0");
    if (flags->count("--limit")) path += "&limit=" + percent_encode((*flags)["--limit"]);
    return answer(client.get(path), o, 200, [](const nlohmann::json& j) {
      for (const auto& e : j.value("events", nlohmann::json::array()))
        std::printf("%6s  %s  %-24s %-26s %-40s %s\n", json_text(e, "seq").c_str(), json_text(e, "at").c_str(),
                    json_text(e, "actor").c_str(), json_text(e, "action").c_str(), json_text(e, "subject").c_str(),
                    json_text(e, "outcome").c_str());
    });
  }
  if (sub == "verify") {
    auto flags = flags_of(o, 2, {"--checkpoints"}, error);
    if (!flags) return fail("audit verify: " + error);
    std::optional<Reply> r;
    if (flags->count("--checkpoints")) {
      std::ifstream in((*flags)["--checkpoints"]);
      if (!in) return fail("audit verify: cannot read " + (*flags)["--checkpoints"]);
      const std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      r = client.post("/v1/admin/audit/verify", kept);
    } else {
      r = client.get("/v1/admin/audit/verify");
    }
    int code = answer(r, o, 200, [](const nlohmann::json& j) {
      if (j.value("ok", false))
        std::printf("ok: %s events under %s signed checkpoints, head %s; %s not sealed yet\n",
                    json_text(j, "events").c_str(), json_text(j, "checkpoints").c_str(), json_text(j, "head").c_str(),
                    json_text(j, "unsealed").c_str());
      else
        std::printf("BROKEN at seq %s (%s events verify before it): %s\n", json_text(j, "first_bad_seq").c_str(),
                    json_text(j, "events").c_str(), json_text(j, "problem").c_str());
    });
    if (code != 0) return code;
    auto body = nlohmann::json::parse(r->body, nullptr, false);
    return body.is_object() && body.value("ok", false) ? 0 : 3;
  }
  if (sub == "checkpoints") {
    auto flags = flags_of(o, 2, {"--after"}, error);
    if (!flags) return fail("audit checkpoints: " + error);
    // Every page, as one document in the shape POST /v1/admin/audit/verify takes.
    nlohmann::json all = {{"certificates", nlohmann::json::array()}, {"checkpoints", nlohmann::json::array()}};
    std::string after = flags->count("--after") ? (*flags)["--after"] : "0";
    for (;;) {
      auto r = client.get("/v1/admin/audit/checkpoints?limit=10000&after=" + percent_encode(after));
      if (!r) return fail("cannot reach " + o.url, 2);
      if (r->status != 200) return fail(problem_line(*r));
      auto page = nlohmann::json::parse(r->body, nullptr, false);
      if (!page.is_object()) return fail("audit checkpoints: the server's answer is not JSON");
      all["certificates"] = page.value("certificates", nlohmann::json::array());
      const auto checkpoints = page.value("checkpoints", nlohmann::json::array());
      for (const auto& c : checkpoints) all["checkpoints"].push_back(c);
      if (checkpoints.size() < 10000) break;
      after = json_text(checkpoints.back(), "seq");
    }
    std::printf("%s\n", all.dump(2).c_str());
    return 0;
  }
  return fail(
      "usage: firmactl audit show [--after SEQ] [--limit N] | verify [--checkpoints FILE] | checkpoints [--after "
      "SEQ] (see --help)");
}

int operators_command(Client& client, const Options& o) {
  const std::string sub = o.args.size() > 1 ? o.args[1] : "";
  std::string error;
  if (sub == "create" && o.args.size() >= 3) {
    auto flags = flags_of(o, 3, {"--roles"}, error);
    if (!flags) return fail("operators create: " + error);
    if (!flags->count("--roles")) return fail("operators create: --roles is required");
    nlohmann::json roles = nlohmann::json::array();
    const std::string& list = (*flags)["--roles"];
    for (std::size_t start = 0; start <= list.size();) {
      std::size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      if (comma > start) roles.push_back(list.substr(start, comma - start));
      start = comma + 1;
    }
    const nlohmann::json body = {{"name", o.args[2]}, {"roles", roles}};
    return answer(client.post("/v1/admin/operators", body.dump()), o, 201, [](const nlohmann::json& j) {
      std::printf("operator %s (%s), roles %s\ntoken (shown once): %s\n", json_text(j, "name").c_str(),
                  json_text(j, "id").c_str(), json_text(j, "roles").c_str(), json_text(j, "token").c_str());
    });
  }
  if (sub == "list" && o.args.size() == 2) {
    return answer(client.get("/v1/admin/operators"), o, 200, [](const nlohmann::json& j) {
      for (const auto& op : j.value("operators", nlohmann::json::array()))
        std::printf("%-34s %-20s %s\n", json_text(op, "id").c_str(), json_text(op, "name").c_str(),
                    json_text(op, "roles").c_str());
    });
  }
  return fail("usage: firmactl operators create NAME --roles ROLE[,ROLE...] | list (see --help)");
}

// COMMAND --help (or -h anywhere after it): that command's lines of the usage.
bool print_command_help(const Options& o) {
  if (o.args.size() < 2) return false;
  if (std::none_of(o.args.begin() + 1, o.args.end(), [](const std::string& a) { return a == "--help" || a == "-h"; }))
    return false;
  const std::string usage = kUsage;
  const std::string prefix = "  " + o.args[0] + " ";
  std::string out =
      "usage: firmactl [--url URL] [--token TOKEN | --token-file FILE] [--json] " + o.args[0] + " ...\n\n";
  bool in_command = false, found = false;
  for (std::size_t start = 0; start < usage.size();) {
    std::size_t end = usage.find('\n', start);
    if (end == std::string::npos) end = usage.size();
    const std::string line = usage.substr(start, end - start);
    // A command's lines: the one naming it, and the indented continuation lines under it.
    if (line.rfind(prefix, 0) == 0) {
      in_command = true;
    } else if (line.rfind("  ", 0) != 0 || line.size() < 3 || line[2] != ' ') {
      in_command = false;
    }
    if (in_command) out += line + "\n";
    found = found || in_command;
    start = end + 1;
  }
  if (!found) return false;  // an unknown command: main says so
  std::fputs(out.c_str(), stdout);
  return true;
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
  if (options->args.empty() || options->args[0] == "--help" || options->args[0] == "-h" || options->args[0] == "help") {
    std::fputs(kUsage, options->args.empty() ? stderr : stdout);
    return options->args.empty() ? 1 : 0;
  }
  if (print_command_help(*options)) return 0;
  Client client(*options);
  const std::map<std::string, std::function<int(Client&, const Options&)>> commands = {
      {"status", status_command},
      {"citizens", citizens_command},
      {"sms", sms_command},
      {"certificates", certificates_command},
      {"keys", keys_command},
      {"audit", audit_command},
      {"operators", operators_command},
      {"kek", kek_command},
  };
  auto it = commands.find(options->args[0]);
  if (it == commands.end()) return fail("unknown command '" + options->args[0] + "' (see --help)");
  return it->second(client, *options);
}
