// The three SMS gateways: the database outbox, Kannel's sendsms, and a generic HTTP provider (cpp-httplib).
#include <httplib.h>

#include <cstdlib>
#include <exception>
#include <fstream>

#include "core/log.h"
#include "core/percent_encoding.h"
#include "identity/sms_gateway.h"
#include "store/database.h"
#include "store/sms_outbox.h"

namespace firma::identity {
namespace {

// http(s)://HOST[:PORT] and the rest (path and query), as cpp-httplib wants them.
struct Url {
  std::string origin;
  std::string target;
};

Result<Url> split_url(std::string_view url, std::string_view what) {
  const auto bad = [&](std::string_view why) {
    return make_error(ErrorCode::invalid_request,
                      std::string(what) + " '" + std::string(url) + "': " + std::string(why));
  };
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad("expected http://HOST[:PORT]/PATH");
  std::string_view scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return bad("the scheme must be http or https");
  std::size_t path = url.find('/', scheme_end + 3);
  std::string_view authority =
      url.substr(scheme_end + 3, path == std::string_view::npos ? url.npos : path - scheme_end - 3);
  if (authority.empty() || authority.find('@') != std::string_view::npos)
    return bad("expected a host (credentials go in their own settings)");
  return Url{std::string(url.substr(0, path == std::string_view::npos ? url.size() : path)),
             path == std::string_view::npos ? std::string("/") : std::string(url.substr(path))};
}

std::unique_ptr<httplib::Client> client_for(const std::string& origin, std::chrono::seconds timeout) {
  auto client = std::make_unique<httplib::Client>(origin);
  client->set_tcp_nodelay(true);
  client->set_connection_timeout(timeout);
  client->set_read_timeout(timeout);
  client->set_write_timeout(timeout);
  client->set_follow_location(false);
  return client;
}

// The answer's first line, trimmed and bounded: gateways answer short texts ("0: Accepted for delivery").
std::string short_answer(const std::string& body) {
  std::string line = body.substr(0, body.find_first_of("\r\n"));
  if (line.size() > 120) line = line.substr(0, 120) + "...";
  return line;
}

Status judge_answer(const httplib::Result& answer, std::string_view gateway) {
  if (!answer)
    return make_error(ErrorCode::unavailable,
                      std::string(gateway) + " SMS gateway unreachable: " + httplib::to_string(answer.error()));
  if (answer->status < 200 || answer->status > 299)
    return make_error(ErrorCode::unavailable, std::string(gateway) + " SMS gateway refused the message: HTTP " +
                                                  std::to_string(answer->status) + " " + short_answer(answer->body));
  return {};
}

// Whether every character is in the GSM 03.38 default alphabet or its extension table (3GPP TS 23.038 6.2.1), so
// that the SMS can travel in 7-bit coding; otherwise it goes as UCS-2 (Kannel's coding=2), or accents such as the
// "ó" of "código" would arrive as '?'.
bool fits_gsm7(std::string_view utf8) {
  static const std::u32string extra =
      U"\u00A3\u00A5\u00E8\u00E9\u00F9\u00EC\u00F2\u00C7\u00D8\u00F8\u00C5\u00E5\u0394\u03A6\u0393\u039B\u03A9\u03A0"
      U"\u03A8\u03A3\u0398\u039E\u00C6\u00E6\u00DF\u00C9\u00A4\u00A1\u00C4\u00D6\u00D1\u00DC\u00A7\u00BF\u00E4\u00F6"
      U"\u00F1\u00FC\u00E0\u20AC";
  for (std::size_t i = 0; i < utf8.size();) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    if (lead < 0x80) {
      if (lead < 0x20 && lead != '\n' && lead != '\r') return false;
      if (lead == '`') return false;
      ++i;
      continue;
    }
    const std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (length == 1 || i + length > utf8.size()) return false;
    char32_t code = lead & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length; ++k) code = (code << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    if (extra.find(code) == std::u32string::npos) return false;
    i += length;
  }
  return true;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

Result<Secret> read_secret(const std::string& file, const std::string& env, std::string_view what) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return make_error(ErrorCode::invalid_request, "cannot read " + std::string(what) + " file " + file);
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    return Secret(std::move(line));
  }
  if (!env.empty()) {
    const char* value = std::getenv(env.c_str());
    if (value == nullptr)
      return make_error(ErrorCode::invalid_request,
                        "environment variable " + env + " (" + std::string(what) + ") is not set");
    return Secret(value);
  }
  return Secret();
}

}  // namespace

