// Kannel end to end: bearerbox, smsbox and the fakesmsc test SMSC on loopback; the service sends the activation
// code through Kannel's sendsms, the test reads what fakesmsc received and completes the activation with it.
#include <gtest/gtest.h>

#include <filesystem>

#include "citizens_http.h"
#include "kannel_support.h"
#include "support/process.h"
#include "support/sms_code.h"

namespace firma::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

const std::string kNif = "X1234567L";
const std::string kMobile = "+34611222333";

// What fakesmsc received last.
std::string received_text(const std::string& output) {
  auto messages = fakesmsc_messages(output);
  return messages.empty() ? std::string() : messages.back().text;
}

TEST(CitizensKannel, AnActivationCodeTravelsThroughKannel) {
  TempDir dir;
  const KannelPorts ports;
  const fs::path config = dir.path() / "kannel.conf";
  write_file(config, ports.configuration());

  Process bearerbox(kBearerbox, {config.string()});
  ASSERT_TRUE(wait_listening(ports.smsc, 30s)) << bearerbox.output();
  Process fakesmsc(kFakesmsc, fakesmsc_args(ports));
  Process smsbox(kSmsbox, {config.string()});
  ASSERT_TRUE(wait_listening(ports.sendsms, 30s)) << smsbox.output();

  auto kannel = identity::KannelSmsGateway::make(
      identity::KannelOptions{ports.sendsms_url(), "firma", Secret("kannel-secret"), "Firma", 10s});
  ASSERT_TRUE(kannel.ok()) << kannel.error().message;
  std::unique_ptr<CitizensServer> server;
  try {
    server = std::make_unique<CitizensServer>(store::Backend::sqlite, CitizensServer::generous(), kannel->get());
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }

  const std::string code = server->register_citizen(kNif, kMobile);
  auto started =
      server->post("/v1/citizens/activation", {{"nif", kNif}, {"email", "ana@example.es"}, {"activation_code", code}});
  ASSERT_EQ(started.status, 202) << started.body.dump();
  ASSERT_TRUE(fakesmsc.wait_for_output("Got message", 30s)) << fakesmsc.output() << bearerbox.output();
  const std::string text = received_text(fakesmsc.output());
  EXPECT_NE(text.find("Cl@ve Firma: su c\u00F3digo de activaci\u00F3n es "), std::string::npos) << text;
  EXPECT_NE(fakesmsc.output().find(kMobile), std::string::npos) << fakesmsc.output();
  const std::string otp = code_in(std::string_view(text).substr(text.find(" es ")));
  ASSERT_EQ(otp.size(), 6u) << text;

  auto done =
      server->post("/v1/citizens/activation/complete",
                   {{"challenge_id", started.body["challenge_id"]}, {"otp", otp}, {"password", "Girasol.2024"}});
  EXPECT_EQ(done.status, 200) << done.body.dump();
  EXPECT_EQ(done.body["status"], "active");
  EXPECT_EQ(server->get("/v1/admin/sms/outbox", server->outbox_token).status, 404) << "no outbox with Kannel";

  smsbox.signal(SIGTERM);
  fakesmsc.signal(SIGTERM);
  bearerbox.signal(SIGTERM);
  smsbox.wait(20s);
  fakesmsc.wait(20s);
  bearerbox.wait(20s);
}

}  // namespace
}  // namespace firma::testing
