// firma_load: the HTTP load generator. Runs whole signing transactions against a running firmad, as an
// application and a citizen would (README "A whole signature with curl"): create, summary, authenticate, the OTP
// read from the SMS outbox (as an operator), confirm, fetch; from C concurrent clients, each with its own
// keep-alive connection and its own citizens (so that no two clients share an account or a mobile).
//
// Usage: firma_load --url URL --operator-token-file FILE --concurrency C --transactions N
//                   --format raw|cades --documents K --citizens FROM:COUNT [--random] [--warmup W] [--seconds S]
// Citizens FROM .. FROM+COUNT-1 must be seeded (firma_seed). --random picks each transaction's citizen at random
// among them (the scale runs); otherwise each client walks its own share in order. --seconds runs transactions
// for S seconds after the warm-up instead of N of them (the soak, bench/soak.sh). Prints one JSON object.
#include <httplib.h>

#include <atomic>
#include <cstring>
#include <limits>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

#include "bench_common.h"
#include "core/encoding.h"

namespace {

using namespace firma;
using SteadyClock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
  std::string url;
  std::string operator_token;
  std::string outbox_token;  // an operator with the sms_outbox_reader role, made by main with operator_token
  int concurrency = 1;
  int transactions = 100;
  std::string format = "raw";
  int documents = 1;
  std::uint32_t citizens_from = 0;
  std::uint32_t citizens_count = 0;
  bool random = false;
  int warmup = 0;
  double seconds = 0;  // > 0: run for this long after the warm-up, whatever --transactions says
};

const char* kSteps[] = {"create", "summary", "authenticate", "otp_read", "confirm", "fetch", "transaction"};
constexpr std::size_t kStepCount = std::size(kSteps);

struct Samples {
  std::vector<double> ms[kStepCount];
  int failed = 0;
  std::string first_error;
};

std::unique_ptr<httplib::Client> client(const Options& o) {
  auto c = std::make_unique<httplib::Client>(o.url);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);  // REFERENCES.md: without it every request stalls about 40 ms
  c->set_connection_timeout(10);
  c->set_read_timeout(120);
  c->set_write_timeout(60);
  // Pistache keeps a connection open only when asked to (REFERENCES.md).
  c->set_default_headers({{"Connection", "keep-alive"}});
  return c;
}

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.') {
      out += static_cast<char>(ch);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      out += buf;
    }
  }
  return out;
}

// The documents of one transaction: K raw SHA-256 digests, or K small text documents for CAdES.
json documents(const Options& o, std::mt19937_64& rng) {
  json list = json::array();
  for (int k = 0; k < o.documents; ++k) {
    const std::string text =
        "Resolucion 2026/" + std::to_string(rng()) + " del expediente de carga " + std::to_string(k);
    if (o.format == "raw") {
      list.push_back({{"name", "digest-" + std::to_string(k)},
                      {"format", "raw"},
                      {"digest", {{"algorithm", "sha256"}, {"value", to_base64(sha256(text))}}}});
    } else {
      list.push_back({{"name", "doc-" + std::to_string(k) + ".txt"},
                      {"format", o.format},
                      {"content", to_base64(as_bytes(text))}});
    }
  }
  return list;
}

class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string describe(const char* step, const httplib::Result& r) {
  if (!r) return std::string(step) + ": " + httplib::to_string(r.error());
  return std::string(step) + ": HTTP " + std::to_string(r->status) + " " + r->body.substr(0, 300);
}

