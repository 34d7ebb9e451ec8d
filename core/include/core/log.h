// Structured JSON-lines logging. Fields take plain values only: a Secret cannot be logged.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace firma::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

class Field {
 public:
  Field(std::string_view key, std::string_view value) : key_(key), value_(std::string(value)) {}
  Field(std::string_view key, const char* value) : key_(key), value_(std::string(value)) {}
  Field(std::string_view key, const std::string& value) : key_(key), value_(value) {}
  Field(std::string_view key, std::int64_t value) : key_(key), value_(value) {}
  Field(std::string_view key, int value) : key_(key), value_(static_cast<std::int64_t>(value)) {}
  Field(std::string_view key, unsigned value) : key_(key), value_(static_cast<std::int64_t>(value)) {}
  Field(std::string_view key, std::uint64_t value) : key_(key), value_(static_cast<std::int64_t>(value)) {}
  Field(std::string_view key, double value) : key_(key), value_(value) {}
  Field(std::string_view key, bool value) : key_(key), value_(value) {}

  std::string_view key() const { return key_; }
  const std::variant<std::string, std::int64_t, double, bool>& value() const { return value_; }

 private:
  std::string_view key_;
  std::variant<std::string, std::int64_t, double, bool> value_;
};

using Fields = std::initializer_list<Field>;

void write(Level level, std::string_view event, Fields fields = {});
inline void debug(std::string_view event, Fields fields = {}) {
  write(Level::debug, event, fields);
}
inline void info(std::string_view event, Fields fields = {}) {
  write(Level::info, event, fields);
}
inline void warn(std::string_view event, Fields fields = {}) {
  write(Level::warn, event, fields);
}
inline void error(std::string_view event, Fields fields = {}) {
  write(Level::error, event, fields);
}

void set_level(Level level);
bool parse_level(std::string_view text, Level& out);
// Replaces the sink (stderr by default); tests capture lines this way. Pass nullptr to restore.
void set_sink(std::function<void(std::string_view line)> sink);

// JSON string escaping, shared with whoever writes JSON without a JSON library.
std::string json_escape(std::string_view text);

}  // namespace firma::log
