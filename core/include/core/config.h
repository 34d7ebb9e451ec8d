// Settings as `key = value` text: read from a file, FIRMA_* environment variables and flags, each key checked by
// the module that owns it (hsm/settings.h, store/settings.h, ...). Errors name the key and where it was read.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace firma::config {

// One key of a module's settings S: how its text is checked and stored. An error says what was expected; the
// caller names the key and where the value came from.
template <class S>
struct Key {
  std::string_view name;  // "hsm.module": the module's section, a dot, the setting
  std::function<Status(S&, std::string_view)> set;
};

// Every key of one settings type, in the order `--help` and the environment go through them.
template <class S>
using Keys = std::vector<Key<S>>;

// The checks behind the keys below: a whole number from min to max, one of a few words.
Result<std::size_t> parse_count(std::string_view text, std::size_t min, std::size_t max);
Status check_one_of(std::string_view text, const std::vector<std::string_view>& allowed);

// Any text.
template <class S>
Key<S> text(std::string_view name, std::string S::*field) {
  return {name, [field](S& s, std::string_view v) -> Status {
            s.*field = std::string(v);
            return {};
          }};
}

// A whole number from min to max.
template <class S>
Key<S> count(std::string_view name, std::size_t S::*field, std::size_t min, std::size_t max) {
  return {name, [=](S& s, std::string_view v) -> Status {
            auto n = parse_count(v, min, max);
            if (!n) return std::move(n).error();
            s.*field = *n;
            return {};
          }};
}

// One of a fixed set of words (sms.gateway, ...).
template <class S>
Key<S> one_of(std::string_view name, std::string S::*field, std::vector<std::string_view> allowed) {
  return {name, [field, allowed = std::move(allowed)](S& s, std::string_view v) -> Status {
            if (Status ok = check_one_of(v, allowed); !ok) return ok;
            s.*field = std::string(v);
            return {};
          }};
}

// Every key a program knows, each bound to the settings object it fills (which must outlive the registry).
// Values are checked as they are read: a bad value is an error even when a later source would replace it.
class Registry {
 public:
  template <class S>
  void add(const Keys<S>& keys, S& settings) {
    for (const Key<S>& k : keys)
      keys_.push_back({k.name, [&settings, set = k.set](std::string_view v) { return set(settings, v); }});
  }

  // Sets one key ("hsm.module", "server.listen", ...). Unknown keys and bad values are errors naming the key.
  Status set(std::string_view key, std::string_view value) const;

  // Reads `key = value` lines (# comments, blank lines). Errors name the file and line.
  Status read_file(const std::string& path) const;

  // Reads FIRMA_<KEY> variables, the key upper-cased with dots as underscores (FIRMA_HSM_MODULE). A variable in a
  // section of the keys (FIRMA_HSM_...) that names no key is an error, as an unknown key is for set(); others are
  // left alone (FIRMA_URL is firmactl's). Errors name the variable.
  Status read_environment(char** environ) const;

  // Every key, in the order they were added.
  std::vector<std::string_view> keys() const;

 private:
  struct Bound {
    std::string_view name;
    std::function<Status(std::string_view)> set;
  };
  std::vector<Bound> keys_;
};

}  // namespace firma::config
