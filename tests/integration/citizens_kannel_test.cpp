// Kannel end to end: bearerbox, smsbox and the fakesmsc test SMSC on loopback; the service sends the activation
// code through Kannel's sendsms, the test reads what fakesmsc received and completes the activation with it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "citizens_http.h"
#include "support/process.h"

namespace firma::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

const std::string kNif = "X1234567L";
const std::string kMobile = "+34611222333";

// A port the kernel had free a moment ago (Kannel needs them in its configuration before it starts).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Waits (start-up, not time logic) until something listens on the port.
bool wait_listening(int port, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (up) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// fakesmsc prints "Got message N: <from to type text>"; a ucs-2 text is percent-encoded UTF-16BE.
std::string received_text(const std::string& output) {
  auto at = output.rfind("Got message");
  if (at == std::string::npos) return {};
  auto open = output.find('<', at), close = output.find('>', at);
  if (open == std::string::npos || close == std::string::npos) return {};
  const std::string inside = output.substr(open + 1, close - open - 1);
  // from, to, type, then the text
  std::size_t p1 = inside.find(' '), p2 = inside.find(' ', p1 + 1), p3 = inside.find(' ', p2 + 1);
  if (p3 == std::string::npos) return {};
  const std::string type = inside.substr(p2 + 1, p3 - p2 - 1);
  const std::string text = inside.substr(p3 + 1);
  if (type != "ucs-2") return text;
  std::string bytes;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      bytes += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      bytes += text[i] == '+' ? ' ' : text[i];
    }
  }
  std::string utf8;
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
    const unsigned code = (static_cast<unsigned char>(bytes[i]) << 8) | static_cast<unsigned char>(bytes[i + 1]);
    if (code < 0x80) {
      utf8 += static_cast<char>(code);
    } else if (code < 0x800) {
      utf8 += static_cast<char>(0xC0 | (code >> 6));
      utf8 += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      utf8 += static_cast<char>(0xE0 | (code >> 12));
      utf8 += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      utf8 += static_cast<char>(0x80 | (code & 0x3F));
    }
  }
  return utf8;
}

TEST(CitizensKannel, AnActivationCodeTravelsThroughKannel) {
  TempDir dir;
  const int admin = free_port(), box = free_port(), smsc = free_port(), sendsms = free_port();
  const fs::path config = dir.path() / "kannel.conf";
  write_file(config,
             "group = core\n"
             "admin-port = " +
                 std::to_string(admin) +
                 "\n"
                 "admin-password = admin-secret\n"
                 "smsbox-port = " +
                 std::to_string(box) +
                 "\n"
                 "box-allow-ip = 127.0.0.1\n"
                 "admin-allow-ip = 127.0.0.1\n"
                 "\n"
                 "group = smsc\n"
                 "smsc = fake\n"
                 "smsc-id = fake\n"
                 "host = 127.0.0.1\n"
                 "port = " +
                 std::to_string(smsc) +
                 "\n"
                 "connect-allow-ip = 127.0.0.1\n"
                 "\n"
                 "group = smsbox\n"
                 "bearerbox-host = 127.0.0.1\n"
                 "bearerbox-port = " +
                 std::to_string(box) +
                 "\n"
                 "sendsms-port = " +
                 std::to_string(sendsms) +
                 "\n"
                 "sendsms-interface = 127.0.0.1\n"
                 "\n"
                 "group = sendsms-user\n"
                 "username = firma\n"
                 "password = kannel-secret\n");

  Process bearerbox("/usr/sbin/bearerbox", {config.string()});
  ASSERT_TRUE(wait_listening(smsc, 30s)) << bearerbox.output();
  Process fakesmsc("/usr/lib/kannel/test/fakesmsc",
                   {"-H", "127.0.0.1", "-r", std::to_string(smsc), "-i", "1", "-m", "0", "100 200 text x"});
  Process smsbox("/usr/sbin/smsbox", {config.string()});
  ASSERT_TRUE(wait_listening(sendsms, 30s)) << smsbox.output();

  auto kannel = identity::KannelSmsGateway::make(
      identity::KannelOptions{"http://127.0.0.1:" + std::to_string(sendsms) + "/cgi-bin/sendsms", "firma",
                              Secret("kannel-secret"), "Firma", 10s});
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
  std::string otp;
  for (std::size_t i = text.find(" es ") + 4; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i)
    otp += text[i];
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