// One whole transaction; appends each step's latency. Throws Failure on an unexpected answer.
void one_transaction(const Options& o, httplib::Client& http, const std::string& api_key, std::uint32_t citizen,
                     std::mt19937_64& rng, Samples* samples) {
  const httplib::Headers app{{"Authorization", "Bearer " + api_key}, {"Connection", "keep-alive"}};
  const httplib::Headers reader{{"Authorization", "Bearer " + o.outbox_token}, {"Connection", "keep-alive"}};
  const std::string nif = bench::citizen_nif(citizen);
  auto timed = [&](std::size_t step, auto&& call) {
    const auto start = SteadyClock::now();
    auto r = call();
    if (samples != nullptr) samples->ms[step].push_back(bench::seconds_since(start) * 1000);
    return r;
  };
  const auto whole = SteadyClock::now();

  const std::string body =
      json{{"nif", nif}, {"return_url", "https://bench.example/back"}, {"documents", documents(o, rng)}}.dump();
  auto created = timed(0, [&] { return http.Post("/v1/transactions", app, body, "application/json"); });
  if (!created || created->status != 201) throw Failure(describe("create", created));
  const std::string id = json::parse(created->body).at("id").get<std::string>();

  auto summary = timed(1, [&] { return http.Get("/v1/transactions/" + id + "/summary"); });
  if (!summary || summary->status != 200) throw Failure(describe("summary", summary));

  const std::string credentials = json{{"nif", nif}, {"password", bench::kPassword}}.dump();
  auto authenticated =
      timed(2, [&] { return http.Post("/v1/transactions/" + id + "/authenticate", credentials, "application/json"); });
  if (!authenticated || authenticated->status != 202) throw Failure(describe("authenticate", authenticated));

  auto outbox = timed(
      3, [&] { return http.Get("/v1/admin/sms/outbox?to=" + url_encode(bench::citizen_mobile(citizen)), reader); });
  if (!outbox || outbox->status != 200) throw Failure(describe("outbox", outbox));
  const auto messages = json::parse(outbox->body).at("messages");
  if (messages.empty()) throw Failure("outbox: no message for " + bench::citizen_mobile(citizen));
  static const std::regex kCode("[0-9]{6,8}");
  std::smatch match;
  const std::string text = messages.back().at("text").get<std::string>();
  if (!std::regex_search(text, match, kCode)) throw Failure("outbox: no code in '" + text + "'");

  const std::string otp = json{{"otp", match.str()}}.dump();
  auto confirmed = timed(4, [&] { return http.Post("/v1/transactions/" + id + "/confirm", otp, "application/json"); });
  if (!confirmed || confirmed->status != 200) throw Failure(describe("confirm", confirmed));

  auto fetched = timed(5, [&] { return http.Get("/v1/transactions/" + id, app); });
  if (!fetched || fetched->status != 200) throw Failure(describe("fetch", fetched));
  const auto view = json::parse(fetched->body);
  if (view.at("documents").size() != static_cast<std::size_t>(o.documents))
    throw Failure("fetch: " + std::to_string(view.at("documents").size()) + " signatures for " +
                  std::to_string(o.documents) + " documents");
  if (samples != nullptr) samples->ms[6].push_back(bench::seconds_since(whole) * 1000);
}

