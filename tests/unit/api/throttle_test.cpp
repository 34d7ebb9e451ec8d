// Each route's declared throttle, applied once by the dispatcher before the handler: per client address, then per
// subject (the NIF counted on its canonical form), with a 429 problem and Retry-After; a request the handler would
// refuse before naming its subject counts against the address only.
#include "api/http/throttle.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/http/server.h"
#include "core/clock.h"
#include "identity/rate_limiter.h"
#include "store/database.h"
#include "support/temp_dir.h"

namespace firma::api {
namespace {

class ApiThrottle : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::Database::open("sqlite:" + (dir_.path() / "firma.db").string(), 2);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    db_ = std::move(*opened);
    ASSERT_TRUE(db_->migrate().ok());
    limiter_ = std::make_unique<identity::RateLimiter>(*db_, clock_);
  }
  void TearDown() override {
    if (server_) server_->shutdown();
  }

  // Bursts of 2 per NIF and `per_address` per address, refilled once a day (not within a test).
  std::shared_ptr<const CitizenThrottle> buckets(double per_address) {
    identity::CitizenRateLimits limits{{2, 1.0 / 86400}, {per_address, 1.0 / 86400}};
    return std::make_shared<const CitizenThrottle>(*limiter_, CitizenRoutesOptions{limits, ""});
  }

  void start(std::vector<Route> routes) {
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 2;
    server_ = std::make_unique<Server>(options, std::move(routes), nullptr);
    auto started = server_->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  httplib::Result post(const std::string& path, const std::string& body) {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(10);
    return c.Post(path, body, "application/json");
  }

  // A handler that counts its calls.
  Route counted(std::string pattern, Throttle throttle) {
    return {"POST",
            std::move(pattern),
            Access::anyone,
            {},
            [this](const Request&) {
              ++handled_;
              return json_response(200, {{"ok", true}});
            },
            "",
            std::move(throttle)};
  }

  static std::optional<std::string> nif_of(const Request& r) {
    auto body = parse_json_object(r.body);
    if (!body) return std::nullopt;
    auto nif = required_field<std::string>(*body, "nif");
    if (!nif) return std::nullopt;
    return *nif;
  }

  firma::testing::TempDir dir_;
  ManualClock clock_{Instant{std::chrono::seconds{1'700'000'000}}};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<identity::RateLimiter> limiter_;
  std::unique_ptr<Server> server_;
  std::atomic<int> handled_{0};
};

TEST_F(ApiThrottle, EverySpellingOfANifCountsInOneBucketBeforeTheHandler) {
  start({counted("/t/nif", Throttle{buckets(10), Throttle::Subject::nif, nif_of})});
  EXPECT_EQ(post("/t/nif", R"({"nif":"33333333P"})")->status, 200);
  EXPECT_EQ(post("/t/nif", R"({"nif":" 33333333p"})")->status, 200);
  auto refused = post("/t/nif", R"({"nif":"33333333P "})");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429) << refused->body;
  EXPECT_EQ(refused->get_header_value("Content-Type"), "application/problem+json");
  EXPECT_EQ(nlohmann::json::parse(refused->body)["code"], "rate_limited");
  EXPECT_FALSE(refused->get_header_value("Retry-After").empty());
  EXPECT_EQ(handled_.load(), 2) << "a refused request never reaches the handler";
  // Another NIF has a bucket of its own; a body that names none reaches the handler (which would refuse it).
  EXPECT_EQ(post("/t/nif", R"({"nif":"44444444A"})")->status, 200);
  EXPECT_EQ(post("/t/nif", "not json")->status, 200);
  EXPECT_EQ(handled_.load(), 4);
}

TEST_F(ApiThrottle, TheAddressIsCountedFirstAndOnlyOnThrottledRoutes) {
  auto shared = buckets(4);
  start({counted("/t/a", Throttle{shared}), counted("/t/b", Throttle{shared, Throttle::Subject::nif, nif_of}),
         counted("/t/free", Throttle{})});
  for (int i = 0; i < 2; ++i) EXPECT_EQ(post("/t/a", "{}")->status, 200);
  // Not JSON: no NIF to count, but the address is counted all the same.
  for (int i = 0; i < 2; ++i) EXPECT_EQ(post("/t/b", "x")->status, 200);
  EXPECT_EQ(post("/t/a", "{}")->status, 429);
  EXPECT_EQ(post("/t/b", R"({"nif":"55555555K"})")->status, 429);
  EXPECT_EQ(handled_.load(), 4);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(post("/t/free", "{}")->status, 200);
}

}  // namespace
}  // namespace firma::api
