// The SMS gateways: outbox storage, the generic HTTP provider and Kannel's request shape (against a local HTTP
// server that records what it receives), failures as `unavailable`, and the choice by configuration.
#include "identity/sms_gateway.h"

#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "identity_fixture.h"

namespace firma::identity::testing {
namespace {

using namespace std::chrono_literals;

// A local HTTP server standing in for an SMS provider: it records each request and answers `status`.
class RecordingProvider {
 public:
  RecordingProvider() {
    const auto record = [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      requests_.push_back(req);
      res.status = status;
      res.set_content(status / 100 == 2 ? "0: Accepted for delivery" : "Rejected", "text/plain");
    };
    server_.Get(".*", record);
    server_.Post(".*", record);
    server_.Put(".*", record);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);  // start-up, not time logic
  }
  ~RecordingProvider() {
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  std::vector<httplib::Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int status = 202;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<httplib::Request> requests_;
};

const std::string kText = "Cl@ve Firma: su c\u00F3digo es 123456 & \"nada\" m\u00E1s";

TEST(HttpSmsGateway, FormBodyWithPlaceholdersAndBasicAuth) {
  RecordingProvider provider;
  HttpSmsOptions o;
  o.url = provider.url("/v1/sms");
  o.body = "To={to}&From={from}&Body={text}";
  o.auth = "basic";
  o.username = "acct";
  o.secret = Secret("s3cret");
  o.from = "Firma";
  auto gateway = HttpSmsGateway::make(std::move(o));
  ASSERT_TRUE(gateway.ok()) << gateway.error().message;
  ASSERT_TRUE((*gateway)->send(SmsMessage{"+34600111222", Secret(kText)}).ok());
  auto got = provider.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].path, "/v1/sms");
  EXPECT_EQ(got[0].get_param_value("To"), "+34600111222");
  EXPECT_EQ(got[0].get_param_value("From"), "Firma");
  EXPECT_EQ(got[0].get_param_value("Body"), kText);
  EXPECT_EQ(got[0].get_header_value("Authorization"), "Basic YWNjdDpzM2NyZXQ=");
}

TEST(HttpSmsGateway, JsonBodyWithBearerToken) {
  RecordingProvider provider;
  HttpSmsOptions o;
  o.url = provider.url("/messages");
  o.method = "PUT";
  o.format = "json";
  o.body = R"({"recipients":["{to}"],"originator":"{from}","body":"{text}"})";
  o.auth = "bearer";
  o.secret = Secret("tok-123");
  o.from = "Firma";
  auto gateway = HttpSmsGateway::make(std::move(o));
  ASSERT_TRUE(gateway.ok()) << gateway.error().message;
  ASSERT_TRUE((*gateway)->send(SmsMessage{"+34600111222", Secret(kText)}).ok());
  auto got = provider.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "PUT");
  EXPECT_EQ(got[0].get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(got[0].get_header_value("Authorization"), "Bearer tok-123");
  auto body = nlohmann::json::parse(got[0].body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << got[0].body;
  EXPECT_EQ(body["recipients"][0], "+34600111222");
  EXPECT_EQ(body["originator"], "Firma");
  EXPECT_EQ(body["body"], kText) << "quotes and accents survive JSON escaping";
}

TEST(HttpSmsGateway, QueryFormatWithGet) {
  RecordingProvider provider;
  HttpSmsOptions o;
  o.url = provider.url("/send?api=1");
  o.method = "GET";
  o.format = "query";
  o.body = "dest={to}&msg={text}";
  auto gateway = HttpSmsGateway::make(std::move(o));
  ASSERT_TRUE(gateway.ok()) << gateway.error().message;
  ASSERT_TRUE((*gateway)->send(SmsMessage{"+34600111222", Secret(kText)}).ok());
  auto got = provider.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "GET");
  EXPECT_EQ(got[0].get_param_value("api"), "1");
  EXPECT_EQ(got[0].get_param_value("dest"), "+34600111222");
  EXPECT_EQ(got[0].get_param_value("msg"), kText);
}

