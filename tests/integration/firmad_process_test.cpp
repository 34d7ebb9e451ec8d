// firmad as a process: first start initialises the data directory, a restart reuses it, and every
// start-up failure (wrong PIN, missing module, bad key, unreachable database) is one clear line.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/process.h"
#include "support/temp_dir.h"

namespace firma::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::unique_ptr<Process> start_firmad(const std::vector<std::string>& extra,
                                      const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> args = {"--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<Process>(FIRMAD_PATH, args, env);
}

httplib::Client client(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_tcp_nodelay(true);
  c.set_connection_timeout(5);
  c.set_read_timeout(30);
  return c;
}

int mode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

// What firmad said for people: every line that is not a JSON log record. A start-up failure must be one line.
std::string single_line(Process& p) {
  std::string said;
  std::string out = p.output();
  for (std::size_t start = 0; start < out.size();) {
    std::size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    std::string line = out.substr(start, end - start);
    if (!line.empty() && line.front() != '{') said += (said.empty() ? "" : "\n") + line;
    start = end + 1;
  }
  EXPECT_EQ(said.rfind("firmad: ", 0), 0u) << out;
  return said;
}

// A start that must fail: firmad exits with status 1 and says why in one line, which is returned.
std::string refused_start(Process& firmad) {
  const auto status = firmad.wait(60s);
  EXPECT_TRUE(status.has_value()) << "firmad did not stop";
  EXPECT_EQ(status.value_or(-1), 1) << firmad.output();
  std::string line = single_line(firmad);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  return line;
}

TEST(Firmad, FirstStartInitialisesAndRestartReuses) {
  TempDir dir;
  const fs::path data = dir.path() / "var";
  std::string token;
  {
    auto firmad = start_firmad({"--data-dir", data.string()});
    ASSERT_TRUE(firmad->wait_for_output("listening on", 120s)) << firmad->output();
    std::string out = firmad->output();
    auto shown = out.find("token (shown once");
    auto at = out.find("fop_", shown);
    ASSERT_TRUE(shown != std::string::npos && at != std::string::npos) << out;
    token = out.substr(at, out.find_first_not_of("fop_0123456789abcdef", at) - at);
    ASSERT_EQ(token.size(), 4u + 64u) << out;
    auto c = client(listening_port(out));
    auto ready = c.Get("/readyz");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200) << ready->body;

    for (const char* secret : {"operator-token", "hsm-user-pin", "hsm-so-pin"}) {
      EXPECT_TRUE(fs::exists(data / "secrets" / secret)) << secret;
      EXPECT_EQ(mode_of(data / "secrets" / secret), 0600) << secret;
    }
    EXPECT_EQ(mode_of(data / "secrets"), 0700);
    EXPECT_TRUE(fs::exists(data / "firma.db"));
    EXPECT_EQ(read_file(data / "secrets" / "operator-token"), token + "\n");

    firmad->signal(SIGTERM);
    EXPECT_EQ(firmad->wait(30s), 0) << firmad->output();
  }
  {
    auto firmad = start_firmad({"--data-dir", data.string()});
    ASSERT_TRUE(firmad->wait_for_output("listening on", 60s)) << firmad->output();
    EXPECT_EQ(firmad->output().find("fop_"), std::string::npos) << "the token is printed only once";
    auto c = client(listening_port(firmad->output()));
    auto listed = c.Get("/v1/admin/operators", {{"Authorization", "Bearer " + token}});
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->status, 200) << "the first start's token still works: " << listed->body;
    auto anonymous = c.Get("/v1/admin/operators");
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);
    firmad->signal(SIGINT);
    EXPECT_EQ(firmad->wait(30s), 0);
  }
}

// Every file under secrets/, by name, with its bytes.
std::map<std::string, std::string> secrets_of(const fs::path& data) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(data / "secrets"))
    files[entry.path().filename().string()] = read_file(entry.path());
  return files;
}

std::vector<fs::path> token_directories(const fs::path& data) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(data / "hsm" / "tokens")) found.push_back(entry.path());
  return found;
}

void start_and_stop(const fs::path& data) {
  auto firmad = start_firmad({"--data-dir", data.string()});
  ASSERT_TRUE(firmad->wait_for_output("listening on", 120s)) << firmad->output();
  auto ready = client(listening_port(firmad->output())).Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  firmad->signal(SIGTERM);
  ASSERT_EQ(firmad->wait(30s), 0) << firmad->output();
}

