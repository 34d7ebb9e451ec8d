// firma_csc_load: the CSC front under load (docs/benchmarks.md, run.sh step 4b), over HTTP against a running firmad, in
// explicit mode as a CSC client would (README "Signing through the CSC API"): credentials/list and info, sendOTP,
// the code read from the SMS outbox (as an operator), credentials/authorize with PIN + OTP + the hashes, then
// signatures/signHash calls. Two parts, each from T client threads with their own keep-alive connection and
// their own citizens (sendOTP gives one code per citizen and 30 s; a citizen is never used twice):
//   sign_hash: every thread first gets ROUNDS SADs that authorised HASHES distinct SHA-256 hashes each (not timed),
//              then, all threads released together, signs them in calls of PER_CALL: signatures over the wall time.
//   authorize_and_sign: FLOWS whole flows per thread (sendOTP, outbox, authorize, HASHES/PER_CALL signHash calls),
//              timed whole: signatures over the wall time, and each flow's own elapsed time.
// Every signature returned is verified afterwards (outside the timed parts, so that the client's checks do not
// take the shared cores from firmad) with OpenSSL against the public key of the certificate credentials/info gave.
//
// Usage: firma_csc_load --url URL --operator-token-file FILE --citizens FROM:COUNT [--threads T] [--rounds R]
//                       [--flows F] [--hashes N] [--per-call K] [--firmad-pid PID]   (one JSON object on stdout)
// --firmad-pid adds firmad's CPU time per signature in each part (from /proc/PID/stat).
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <barrier>
#include <memory>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "bench_common.h"
#include "core/encoding.h"

namespace {

using namespace firma;
using SteadyClock = std::chrono::steady_clock;
using nlohmann::json;

constexpr const char* kEcdsaSha256 = "1.2.840.10045.4.3.2";

struct Options {
  std::string url;
  std::string operator_token;
  std::string outbox_token;  // an operator with the sms_outbox_reader role, made by main
  std::string api_key;       // the application the CSC calls come from, registered by main
  int threads = 4;
  int rounds = 3;
  int flows = 2;
  int hashes = 1000;
  int per_call = 100;
  std::uint32_t citizens_from = 0;
  std::uint32_t citizens_count = 0;
  long firmad_pid = 0;
};

class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PublicKey = std::shared_ptr<EVP_PKEY>;

struct Credential {
  std::string id;
  PublicKey key;
};

// The signatures of one SAD, kept to be verified after the timed part.
struct Signed {
  PublicKey key;
  std::vector<Bytes> digests;
  std::vector<std::string> signatures;  // base64, as signHash returned them
};

double firmad_cpu_seconds(long pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i >= 14) ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// One client's keep-alive connection and the CSC calls it makes.
class CscClient {
 public:
  explicit CscClient(const Options& o) : o_(o), http_(o.url) {
    http_.set_keep_alive(true);
    http_.set_tcp_nodelay(true);  // REFERENCES.md: without it every request stalls about 40 ms
    http_.set_connection_timeout(10);
    http_.set_read_timeout(120);
    http_.set_write_timeout(60);
  }

  json call(const std::string& method, const json& body, int expected = 200) {
    const httplib::Headers app{{"Authorization", "Bearer " + o_.api_key}, {"Connection", "keep-alive"}};
    auto r = http_.Post("/csc/v1/" + method, app, body.dump(), "application/json");
    if (!r) throw Failure(method + ": " + httplib::to_string(r.error()));
    if (r->status != expected)
      throw Failure(method + ": HTTP " + std::to_string(r->status) + " " + r->body.substr(0, 300));
    return r->body.empty() ? json() : json::parse(r->body);
  }

