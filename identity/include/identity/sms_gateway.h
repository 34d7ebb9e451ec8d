// SMS gateways: one interface, three implementations chosen by configuration (outbox, Kannel, generic HTTP).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"
#include "identity/settings.h"

namespace firma::store {
class Database;
}

namespace firma::identity {

// One SMS. The text carries a one-time code, so it is a Secret: it can reach a gateway but never a log line.
struct SmsMessage {
  std::string to;  // E.164
  Secret text;
};

class SmsGateway {
 public:
  virtual ~SmsGateway() = default;
  // "outbox", "kannel" or "http".
  virtual std::string_view kind() const noexcept = 0;
  // Hands the message to the gateway. A gateway that cannot be reached, times out or refuses is `unavailable`
  // (the message names the gateway and its answer, never the text). Thread-safe.
  virtual Status send(const SmsMessage& message) = 0;
};

// A message the outbox "sent".
struct OutboxMessage {
  std::string to;
  std::string text;
  Instant at{};
};

// The embedded default: messages are stored in the database (table sms_outbox) instead of sent, and operators
// read them (GET /v1/admin/sms/outbox, firmactl sms outbox). For a single machine and tests, not for production:
// whoever reads the outbox reads the codes.
class OutboxSmsGateway final : public SmsGateway {
 public:
  OutboxSmsGateway(store::Database& db, const Clock& clock);
  std::string_view kind() const noexcept override { return "outbox"; }
  Status send(const SmsMessage& message) override;
  // Oldest first; only those to `to` (E.164) when given; the most recent `limit` ones.
  Result<std::vector<OutboxMessage>> messages(const std::optional<std::string>& to, std::size_t limit = 1000) const;

 private:
  store::Database& db_;
  const Clock& clock_;
};

// Kannel's HTTP sendsms interface (smsbox `sendsms-port`): GET URL?username=..&password=..&from=..&to=..&text=..
// with charset=UTF-8; Kannel answers 202 "Accepted for delivery" (or 200 "Sent.").
struct KannelOptions {
  std::string url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  std::string username;
  Secret password;
  std::string from;
  std::chrono::seconds timeout{10};
};

class KannelSmsGateway final : public SmsGateway {
 public:
  // invalid_request when the URL is not http(s)://HOST[:PORT]/PATH.
  static Result<std::unique_ptr<KannelSmsGateway>> make(KannelOptions options);
  std::string_view kind() const noexcept override { return "kannel"; }
  Status send(const SmsMessage& message) override;

 private:
  explicit KannelSmsGateway(KannelOptions options) : options_(std::move(options)) {}
  KannelOptions options_;
};

// A generic HTTP SMS provider. `body` is a template in which {to}, {from} and {text} are replaced by the values
// escaped for `format`: form (application/x-www-form-urlencoded, percent-encoded), json (application/json, JSON
// string escapes; the template supplies the quotes) or query (percent-encoded and appended to the URL's query;
// no body). Authentication: none, basic (username + secret) or bearer (secret). Any 2xx answer is success.
struct HttpSmsOptions {
  std::string url;
  std::string method = "POST";  // POST, PUT or GET
  std::string format = "form";  // form, json or query
  std::string body = "to={to}&from={from}&text={text}";
  std::string auth = "none";  // none, basic or bearer
  std::string username;
  Secret secret;
  std::string from;
  std::chrono::seconds timeout{10};
};

class HttpSmsGateway final : public SmsGateway {
 public:
  // invalid_request for a bad URL, method, format, auth, or a template without {to} or {text}.
  static Result<std::unique_ptr<HttpSmsGateway>> make(HttpSmsOptions options);
  std::string_view kind() const noexcept override { return "http"; }
  Status send(const SmsMessage& message) override;

 private:
  explicit HttpSmsGateway(HttpSmsOptions options) : options_(std::move(options)) {}
  HttpSmsOptions options_;
};

// The gateway the configuration names (sms.gateway and its sms.* keys); secrets are read from the named file
// (first line) or environment variable. For "outbox", `outbox` (when not null) also receives the gateway, so the
// caller can serve its messages to operators; the outbox is announced with a warning (it shows every code to its
// readers) and refused (invalid_request) on a PostgreSQL database, a setup of several nodes and operators, unless
// sms.outbox_on_shared_database names the risk (kOutboxRiskAccepted).
Result<std::unique_ptr<SmsGateway>> make_sms_gateway(const SmsSettings& config, store::Database& db, const Clock& clock,
                                                     OutboxSmsGateway** outbox = nullptr);

}  // namespace firma::identity