// --- outbox -------------------------------------------------------------------------------------------------

OutboxSmsGateway::OutboxSmsGateway(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Status OutboxSmsGateway::send(const SmsMessage& message) {
  auto stored = db_.transact(
      [&](store::Tx& tx) { return store::SmsOutboxRows::insert(tx, message.to, message.text.reveal(), clock_.now()); });
  if (!stored) return make_error(ErrorCode::unavailable, "SMS outbox: " + stored.error().message);
  return {};
}

Result<std::vector<OutboxMessage>> OutboxSmsGateway::messages(const std::optional<std::string>& to,
                                                              std::size_t limit) const {
  auto rows = db_.transact([&](store::Tx& tx) { return store::SmsOutboxRows::list(tx, to, limit); });
  if (!rows) return std::move(rows).error();
  std::vector<OutboxMessage> out;
  out.reserve(rows->size());
  for (auto& r : *rows) out.push_back(OutboxMessage{std::move(r.to), std::move(r.body), r.created_at});
  return out;
}

// --- Kannel -------------------------------------------------------------------------------------------------

Result<std::unique_ptr<KannelSmsGateway>> KannelSmsGateway::make(KannelOptions options) {
  auto url = split_url(options.url, "sms.kannel.url");
  if (!url) return std::move(url).error();
  if (url->target.find('?') != std::string::npos)
    return make_error(ErrorCode::invalid_request, "sms.kannel.url: no query; username and password are settings");
  return std::unique_ptr<KannelSmsGateway>(new KannelSmsGateway(std::move(options)));
}

Status KannelSmsGateway::send(const SmsMessage& message) {
  auto url = split_url(options_.url, "sms.kannel.url");
  if (!url) return std::move(url).error();
  // Kannel's sendsms CGI variables (Kannel user guide, "Sending SMS messages"): charset says how `text` is
  // encoded; coding=2 (UCS-2) when the GSM alphabet cannot carry it.
  Secret target(url->target + "?username=" + percent_encode(options_.username) +
                "&password=" + percent_encode(options_.password.reveal()) + "&from=" + percent_encode(options_.from) +
                "&to=" + percent_encode(message.to) + "&charset=UTF-8" +
                (fits_gsm7(message.text.reveal()) ? "" : "&coding=2") +
                "&text=" + percent_encode(message.text.reveal()));
  try {
    auto client = client_for(url->origin, options_.timeout);
    auto answer = client->Get(std::string(target.reveal()));
    return judge_answer(answer, "Kannel");
  } catch (const std::exception& e) {
    return make_error(ErrorCode::unavailable, std::string("Kannel SMS gateway: ") + e.what());
  }
}

// --- generic HTTP -------------------------------------------------------------------------------------------

Result<std::unique_ptr<HttpSmsGateway>> HttpSmsGateway::make(HttpSmsOptions options) {
  auto url = split_url(options.url, "sms.http.url");
  if (!url) return std::move(url).error();
  if (options.method != "POST" && options.method != "PUT" && options.method != "GET")
    return make_error(ErrorCode::invalid_request, "sms.http.method must be POST, PUT or GET");
  if (options.format != "form" && options.format != "json" && options.format != "query")
    return make_error(ErrorCode::invalid_request, "sms.http.format must be form, json or query");
  if (options.method == "GET" && options.format != "query")
    return make_error(ErrorCode::invalid_request, "sms.http.method GET needs sms.http.format query");
  if (options.auth != "none" && options.auth != "basic" && options.auth != "bearer")
    return make_error(ErrorCode::invalid_request, "sms.http.auth must be none, basic or bearer");
  if (options.auth != "none" && options.secret.empty())
    return make_error(ErrorCode::invalid_request, "sms.http.auth " + options.auth +
                                                      " needs a secret (sms.http.secret_file or sms.http.secret_env)");
  if (options.body.find("{to}") == std::string::npos || options.body.find("{text}") == std::string::npos)
    return make_error(ErrorCode::invalid_request, "sms.http.body must contain {to} and {text}");
  return std::unique_ptr<HttpSmsGateway>(new HttpSmsGateway(std::move(options)));
}

Status HttpSmsGateway::send(const SmsMessage& message) {
  auto url = split_url(options_.url, "sms.http.url");
  if (!url) return std::move(url).error();
  const bool json = options_.format == "json";
  const auto escape = [json](std::string_view value) { return json ? log::json_escape(value) : percent_encode(value); };
  // {text} last: the text cannot smuggle a placeholder into the other values.
  std::string filled = replace_all(options_.body, "{to}", escape(message.to));
  filled = replace_all(std::move(filled), "{from}", escape(options_.from));
  Secret body(replace_all(std::move(filled), "{text}", escape(message.text.reveal())));
  try {
    auto client = client_for(url->origin, options_.timeout);
    if (options_.auth == "basic") client->set_basic_auth(options_.username, std::string(options_.secret.reveal()));
    if (options_.auth == "bearer") client->set_bearer_token_auth(std::string(options_.secret.reveal()));
    httplib::Result answer{nullptr, httplib::Error::Unknown};
    if (options_.format == "query") {
      const char joiner = url->target.find('?') == std::string::npos ? '?' : '&';
      const std::string target = url->target + joiner + std::string(body.reveal());
      answer = options_.method == "GET"   ? client->Get(target)
               : options_.method == "PUT" ? client->Put(target, "", "application/x-www-form-urlencoded")
                                          : client->Post(target, "", "application/x-www-form-urlencoded");
    } else {
      const std::string type = json ? "application/json" : "application/x-www-form-urlencoded";
      const std::string content(body.reveal());
      answer =
          options_.method == "PUT" ? client->Put(url->target, content, type) : client->Post(url->target, content, type);
    }
    return judge_answer(answer, "HTTP");
  } catch (const std::exception& e) {
    return make_error(ErrorCode::unavailable, std::string("HTTP SMS gateway: ") + e.what());
  }
}

// --- from configuration --------------------------------------------------------------------------------------

Result<std::unique_ptr<SmsGateway>> make_sms_gateway(const SmsSettings& config, store::Database& db, const Clock& clock,
                                                     OutboxSmsGateway** outbox) {
  const std::chrono::seconds timeout{static_cast<std::chrono::seconds::rep>(config.timeout_seconds)};
  if (config.gateway == "outbox") {
    if (db.backend() == store::Backend::postgresql && config.outbox_on_shared_database != kOutboxRiskAccepted)
      return make_error(ErrorCode::invalid_request,
                        "sms.gateway = outbox keeps every code where operators read it, which is for a single machine "
                        "and tests; with a PostgreSQL database use kannel or http, or set "
                        "sms.outbox_on_shared_database = " +
                            std::string(kOutboxRiskAccepted));
    log::warn("sms_outbox_gateway",
              {{"message",
                "SMS are not sent: they are kept in the database, and any operator with the sms_outbox_reader role "
                "reads every citizen's codes and could sign in their name; for a single machine and tests only"}});
    auto gateway = std::make_unique<OutboxSmsGateway>(db, clock);
    if (outbox != nullptr) *outbox = gateway.get();
    return std::unique_ptr<SmsGateway>(std::move(gateway));
  }
  if (config.gateway == "kannel") {
    auto password = read_secret(config.kannel_password_file, config.kannel_password_env, "sms.kannel password");
    if (!password) return std::move(password).error();
    auto gateway = KannelSmsGateway::make(
        KannelOptions{config.kannel_url, config.kannel_username, std::move(*password), config.from, timeout});
    if (!gateway) return std::move(gateway).error();
    return std::unique_ptr<SmsGateway>(std::move(*gateway));
  }
  if (config.gateway == "http") {
    auto secret = read_secret(config.http_secret_file, config.http_secret_env, "sms.http secret");
    if (!secret) return std::move(secret).error();
    auto gateway = HttpSmsGateway::make(HttpSmsOptions{config.http_url, config.http_method, config.http_format,
                                                       config.http_body, config.http_auth, config.http_username,
                                                       std::move(*secret), config.from, timeout});
    if (!gateway) return std::move(gateway).error();
    return std::unique_ptr<SmsGateway>(std::move(*gateway));
  }
  return make_error(ErrorCode::invalid_request,
                    "sms.gateway must be outbox, kannel or http, not '" + config.gateway + "'");
}

}  // namespace firma::identity