  Credential credential(std::uint32_t citizen) {
    const auto listed = call("credentials/list", {{"userID", bench::citizen_nif(citizen)}});
    if (listed.at("credentialIDs").empty()) throw Failure("credentials/list: none for " + bench::citizen_nif(citizen));
    Credential c{listed.at("credentialIDs")[0].get<std::string>(), nullptr};
    const auto info = call("credentials/info", {{"credentialID", c.id}, {"certificates", "single"}});
    const auto der = from_base64(info.at("cert").at("certificates")[0].get<std::string>());
    if (!der) throw Failure("credentials/info: the certificate is not base64");
    const unsigned char* p = der->data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der->size()));
    if (cert == nullptr) throw Failure("credentials/info: the certificate does not parse");
    c.key = PublicKey(X509_get_pubkey(cert), PkeyFree{});
    X509_free(cert);
    if (!c.key) throw Failure("credentials/info: the certificate's public key does not parse");
    return c;
  }

  std::string otp(std::uint32_t citizen) {
    call("credentials/sendOTP", {{"credentialID", current_.id}}, 204);
    const httplib::Headers reader{{"Authorization", "Bearer " + o_.outbox_token}, {"Connection", "keep-alive"}};
    auto r = http_.Get("/v1/admin/sms/outbox?to=" + percent_plus(bench::citizen_mobile(citizen)), reader);
    if (!r || r->status != 200) throw Failure("outbox: " + (r ? std::to_string(r->status) : "no answer"));
    const auto messages = json::parse(r->body).at("messages");
    if (messages.empty()) throw Failure("outbox: no message for " + bench::citizen_mobile(citizen));
    // The code comes first in the SMS ("su código es 123456 para autorizar ...").
    static const std::regex kCode("[0-9]{6,8}");
    std::smatch match;
    const std::string text = messages.back().at("text").get<std::string>();
    if (!std::regex_search(text, match, kCode)) throw Failure("outbox: no code in '" + text + "'");
    return match.str();
  }

  std::string authorize(const std::vector<std::string>& hashes, const std::string& code) {
    const auto sad = call("credentials/authorize", {{"credentialID", current_.id},
                                                    {"numSignatures", hashes.size()},
                                                    {"hash", hashes},
                                                    {"PIN", bench::kPassword},
                                                    {"OTP", code}});
    return sad.at("SAD").get<std::string>();
  }

  std::vector<std::string> sign(const std::string& sad, std::span<const std::string> hashes) {
    const auto signed_ = call("signatures/signHash", {{"credentialID", current_.id},
                                                      {"SAD", sad},
                                                      {"hash", std::vector<std::string>(hashes.begin(), hashes.end())},
                                                      {"signAlgo", kEcdsaSha256}});
    auto signatures = signed_.at("signatures").get<std::vector<std::string>>();
    if (signatures.size() != hashes.size())
      throw Failure("signHash: " + std::to_string(signatures.size()) + " signatures for " +
                    std::to_string(hashes.size()) + " hashes");
    return signatures;
  }

  void use(Credential c) { current_ = std::move(c); }
  const Credential& current() const { return current_; }

 private:
  static std::string percent_plus(const std::string& mobile) {
    return mobile[0] == '+' ? "%2B" + mobile.substr(1) : mobile;
  }

  const Options& o_;
  httplib::Client http_;
  Credential current_;
};

// HASHES distinct SHA-256 digests, and their base64 as the CSC request carries them.
struct Hashes {
  std::vector<Bytes> digests;
  std::vector<std::string> base64;
};
Hashes make_hashes(int n, std::mt19937_64& rng) {
  Hashes h;
  for (int i = 0; i < n; ++i) {
    h.digests.push_back(sha256("CSC bench document " + std::to_string(rng()) + "/" + std::to_string(i)));
    h.base64.push_back(to_base64(h.digests.back()));
  }
  return h;
}

// ECDSA-Sig-Value over the digest, checked with the certificate's key. Returns how many fail.
std::size_t verify(const std::vector<Signed>& all) {
  std::size_t bad = 0;
  for (const auto& s : all) {
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(s.key.get(), nullptr),
                                                                    EVP_PKEY_CTX_free);
    if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) throw Failure("verify: no context for the key");
    for (std::size_t i = 0; i < s.signatures.size(); ++i) {
      const auto sig = from_base64(s.signatures[i]);
      if (!sig || EVP_PKEY_verify(ctx.get(), sig->data(), sig->size(), s.digests[i].data(), s.digests[i].size()) != 1)
        ++bad;
    }
  }
  return bad;
}

