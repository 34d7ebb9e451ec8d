// A browser's requests made by hand for the integration tests of the citizens' pages: forms, a cookie jar that
// honours Path and Max-Age=0, and redirects left to the test.
#pragma once

#include <httplib.h>

#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>

namespace firma::testing {

struct Page {
  int status = 0;
  std::string body;
  httplib::Headers headers;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool has(const std::string& fragment) const { return body.find(fragment) != std::string::npos; }
  // The value of the hidden csrf input of the page's forms.
  std::string csrf() const {
    const std::string marker = R"(name="csrf" value=")";
    auto at = body.find(marker);
    if (at == std::string::npos) return {};
    at += marker.size();
    return body.substr(at, body.find('"', at) - at);
  }
};

inline std::string form_encode(const std::map<std::string, std::string>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += name + "=";
    for (unsigned char c : value) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_') {
        out += static_cast<char>(c);
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      }
    }
  }
  return out;
}

// A browser as far as these pages need one: a cookie jar that honours Path and Max-Age=0, no redirects followed.
class Browser {
 public:
  explicit Browser(std::uint16_t port) : port_(port) {}

  Page get(const std::string& path, const httplib::Headers& extra = {}) { return send("GET", path, "", extra); }
  Page post(const std::string& path, const std::map<std::string, std::string>& fields) {
    return send("POST", path, form_encode(fields), {});
  }
  std::string cookie(const std::string& name) const {
    for (const auto& [key, value] : jar_)
      if (key.first == name) return value;
    return {};
  }
  void forget(const std::string& name) {
    for (auto it = jar_.begin(); it != jar_.end();) it = it->first.first == name ? jar_.erase(it) : std::next(it);
  }

 private:
  Page send(const std::string& method, const std::string& path, const std::string& body, httplib::Headers headers) {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(60);
    std::string cookies;
    const std::string bare = path.substr(0, path.find('?'));
    for (const auto& [key, value] : jar_)
      if (bare.rfind(key.second, 0) == 0) cookies += (cookies.empty() ? "" : "; ") + key.first + "=" + value;
    if (!cookies.empty()) headers.emplace("Cookie", cookies);
    auto r = method == "GET" ? client.Get(path, headers)
                             : client.Post(path, headers, body, "application/x-www-form-urlencoded");
    if (!r) throw std::runtime_error(method + " " + path + ": no answer");
    for (const auto& [name, value] : r->headers)
      if (name == "Set-Cookie") keep(value);
    return Page{r->status, r->body, r->headers};
  }

  void keep(const std::string& set_cookie) {
    const auto eq = set_cookie.find('=');
    const auto semi = set_cookie.find(';');
    const std::string name = set_cookie.substr(0, eq);
    const std::string value = set_cookie.substr(eq + 1, semi - eq - 1);
    std::string path = "/";
    if (auto p = set_cookie.find("Path="); p != std::string::npos)
      path = set_cookie.substr(p + 5, set_cookie.find(';', p) - p - 5);
    if (set_cookie.find("Max-Age=0") != std::string::npos) {
      jar_.erase({name, path});
    } else {
      jar_[{name, path}] = value;
    }
  }

  std::uint16_t port_;
  std::map<std::pair<std::string, std::string>, std::string> jar_;
};

}  // namespace firma::testing
