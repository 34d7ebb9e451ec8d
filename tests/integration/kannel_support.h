// Kannel on loopback for the tests: a free port, waiting for a listener, the configuration of bearerbox, smsbox
// and the fakesmsc test SMSC, and the messages fakesmsc received.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace firma::testing {

// A port the kernel had free a moment ago (Kannel needs them in its configuration before it starts).
inline int free_port() {
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
inline bool wait_listening(int port, std::chrono::seconds limit) {
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
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The ports of one Kannel (bearerbox, smsbox and fakesmsc) and its configuration file's text: sendsms user
// `firma`, password `kannel-secret`.
struct KannelPorts {
  int admin = free_port();
  int box = free_port();
  int smsc = free_port();
  int sendsms = free_port();

  std::string configuration() const {
    return "group = core\nadmin-port = " + std::to_string(admin) +
           "\nadmin-password = admin-secret\nsmsbox-port = " + std::to_string(box) +
           "\nbox-allow-ip = 127.0.0.1\nadmin-allow-ip = 127.0.0.1\n\n"
           "group = smsc\nsmsc = fake\nsmsc-id = fake\nhost = 127.0.0.1\nport = " +
           std::to_string(smsc) +
           "\nconnect-allow-ip = 127.0.0.1\n\n"
           "group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = " +
           std::to_string(box) + "\nsendsms-port = " + std::to_string(sendsms) +
           "\nsendsms-interface = 127.0.0.1\n\n"
           "group = sendsms-user\nusername = firma\npassword = kannel-secret\n";
  }
  std::string sendsms_url() const { return "http://127.0.0.1:" + std::to_string(sendsms) + "/cgi-bin/sendsms"; }
};

inline constexpr const char* kBearerbox = "/usr/sbin/bearerbox";
inline constexpr const char* kSmsbox = "/usr/sbin/smsbox";
inline constexpr const char* kFakesmsc = "/usr/lib/kannel/test/fakesmsc";

// fakesmsc's arguments: connect to the SMSC port, send nothing, print what it receives.
inline std::vector<std::string> fakesmsc_args(const KannelPorts& ports) {
  return {"-H", "127.0.0.1", "-r", std::to_string(ports.smsc), "-i", "1", "-m", "0", "100 200 text x"};
}

struct ReceivedSms {
  std::string to;
  std::string text;  // UTF-8
};

// One line "Got message N: <from to type text>" as printed by fakesmsc; a ucs-2 text is percent-encoded
// UTF-16BE.
inline ReceivedSms decode_fakesmsc_message(const std::string& inside) {
  std::size_t p1 = inside.find(' '), p2 = inside.find(' ', p1 + 1), p3 = inside.find(' ', p2 + 1);
  if (p3 == std::string::npos) return {};
  const std::string to = inside.substr(p1 + 1, p2 - p1 - 1);
  const std::string type = inside.substr(p2 + 1, p3 - p2 - 1);
  const std::string text = inside.substr(p3 + 1);
  if (type != "ucs-2") return {to, text};
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
  return {to, utf8};
}

// Every message in fakesmsc's output, oldest first.
inline std::vector<ReceivedSms> fakesmsc_messages(const std::string& output) {
  std::vector<ReceivedSms> out;
  for (auto at = output.find("Got message"); at != std::string::npos; at = output.find("Got message", at + 1)) {
    auto open = output.find('<', at), close = output.find('>', open);
    if (open == std::string::npos || close == std::string::npos) break;
    out.push_back(decode_fakesmsc_message(output.substr(open + 1, close - open - 1)));
  }
  return out;
}

}  // namespace firma::testing