struct Part {
  std::vector<double> call_ms;     // signHash calls
  std::vector<double> flow_ms;     // whole flows (authorize_and_sign)
  std::vector<double> step_ms[3];  // per flow: sendOTP + outbox read, authorize, all its signHash calls
  std::vector<Signed> signed_;
  int failed = 0;
  std::string first_error;
};

void merge(Part& into, Part& from) {
  into.call_ms.insert(into.call_ms.end(), from.call_ms.begin(), from.call_ms.end());
  into.flow_ms.insert(into.flow_ms.end(), from.flow_ms.begin(), from.flow_ms.end());
  for (int i = 0; i < 3; ++i)
    into.step_ms[i].insert(into.step_ms[i].end(), from.step_ms[i].begin(), from.step_ms[i].end());
  for (auto& s : from.signed_) into.signed_.push_back(std::move(s));
  into.failed += from.failed;
  if (into.first_error.empty()) into.first_error = from.first_error;
}

// Signs all of `hashes` under `sad` in calls of per_call; appends each call's latency.
Signed sign_all(CscClient& client, const Options& o, const std::string& sad, const Hashes& hashes, Part& part) {
  Signed s{client.current().key, hashes.digests, {}};
  for (std::size_t at = 0; at < hashes.base64.size(); at += static_cast<std::size_t>(o.per_call)) {
    const std::size_t n = std::min(static_cast<std::size_t>(o.per_call), hashes.base64.size() - at);
    const auto start = SteadyClock::now();
    auto signatures = client.sign(sad, std::span(hashes.base64).subspan(at, n));
    part.call_ms.push_back(bench::seconds_since(start) * 1000);
    s.signatures.insert(s.signatures.end(), signatures.begin(), signatures.end());
  }
  return s;
}

json summarise(const char* name, const Options& o, Part& part, double seconds, double cpu, double client_cpu,
               int expected_sads) {
  const std::size_t signatures = [&] {
    std::size_t n = 0;
    for (const auto& s : part.signed_) n += s.signatures.size();
    return n;
  }();
  const std::size_t bad = verify(part.signed_);
  json out = {{"threads", o.threads},
              {"hashes_per_sad", o.hashes},
              {"hashes_per_call", o.per_call},
              {"sads", part.signed_.size()},
              {"sads_asked", expected_sads},
              {"signatures", signatures},
              {"signatures_verified", signatures - bad},
              {"signatures_bad", bad},
              {"failed", part.failed},
              {"seconds", bench::round_to(seconds, 3)},
              {"signatures_per_second", bench::round_to(static_cast<double>(signatures) / seconds, 2)},
              {"sign_hash_call", bench::latency_json(part.call_ms)}};
  if (!part.flow_ms.empty()) {
    out["flow"] = bench::latency_json(part.flow_ms);
    out["steps"] = {{"send_otp_and_outbox", bench::latency_json(part.step_ms[0])},
                    {"authorize", bench::latency_json(part.step_ms[1])},
                    {"sign_hash_all", bench::latency_json(part.step_ms[2])}};
  }
  if (!part.first_error.empty()) out["first_error"] = part.first_error;
  // The client shares the cores with firmad: its own CPU time over the same timed part.
  out["client_cpu_seconds"] = bench::round_to(client_cpu, 2);
  if (o.firmad_pid > 0) {
    out["firmad_cpu_seconds"] = bench::round_to(cpu, 2);
    if (signatures > 0)
      out["firmad_cpu_us_per_signature"] = bench::round_to(cpu * 1e6 / static_cast<double>(signatures), 1);
  }
  std::fprintf(stderr, "firma_csc_load: %s, %d thread(s): %zu signatures (%zu bad) in %.2f s: %.1f signatures/s%s\n",
               name, o.threads, signatures, bad, seconds, static_cast<double>(signatures) / seconds,
               part.failed ? (", " + std::to_string(part.failed) + " failed: " + part.first_error).c_str() : "");
  return out;
}

