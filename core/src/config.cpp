// `key = value` settings: the file, environment and flag readers, and the checks the modules' keys share.
#include "core/config.h"

#include <cctype>
#include <charconv>
#include <fstream>
#include <map>
#include <set>

namespace firma::config {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::size_t> parse_count(std::string_view v, std::size_t min, std::size_t max) {
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || end != v.data() + v.size() || n < min || n > max)
    return make_error(ErrorCode::invalid_request, "expected a whole number from " + std::to_string(min) + " to " +
                                                      std::to_string(max) + ", got '" + std::string(v) + "'");
  return n;
}

Status check_one_of(std::string_view v, const std::vector<std::string_view>& allowed) {
  for (std::string_view a : allowed)
    if (a == v) return {};
  std::string words;
  for (std::string_view a : allowed) words += (words.empty() ? "" : ", ") + std::string(a);
  return make_error(ErrorCode::invalid_request, "expected one of " + words + ", got '" + std::string(v) + "'");
}

Status Registry::set(std::string_view key, std::string_view value) const {
  for (const Bound& k : keys_) {
    if (k.name != key) continue;
    Status s = k.set(value);
    if (!s) return make_error(s.error().code, std::string(key) + ": " + s.error().message);
    return {};
  }
  return make_error(ErrorCode::invalid_request, "unknown configuration key '" + std::string(key) + "'");
}

Status Registry::read_file(const std::string& path) const {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::invalid_request, "cannot read configuration file " + path);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string_view l = trim(line);
    if (l.empty() || l.front() == '#') continue;
    auto eq = l.find('=');
    if (eq == std::string_view::npos)
      return make_error(ErrorCode::invalid_request, path + ":" + std::to_string(number) + ": expected key = value");
    Status s = set(trim(l.substr(0, eq)), trim(l.substr(eq + 1)));
    if (!s) return make_error(s.error().code, path + ":" + std::to_string(number) + ": " + s.error().message);
  }
  return {};
}

Status Registry::read_environment(char** environ) const {
  auto variable_of = [](std::string_view name) {
    std::string var = "FIRMA_";
    for (char c : name) var += (c == '.') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return var;
  };
  std::set<std::string> known;                       // FIRMA_HSM_MODULE, ...
  std::map<std::string, std::string_view> sections;  // FIRMA_HSM_ -> hsm (the sections of dotted keys)
  for (const Bound& k : keys_) {
    known.insert(variable_of(k.name));
    if (auto dot = k.name.find('.'); dot != std::string_view::npos)
      sections.emplace(variable_of(k.name.substr(0, dot)) + "_", k.name.substr(0, dot));
  }
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string var(entry.substr(0, eq));
    if (known.count(var) != 0) continue;
    // In a section of ours but no key of it: a typo that would otherwise start silently with the default, refused
    // as --set refuses an unknown key. Other FIRMA_ variables (FIRMA_URL is firmactl's) are left alone.
    for (const auto& [prefix, section] : sections)
      if (var.size() > prefix.size() && var.compare(0, prefix.size(), prefix) == 0)
        return make_error(ErrorCode::invalid_request,
                          var + ": unknown configuration key (no " + std::string(section) + ".* setting by that name)");
  }
  for (const Bound& k : keys_) {
    const std::string var = variable_of(k.name);
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string_view entry(*e);
      if (entry.size() > var.size() && entry.substr(0, var.size()) == var && entry[var.size()] == '=') {
        Status s = set(k.name, entry.substr(var.size() + 1));
        if (!s) return make_error(s.error().code, var + ": " + s.error().message);
      }
    }
  }
  return {};
}

std::vector<std::string_view> Registry::keys() const {
  std::vector<std::string_view> names;
  for (const Bound& k : keys_) names.push_back(k.name);
  return names;
}

}  // namespace firma::config
