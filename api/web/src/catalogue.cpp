// The message catalogues of the web pages, read from resources/messages_<lang>.properties (Spanish is the default).
// A key must be in both (tests/unit/api/web_catalogue_test.cpp checks).
#include "catalogue.h"

#include <map>
#include <vector>

#include "resources.h"

namespace firma::api::web {
namespace {

// One language's catalogue, read once from its resource file: "key = value" a line; blank lines and lines starting
// with '#' are ignored. A line without '=' is kept as a key of its own with no text, so that the completeness test
// names it.
struct Catalogue {
  std::map<std::string_view, std::string_view> index;
  std::vector<std::string_view> keys;  // in the file's order
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Catalogue parse(std::string_view text) {
  Catalogue c;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.empty() || line.front() == '#') continue;
    const auto eq = line.find('=');
    const std::string_view key = trim(line.substr(0, eq));
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : trim(line.substr(eq + 1));
    c.index.emplace(key, value);
    c.keys.push_back(key);
  }
  return c;
}

const Catalogue& table(Lang lang) {
  static const auto spanish = parse(resource("messages_es.properties"));
  static const auto english = parse(resource("messages_en.properties"));
  return lang == Lang::en ? english : spanish;
}

}  // namespace

std::string_view lang_tag(Lang lang) noexcept {
  return lang == Lang::en ? "en" : "es";
}

std::optional<Lang> parse_lang(std::string_view tag) noexcept {
  if (tag.size() != 2) return std::nullopt;
  const char a = static_cast<char>(tag[0] | 0x20);
  const char b = static_cast<char>(tag[1] | 0x20);
  if (a == 'e' && b == 's') return Lang::es;
  if (a == 'e' && b == 'n') return Lang::en;
  return std::nullopt;
}

std::string_view message(Lang lang, std::string_view key) noexcept {
  const auto& t = table(lang).index;
  auto it = t.find(key);
  if (it != t.end()) return it->second;
  // A missing key shows as itself in double brackets; the keys are string literals of the code, so the view
  // outlives the page. Unknown keys built at run time get the generic marker.
  static const std::string_view kMissing = "[[missing message]]";
  return kMissing;
}

std::vector<std::string_view> catalogue_keys(Lang lang) {
  return table(lang).keys;
}

}  // namespace firma::api::web