// Runs `attempt` and counts its failure in `mine` (the first error kept, after `context`).
template <typename Attempt>
void counted(Part& mine, const char* context, Attempt&& attempt) {
  try {
    attempt();
  } catch (const std::exception& e) {
    ++mine.failed;
    if (mine.first_error.empty()) mine.first_error = std::string(context) + e.what();
  }
}

// One part from o.threads clients: each prepares what is not timed, then calls start(); all are released together
// and the part is timed from then to the last client's end. worker(w, client, rng, mine, start).
template <typename Worker>
json run_part(const char* name, const Options& o, int sads_asked, std::uint64_t seed, Worker worker) {
  std::vector<Part> parts(static_cast<std::size_t>(o.threads));
  std::barrier ready(o.threads + 1);
  std::barrier done(o.threads + 1);
  std::vector<std::thread> clients;
  for (int w = 0; w < o.threads; ++w) {
    clients.emplace_back([&, w] {
      CscClient client(o);
      std::mt19937_64 rng(static_cast<std::uint64_t>(w) * 7919 + seed);
      worker(w, client, rng, parts[static_cast<std::size_t>(w)], [&] { ready.arrive_and_wait(); });
      done.arrive_and_wait();
    });
  }
  ready.arrive_and_wait();
  const double cpu0 = firmad_cpu_seconds(o.firmad_pid);
  const double client_cpu0 = bench::process_cpu_seconds();
  const auto start = SteadyClock::now();
  done.arrive_and_wait();
  const double seconds = bench::seconds_since(start);
  const double cpu = firmad_cpu_seconds(o.firmad_pid) - cpu0;
  const double client_cpu = bench::process_cpu_seconds() - client_cpu0;
  for (auto& c : clients) c.join();
  Part all;
  for (auto& p : parts) merge(all, p);
  return summarise(name, o, all, seconds, cpu, client_cpu, sads_asked);
}

// Part 1: SADs prepared first (citizens FROM ..), then only the signHash calls timed.
json sign_hash_part(const Options& o) {
  return run_part(
      "signHash", o, o.threads * o.rounds, 1,
      [&](int w, CscClient& client, std::mt19937_64& rng, Part& mine, auto start) {
        struct Prepared {
          Credential credential;
          std::string sad;
          Hashes hashes;
        };
        std::vector<Prepared> prepared;
        for (int r = 0; r < o.rounds; ++r) {
          const std::uint32_t citizen = o.citizens_from + static_cast<std::uint32_t>(w + o.threads * r);
          counted(mine, "preparing: ", [&] {
            client.use(client.credential(citizen));
            Hashes hashes = make_hashes(o.hashes, rng);
            const std::string code = client.otp(citizen);
            prepared.push_back({client.current(), client.authorize(hashes.base64, code), std::move(hashes)});
          });
        }
        start();
        for (auto& p : prepared) {
          client.use(p.credential);
          counted(mine, "", [&] { mine.signed_.push_back(sign_all(client, o, p.sad, p.hashes, mine)); });
        }
      });
}

// Part 2: whole flows timed, for the citizens after part 1's. A client knows its credential before it signs: the
// credential and its certificate are looked up before the start.
json authorize_and_sign_part(const Options& o) {
  const std::uint32_t first = o.citizens_from + static_cast<std::uint32_t>(o.threads * o.rounds);
  return run_part("authorize + signHash", o, o.threads * o.flows, 2,
                  [&](int w, CscClient& client, std::mt19937_64& rng, Part& mine, auto start) {
                    struct Prepared {
                      std::uint32_t citizen;
                      Credential credential;
                      Hashes hashes;
                    };
                    std::vector<Prepared> prepared;
                    for (int f = 0; f < o.flows; ++f) {
                      const std::uint32_t citizen = first + static_cast<std::uint32_t>(w + o.threads * f);
                      counted(mine, "preparing: ", [&] {
                        prepared.push_back({citizen, client.credential(citizen), make_hashes(o.hashes, rng)});
                      });
                    }
                    start();
                    for (const auto& p : prepared) {
                      client.use(p.credential);
                      counted(mine, "", [&] {
                        const auto whole = SteadyClock::now();
                        const std::string code = client.otp(p.citizen);
                        mine.step_ms[0].push_back(bench::seconds_since(whole) * 1000);
                        const auto authorising = SteadyClock::now();
                        const std::string sad = client.authorize(p.hashes.base64, code);
                        mine.step_ms[1].push_back(bench::seconds_since(authorising) * 1000);
                        const auto signing = SteadyClock::now();
                        mine.signed_.push_back(sign_all(client, o, sad, p.hashes, mine));
                        mine.step_ms[2].push_back(bench::seconds_since(signing) * 1000);
                        mine.flow_ms.push_back(bench::seconds_since(whole) * 1000);
                      });
                    }
                  });
}