TEST(HttpSmsGateway, RefusalsAndUnreachableProvidersAreUnavailableWithoutTheText) {
  RecordingProvider provider;
  provider.status = 400;
  HttpSmsOptions o;
  o.url = provider.url("/sms");
  auto gateway = HttpSmsGateway::make(o);
  ASSERT_TRUE(gateway.ok());
  auto refused = (*gateway)->send(SmsMessage{"+34600111222", Secret(kText)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
  EXPECT_NE(refused.error().message.find("400"), std::string::npos) << refused.error().message;
  EXPECT_EQ(refused.error().message.find("123456"), std::string::npos);

  o.url = "http://127.0.0.1:1/sms";
  o.timeout = 2s;
  auto nowhere = HttpSmsGateway::make(o);
  ASSERT_TRUE(nowhere.ok());
  auto unreachable = (*nowhere)->send(SmsMessage{"+34600111222", Secret(kText)});
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().code, ErrorCode::unavailable);
}

TEST(HttpSmsGateway, BadSettingsAreRefusedWhenMade) {
  HttpSmsOptions o;
  o.url = "ftp://example/sms";
  EXPECT_FALSE(HttpSmsGateway::make(o).ok());
  o.url = "http://user:pw@example/sms";
  EXPECT_FALSE(HttpSmsGateway::make(o).ok());
  o.url = "http://example/sms";
  o.body = "to={to}";
  EXPECT_FALSE(HttpSmsGateway::make(o).ok()) << "no {text}";
  o.body = "to={to}&text={text}";
  o.auth = "bearer";
  EXPECT_FALSE(HttpSmsGateway::make(o).ok()) << "bearer without a token";
  o.auth = "none";
  o.method = "GET";
  EXPECT_FALSE(HttpSmsGateway::make(o).ok()) << "GET needs the query format";
}

TEST(KannelSmsGateway, SendsTheSendsmsVariables) {
  RecordingProvider provider;
  auto gateway = KannelSmsGateway::make(
      KannelOptions{provider.url("/cgi-bin/sendsms"), "firma", Secret("kannel-pw"), "Firma", 5s});
  ASSERT_TRUE(gateway.ok()) << gateway.error().message;
  ASSERT_TRUE((*gateway)->send(SmsMessage{"+34600111222", Secret(kText)}).ok());
  auto got = provider.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "GET");
  EXPECT_EQ(got[0].path, "/cgi-bin/sendsms");
  EXPECT_EQ(got[0].get_param_value("username"), "firma");
  EXPECT_EQ(got[0].get_param_value("password"), "kannel-pw");
  EXPECT_EQ(got[0].get_param_value("from"), "Firma");
  EXPECT_EQ(got[0].get_param_value("to"), "+34600111222");
  EXPECT_EQ(got[0].get_param_value("charset"), "UTF-8");
  EXPECT_EQ(got[0].get_param_value("coding"), "2") << "\"\u00F3\" is not in the GSM alphabet: UCS-2";
  EXPECT_EQ(got[0].get_param_value("text"), kText);
  ASSERT_TRUE((*gateway)->send(SmsMessage{"+34600111222", Secret("Cl@ve Firma: c\u00F1 \u00E9 123456 [x]")}).ok());
  got = provider.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_FALSE(got[1].has_param("coding")) << "GSM 03.38 carries \u00F1, \u00E9, @ and [ ]";
  provider.status = 403;
  auto refused = (*gateway)->send(SmsMessage{"+34600111222", Secret(kText)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
}

class OutboxTest : public IdentityTest {};

TEST_P(OutboxTest, StoresMessagesAndListsThemOldestFirstByRecipient) {
  ASSERT_TRUE(outbox_->send(SmsMessage{"+34600111222", Secret("uno")}).ok());
  clock_.advance(1s);
  ASSERT_TRUE(outbox_->send(SmsMessage{"+34600333444", Secret("otro")}).ok());
  ASSERT_TRUE(outbox_->send(SmsMessage{"+34600111222", Secret("dos")}).ok());
  auto mine = outbox_->messages(std::string("+34600111222"));
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].text, "uno");
  EXPECT_EQ((*mine)[0].at, t0);
  EXPECT_EQ((*mine)[1].text, "dos");
  auto all = outbox_->messages(std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  auto last = outbox_->messages(std::nullopt, 1);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ((*last)[0].text, "dos") << "the most recent ones when limited";
}

TEST_P(OutboxTest, TheOutboxIsRefusedOnASharedDatabaseUnlessTheRiskIsNamed) {
  OutboxSmsGateway* outbox = nullptr;
  auto chosen = make_sms_gateway(SmsSettings{}, *db_, clock_, &outbox);
  if (GetParam() == store::Backend::sqlite) {
    EXPECT_TRUE(chosen.ok()) << "the embedded default keeps its outbox";
    return;
  }
  ASSERT_FALSE(chosen.ok()) << "several nodes and operators on PostgreSQL: the outbox would show them every code";
  EXPECT_EQ(chosen.error().code, ErrorCode::invalid_request);
  EXPECT_NE(chosen.error().message.find("sms.outbox_on_shared_database"), std::string::npos) << chosen.error().message;
  EXPECT_EQ(outbox, nullptr);

  SmsSettings settings;
  config::Registry keys;
  keys.add(sms_setting_keys(), settings);
  EXPECT_FALSE(keys.set("sms.outbox_on_shared_database", "yes").ok()) << "the value names the risk";
  ASSERT_TRUE(keys.set("sms.outbox_on_shared_database", std::string(kOutboxRiskAccepted)).ok());
  auto accepted = make_sms_gateway(settings, *db_, clock_, &outbox);
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  EXPECT_EQ(outbox, accepted->get());
}

TEST_P(OutboxTest, TheConfigurationChoosesTheGateway) {
  OutboxSmsGateway* outbox = nullptr;
  SmsSettings config_outbox;
  config_outbox.outbox_on_shared_database = std::string(kOutboxRiskAccepted);
  auto chosen = make_sms_gateway(config_outbox, *db_, clock_, &outbox);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ((*chosen)->kind(), "outbox");
  EXPECT_EQ(outbox, chosen->get());

  firma::testing::write_file(dir_.path() / "kannel-pw", "pw\n");
  SmsSettings kannel;
  kannel.gateway = "kannel";
  kannel.kannel_password_file = (dir_.path() / "kannel-pw").string();
  outbox = nullptr;
  auto k = make_sms_gateway(kannel, *db_, clock_, &outbox);
  ASSERT_TRUE(k.ok()) << k.error().message;
  EXPECT_EQ((*k)->kind(), "kannel");
  EXPECT_EQ(outbox, nullptr);

  SmsSettings http;
  http.gateway = "http";
  http.http_url = "https://sms.example/api";
  http.http_auth = "bearer";
  http.http_secret_env = "FIRMA_TEST_UNSET_SMS_TOKEN";
  auto h = make_sms_gateway(http, *db_, clock_);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().message.find("FIRMA_TEST_UNSET_SMS_TOKEN"), std::string::npos) << h.error().message;

  SmsSettings settings;
  config::Registry keys;
  keys.add(sms_setting_keys(), settings);
  EXPECT_FALSE(keys.set("sms.gateway", "carrier-pigeon").ok());
  ASSERT_TRUE(keys.set("sms.gateway", "http").ok());
  EXPECT_EQ(settings.gateway, "http");
}

INSTANTIATE_TEST_SUITE_P(Identity, OutboxTest, ::testing::Values(store::Backend::sqlite, store::Backend::postgresql),
                         backend_name);

}  // namespace
}  // namespace firma::identity::testing