Options parse(int argc, char** argv) {
  Options o;
  std::string token_file;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--random") {
      o.random = true;
      continue;
    }
    if (i + 1 >= argc) throw std::runtime_error(flag + " needs a value");
    const std::string v = argv[++i];
    if (flag == "--url")
      o.url = v;
    else if (flag == "--operator-token-file")
      token_file = v;
    else if (flag == "--concurrency")
      o.concurrency = std::stoi(v);
    else if (flag == "--transactions")
      o.transactions = std::stoi(v);
    else if (flag == "--format")
      o.format = v;
    else if (flag == "--documents")
      o.documents = std::stoi(v);
    else if (flag == "--warmup")
      o.warmup = std::stoi(v);
    else if (flag == "--seconds")
      o.seconds = std::stod(v);
    else if (flag == "--citizens") {
      const auto range = bench::citizen_range(v);
      o.citizens_from = range.from;
      o.citizens_count = range.count;
    } else
      throw std::runtime_error("unknown flag " + flag);
  }
  if (o.url.empty() || token_file.empty() || o.citizens_count < static_cast<std::uint32_t>(o.concurrency))
    throw std::runtime_error(
        "--url, --operator-token-file and --citizens FROM:COUNT (COUNT >= concurrency) are needed");
  o.operator_token = bench::read_token(token_file);
  if (o.seconds > 0) o.transactions = std::numeric_limits<int>::max();
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Options o = parse(argc, argv);
    auto admin = client(o);
    const httplib::Headers op{{"Authorization", "Bearer " + o.operator_token}, {"Connection", "keep-alive"}};
    const json app_request = {
        {"name", "bench " + o.format + " x" + std::to_string(o.documents) + " c" + std::to_string(o.concurrency) + " " +
                     std::to_string(std::chrono::system_clock::now().time_since_epoch().count())},
        {"return_url_prefixes", {"https://bench.example/"}},
        {"allowed_formats", {"raw", "cades", "pades", "xades"}}};
    auto registered = admin->Post("/v1/admin/apps", op, app_request.dump(), "application/json");
    if (!registered || registered->status != 201)
      throw std::runtime_error(describe("register application", registered));
    const std::string api_key = json::parse(registered->body).at("api_key").get<std::string>();
    // The outbox is read with a role of its own: the administrator's token is refused there.
    // Operator names are unique and firmad outlives one run of firma_load (make bench runs several): a name per run.
    const json reader_request = {
        {"name", "bench outbox reader " + std::to_string(std::chrono::system_clock::now().time_since_epoch().count())},
        {"roles", {"sms_outbox_reader"}}};
    auto reader = admin->Post("/v1/admin/operators", op, reader_request.dump(), "application/json");
    if (!reader || reader->status != 201) throw std::runtime_error(describe("outbox reader", reader));
    o.outbox_token = json::parse(reader->body).at("token").get<std::string>();

    json out = {{"concurrency", o.concurrency}, {"format", o.format}, {"documents_requested", o.documents}};
    // The service's per-transaction document limit: a refused batch is retried at the size its answer names.
    {
      std::mt19937_64 rng(1);
      const json probe = {{"nif", bench::citizen_nif(o.citizens_from)},
                          {"return_url", "https://bench.example/back"},
                          {"documents", documents(o, rng)}};
      const httplib::Headers app{{"Authorization", "Bearer " + api_key}, {"Connection", "keep-alive"}};
      auto r = admin->Post("/v1/transactions", app, probe.dump(), "application/json");
      if (r && r->status == 400) {
        static const std::regex kAtMost("at most ([0-9]+) documents");
        std::smatch m;
        if (std::regex_search(r->body, m, kAtMost)) {
          out["limited_by"] = json::parse(r->body).value("detail", r->body);
          o.documents = std::stoi(m[1].str());
          std::fprintf(stderr, "firma_load: the service takes at most %d documents per transaction\n", o.documents);
        } else {
          throw std::runtime_error(describe("probe", r));
        }
      } else if (!r || r->status != 201) {
        throw std::runtime_error(describe("probe", r));
      } else {
        // Leave no pending transaction behind.
        admin->Delete("/v1/transactions/" + json::parse(r->body).at("id").get<std::string>(), app);
      }
    }
    out["documents"] = o.documents;

    const std::uint32_t share = o.citizens_count / static_cast<std::uint32_t>(o.concurrency);
    std::atomic<int> next{-o.warmup};
    std::vector<Samples> samples(static_cast<std::size_t>(o.concurrency));
    std::vector<std::thread> clients;
    SteadyClock::time_point measured_start{};
    std::once_flag started;
    std::atomic<int> warm{0};
    std::atomic<bool> time_up{false};
    const auto begin = SteadyClock::now();
    for (int w = 0; w < o.concurrency; ++w) {
      clients.emplace_back([&, w] {
        auto http = client(o);
        std::mt19937_64 rng(static_cast<std::uint64_t>(w) * 7919 + 17);
        Samples& mine = samples[static_cast<std::size_t>(w)];
        std::uint32_t walked = 0;
        for (int n; !time_up && (n = next++) < o.transactions;) {
          if (n >= 0) std::call_once(started, [&] { measured_start = SteadyClock::now(); });
          if (n >= 0 && o.seconds > 0 && bench::seconds_since(measured_start) >= o.seconds) {
            time_up = true;
            break;
          }
          // Client w's citizens are FROM + w + C*k: never the same account as another client's.
          const std::uint32_t k = o.random ? static_cast<std::uint32_t>(rng() % share) : (walked++ % share);
          const std::uint32_t citizen =
              o.citizens_from + static_cast<std::uint32_t>(w) + static_cast<std::uint32_t>(o.concurrency) * k;
          try {
            one_transaction(o, *http, api_key, citizen, rng, n >= 0 ? &mine : nullptr);
          } catch (const std::exception& e) {
            if (n >= 0) {
              ++mine.failed;
              if (mine.first_error.empty()) mine.first_error = e.what();
            } else {
              ++warm;
              std::fprintf(stderr, "firma_load: warm-up: %s\n", e.what());
            }
          }
        }
      });
    }
    for (auto& c : clients) c.join();
    const auto finished = SteadyClock::now();
    if (measured_start == SteadyClock::time_point{}) measured_start = begin;
    const double seconds = std::chrono::duration<double>(finished - measured_start).count();

    Samples all;
    for (auto& s : samples) {
      for (std::size_t i = 0; i < kStepCount; ++i) all.ms[i].insert(all.ms[i].end(), s.ms[i].begin(), s.ms[i].end());
      all.failed += s.failed;
      if (all.first_error.empty()) all.first_error = s.first_error;
    }
    const auto completed = static_cast<double>(all.ms[6].size());
    out["transactions"] = all.ms[6].size();
    out["warmup"] = o.warmup;
    out["warmup_failed"] = warm.load();
    out["failed"] = all.failed;
    if (!all.first_error.empty()) out["first_error"] = all.first_error;
    out["seconds"] = bench::round_to(seconds, 3);
    out["transactions_per_second"] = bench::round_to(completed / seconds, 2);
    out["signatures_per_second"] = bench::round_to(completed * o.documents / seconds, 2);
    for (std::size_t i = 0; i < kStepCount; ++i) out["steps"][kSteps[i]] = bench::latency_json(all.ms[i]);
    std::printf("%s\n", out.dump().c_str());
    std::fprintf(stderr,
                 "firma_load: %s x%d, concurrency %d: %.0f transactions in %.1f s: %.2f tx/s, %.1f signatures/s%s\n",
                 o.format.c_str(), o.documents, o.concurrency, completed, seconds, completed / seconds,
                 completed * o.documents / seconds,
                 all.failed ? (", " + std::to_string(all.failed) + " failed: " + all.first_error).c_str() : "");
    return all.failed > 0 && completed == 0 ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "firma_load: %s\n", e.what());
    return 1;
  }
}