Options parse(int argc, char** argv) {
  Options o;
  std::string token_file;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw std::runtime_error(flag + " needs a value");
    const std::string v = argv[++i];
    if (flag == "--url")
      o.url = v;
    else if (flag == "--operator-token-file")
      token_file = v;
    else if (flag == "--threads")
      o.threads = std::stoi(v);
    else if (flag == "--rounds")
      o.rounds = std::stoi(v);
    else if (flag == "--flows")
      o.flows = std::stoi(v);
    else if (flag == "--hashes")
      o.hashes = std::stoi(v);
    else if (flag == "--per-call")
      o.per_call = std::stoi(v);
    else if (flag == "--firmad-pid")
      o.firmad_pid = std::stol(v);
    else if (flag == "--citizens") {
      const auto range = bench::citizen_range(v);
      o.citizens_from = range.from;
      o.citizens_count = range.count;
    } else
      throw std::runtime_error("unknown flag " + flag);
  }
  if (o.url.empty() || token_file.empty()) throw std::runtime_error("--url and --operator-token-file are needed");
  if (o.threads < 1 || o.rounds < 1 || o.flows < 0 || o.hashes < 1 || o.per_call < 1)
    throw std::runtime_error("--threads, --rounds, --hashes and --per-call must be positive");
  if (o.citizens_count < static_cast<std::uint32_t>(o.threads * (o.rounds + o.flows)))
    throw std::runtime_error(
        "--citizens FROM:COUNT: COUNT must be at least threads x (rounds + flows), one citizen per SAD");
  o.operator_token = bench::read_token(token_file);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Options o = parse(argc, argv);
    httplib::Client admin(o.url);
    admin.set_tcp_nodelay(true);
    const httplib::Headers op{{"Authorization", "Bearer " + o.operator_token}};
    const auto stamp = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    const json app_request = {{"name", "bench CSC " + stamp},
                              {"return_url_prefixes", {"https://bench.example/"}},
                              {"allowed_formats", {"raw", "cades", "pades", "xades"}}};
    auto registered = admin.Post("/v1/admin/apps", op, app_request.dump(), "application/json");
    if (!registered || registered->status != 201) throw std::runtime_error("register application failed");
    o.api_key = json::parse(registered->body).at("api_key").get<std::string>();
    const json reader_request = {{"name", "bench CSC outbox reader " + stamp}, {"roles", {"sms_outbox_reader"}}};
    auto reader = admin.Post("/v1/admin/operators", op, reader_request.dump(), "application/json");
    if (!reader || reader->status != 201) throw std::runtime_error("outbox reader failed");
    o.outbox_token = json::parse(reader->body).at("token").get<std::string>();

    json out;
    out["sign_hash"] = sign_hash_part(o);
    if (o.flows > 0) out["authorize_and_sign"] = authorize_and_sign_part(o);
    std::printf("%s\n", out.dump().c_str());
    const bool wrong = out["sign_hash"]["signatures_bad"].get<std::size_t>() > 0 ||
                       (o.flows > 0 && out["authorize_and_sign"]["signatures_bad"].get<std::size_t>() > 0);
    return wrong ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "firma_csc_load: %s\n", e.what());
    return 1;
  }
}