// A start that must stop before serving: exit status 1 and one line naming the token and where it looked.
void expect_refusal(const fs::path& data, const std::string& words) {
  auto firmad = start_firmad({"--data-dir", data.string()});
  const std::string line = refused_start(*firmad);
  EXPECT_NE(line.find("'firma'"), std::string::npos) << line;
  EXPECT_NE(line.find((data / "hsm" / "tokens").string()), std::string::npos) << line;
  EXPECT_NE(line.find(words), std::string::npos) << line;
}

// The probe's critical finding: a token that could not be read made firmad write new PINs over the old ones and
// initialise another token, so the CA and every citizen key were lost. Now the secrets are never touched.
TEST(Firmad, AnUnreadableTokenNeverCostsItsSecrets) {
  TempDir dir;
  const fs::path data = dir.path() / "var";
  start_and_stop(data);
  const auto secrets = secrets_of(data);
  ASSERT_EQ(secrets.count("hsm-user-pin"), 1u);
  ASSERT_EQ(token_directories(data).size(), 1u);
  const fs::path token_object = token_directories(data).front() / "token.object";
  const std::string intact = read_file(token_object);

  write_file(token_object, "damaged");
  for (int attempt = 0; attempt < 2; ++attempt) {
    expect_refusal(data, "not initialising another");
    EXPECT_EQ(secrets_of(data), secrets) << "no secret is written, replaced or deleted";
    EXPECT_EQ(token_directories(data).size(), 1u) << "no token is initialised while its secrets exist";
  }

  const fs::path tokens = data / "hsm" / "tokens";
  fs::rename(tokens, dir.path() / "tokens-elsewhere");
  expect_refusal(data, "restore the token directory");
  EXPECT_EQ(secrets_of(data), secrets);
  EXPECT_TRUE(token_directories(data).empty());

  // Put back, the same token opens with the same PINs: nothing was lost.
  fs::remove_all(tokens);
  fs::rename(dir.path() / "tokens-elsewhere", tokens);
  write_file(token_object, intact);
  start_and_stop(data);
  EXPECT_EQ(secrets_of(data), secrets);
}

// A first start cut short after writing its PINs is finished with those PINs; a token without its PIN files is
// refused, never re-initialised.
TEST(Firmad, AFirstStartCutShortIsFinishedWithItsOwnPins) {
  TempDir dir;
  const fs::path data = dir.path() / "var";
  fs::create_directories(data / "secrets");
  fs::permissions(data / "secrets", fs::perms::owner_all, fs::perm_options::replace);
  write_file(data / "secrets" / "hsm-so-pin.pending", "5a5a5a5a5a5a5a5a\n");
  write_file(data / "secrets" / "hsm-user-pin.pending", "0123456789abcdef\n");
  start_and_stop(data);
  EXPECT_EQ(read_file(data / "secrets" / "hsm-user-pin"), "0123456789abcdef\n");
  EXPECT_EQ(read_file(data / "secrets" / "hsm-so-pin"), "5a5a5a5a5a5a5a5a\n");
  EXPECT_FALSE(fs::exists(data / "secrets" / "hsm-user-pin.pending"));

  fs::rename(data / "secrets" / "hsm-user-pin", dir.path() / "hsm-user-pin");
  expect_refusal(data, "has no user PIN file");
  EXPECT_EQ(token_directories(data).size(), 1u);
}

// A database started afresh makes a new administrator token; the old one is kept aside, never deleted.
TEST(Firmad, ANewOperatorTokenKeepsTheOldAside) {
  TempDir dir;
  const fs::path data = dir.path() / "var";
  start_and_stop(data);
  const std::string first = read_file(data / "secrets" / "operator-token");
  fs::remove(data / "firma.db");
  start_and_stop(data);
  EXPECT_NE(read_file(data / "secrets" / "operator-token"), first);
  int kept = 0;
  for (const auto& [name, content] : secrets_of(data))
    if (name.rfind("operator-token.replaced-", 0) == 0) kept += content == first;
  EXPECT_EQ(kept, 1);
}

TEST(Firmad, WrongPinIsOneClearLine) {
  TempDir dir;
  const fs::path data = dir.path() / "var";
  start_and_stop(data);
  write_file(dir.path() / "wrong-pin", "000000\n");
  auto firmad = start_firmad({"--data-dir", data.string(), "--set", "hsm.module=" FIRMA_SOFTHSM_MODULE, "--set",
                              "hsm.pin_file=" + (dir.path() / "wrong-pin").string()},
                             {{"SOFTHSM2_CONF", (data / "hsm" / "softhsm2.conf").string()}});
  auto status = firmad->wait(60s);
  ASSERT_TRUE(status);
  EXPECT_NE(*status, 0);
  std::string line = single_line(*firmad);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_NE(line.find("PIN"), std::string::npos) << line;
  EXPECT_EQ(line.find("000000"), std::string::npos) << "never print the PIN";
}

TEST(Firmad, MissingModuleIsOneClearLine) {
  TempDir dir;
  auto firmad = start_firmad({"--data-dir", (dir.path() / "var").string(), "--set",
                              "hsm.module=/nonexistent/libpkcs11.so", "--set", "hsm.pin_env=FIRMA_TEST_PIN"},
                             {{"FIRMA_TEST_PIN", "1234"}});
  const std::string line = refused_start(*firmad);
  EXPECT_NE(line.find("/nonexistent/libpkcs11.so"), std::string::npos) << line;
}

TEST(Firmad, UnknownConfigurationKeyIsOneClearLine) {
  TempDir dir;
  write_file(dir.path() / "firmad.conf", "server.listen = 127.0.0.1:0\nhsm.modlue = /x.so\n");
  auto firmad =
      start_firmad({"--data-dir", (dir.path() / "var").string(), "--config", (dir.path() / "firmad.conf").string()});
  const std::string line = refused_start(*firmad);
  EXPECT_NE(line.find("unknown configuration key 'hsm.modlue'"), std::string::npos) << line;
  EXPECT_NE(line.find(":2:"), std::string::npos) << line;
}

TEST(Firmad, AMistypedEnvironmentVariableIsRefusedAsAnUnknownKey) {
  TempDir dir;
  auto firmad = start_firmad({"--data-dir", (dir.path() / "var").string()}, {{"FIRMA_DATABASE_ULR", "sqlite:/x.db"}});
  const std::string line = refused_start(*firmad);
  EXPECT_NE(line.find("FIRMA_DATABASE_ULR: unknown configuration key"), std::string::npos) << line;
}

TEST(Firmad, ATokenThatCannotBeFoundIsNamedWithWhereItWasLookedFor) {
  TempDir dir;
  const fs::path data = dir.path() / "var";
  start_and_stop(data);
  const std::string conf = (data / "hsm" / "softhsm2.conf").string();
  auto firmad = start_firmad(
      {"--data-dir", data.string(), "--set", "hsm.module=" FIRMA_SOFTHSM_MODULE, "--set",
       "hsm.pin_file=" + (data / "secrets" / "hsm-user-pin").string(), "--set", "hsm.token_label=not-this-one"},
      {{"SOFTHSM2_CONF", conf}});
  auto status = firmad->wait(60s);
  ASSERT_TRUE(status);
  EXPECT_NE(*status, 0);
  std::string line = single_line(*firmad);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  for (const std::string& named :
       {std::string("'not-this-one'"), std::string(FIRMA_SOFTHSM_MODULE), "SOFTHSM2_CONF=" + conf})
    EXPECT_NE(line.find(named), std::string::npos) << named << " in: " << line;
}

TEST(Firmad, UnreachableDatabaseIsOneClearLine) {
  TempDir dir;
  auto firmad = start_firmad({"--data-dir", (dir.path() / "var").string(), "--set",
                              "database.url=postgresql://postgres@127.0.0.1:1/firma?connect_timeout=3"});
  auto status = firmad->wait(60s);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 1);
  std::string line = single_line(*firmad);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_NE(line.find("database"), std::string::npos) << line;
}

// Readiness follows the database: 200, then 503 while PostgreSQL is down, then 200 again.
TEST(Firmad, ReadinessFollowsTheDatabase) {
  TempDir dir;
  const std::string pg_dir = "/tmp/firma-pg-readiness-" + std::to_string(::getpid());
  const int pg_port = 55500 + (::getpid() % 400);
  const std::string script = std::string(FIRMA_SOURCE_DIR) + "/scripts/test-postgres.sh";
  auto started = run_command(script + " start " + pg_dir + " " + std::to_string(pg_port));
  ASSERT_EQ(started.status, 0) << started.output;
  const std::string url = "postgresql://postgres@127.0.0.1:" + std::to_string(pg_port) + "/postgres?connect_timeout=3";

  // The outbox (the default gateway) shows every code to its readers: not on a shared database unless the
  // setting names the risk; then firmad says so at start-up.
  auto refused = start_firmad({"--data-dir", (dir.path() / "var").string(), "--set", "database.url=" + url});
  auto refused_status = refused->wait(120s);
  ASSERT_TRUE(refused_status);
  EXPECT_EQ(*refused_status, 1);
  const std::string line = single_line(*refused);
  EXPECT_NE(line.find("sms.outbox_on_shared_database = i-understand-operators-can-read-codes"), std::string::npos)
      << line;

  auto firmad = start_firmad({"--data-dir", (dir.path() / "var").string(), "--set", "database.url=" + url, "--set",
                              "sms.outbox_on_shared_database=i-understand-operators-can-read-codes"});
  ASSERT_TRUE(firmad->wait_for_output("listening on", 120s)) << firmad->output();
  EXPECT_NE(firmad->output().find("sms_outbox_gateway"), std::string::npos) << "the outbox is announced loudly";
  auto c = client(listening_port(firmad->output()));
  auto ready = c.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;

  ASSERT_EQ(run_command(script + " stop " + pg_dir + " " + std::to_string(pg_port)).status, 0);
  auto down = c.Get("/readyz");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503);
  EXPECT_EQ(down->get_header_value("Content-Type"), "application/problem+json");
  auto problem = nlohmann::json::parse(down->body);
  EXPECT_EQ(problem["code"], "unavailable");
  EXPECT_NE(problem["detail"].get<std::string>().find("database"), std::string::npos);

  ASSERT_EQ(run_command(script + " start " + pg_dir + " " + std::to_string(pg_port)).status, 0);
  auto back = c.Get("/readyz");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, 200) << back->body;
  run_command(script + " stop " + pg_dir + " " + std::to_string(pg_port));
  run_command("rm -rf " + pg_dir);
}

// Readiness follows the HSM and comes back by itself: firmad on the fault-injecting module (wrapping its own
// SoftHSM2 token) answers 503 while the token fails and 200 again soon after it works, without a restart.
TEST(Firmad, ReadinessFollowsTheHsmAndRecoversWithoutARestart) {
  TempDir dir;
  const fs::path data = dir.path() / "var";
  {
    auto first = start_firmad({"--data-dir", data.string()});
    ASSERT_TRUE(first->wait_for_output("listening on", 120s)) << first->output();
    first->signal(SIGTERM);
    ASSERT_EQ(first->wait(30s), 0);
  }
  const fs::path control = dir.path() / "fault";
  auto set_fault = [&](const std::string& word) {
    write_file(dir.path() / "fault.next", word + "\n");
    fs::rename(dir.path() / "fault.next", control);  // the module never reads half a word
  };
  auto firmad = start_firmad({"--data-dir", data.string(), "--set", "hsm.module=" FIRMA_FAULTY_PKCS11_MODULE, "--set",
                              "hsm.pin_file=" + (data / "secrets" / "hsm-user-pin").string()},
                             {{"SOFTHSM2_CONF", (data / "hsm" / "softhsm2.conf").string()},
                              {"FIRMA_FAULT_REAL_MODULE", FIRMA_SOFTHSM_MODULE},
                              {"FIRMA_FAULT_CONTROL", control.string()}});
  ASSERT_TRUE(firmad->wait_for_output("listening on", 120s)) << firmad->output();
  auto c = client(listening_port(firmad->output()));
  auto status = [&] {
    auto r = c.Get("/readyz");
    return r ? r->status : -1;
  };
  ASSERT_EQ(status(), 200);

  // A long outage, with probes all along (a load balancer's), as the old doubling backoff grew to minutes.
  set_fault("device_error");
  auto down = c.Get("/readyz");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503) << down->body;
  EXPECT_NE(down->body.find("hsm"), std::string::npos) << down->body;
  for (const auto start = std::chrono::steady_clock::now(); std::chrono::steady_clock::now() - start < 16s;
       std::this_thread::sleep_for(250ms)) {
    EXPECT_EQ(status(), 503);
  }

  set_fault("none");
  const auto ended = std::chrono::steady_clock::now();
  bool ready = false;
  while (!ready && std::chrono::steady_clock::now() - ended < 8s) {
    ready = status() == 200;
    if (!ready) std::this_thread::sleep_for(250ms);
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - ended);
  EXPECT_TRUE(ready) << "still 503 8 s after the HSM works again";
  std::cout << "readiness back " << took.count() << " ms after the fault ended\n";
  firmad->signal(SIGTERM);
  EXPECT_EQ(firmad->wait(30s), 0);
}

}  // namespace
}  // namespace firma::testing
