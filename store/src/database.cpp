// Database::open (the URL decides the backend), Row's conversions, and what the backends share.
#include "store/database.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "backends.h"
#include "pool.h"

namespace firma::store {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

const Value null_value{nullptr};

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::string_view to_string(Backend backend) noexcept {
  switch (backend) {
    case Backend::sqlite: return "sqlite";
    case Backend::postgresql: return "postgresql";
  }
  return "unknown";
}

const Value& Row::value(std::size_t column) const noexcept {
  return column < values_.size() ? values_[column] : null_value;
}

bool Row::is_null(std::size_t column) const noexcept {
  return std::holds_alternative<std::nullptr_t>(value(column));
}

std::int64_t Row::integer(std::size_t column) const {
  const Value& v = value(column);
  if (const auto* number = std::get_if<std::int64_t>(&v)) return *number;
  if (const auto* text = std::get_if<std::string>(&v)) return parse_integer(*text).value_or(0);
  return 0;
}

std::string Row::text(std::size_t column) const {
  const Value& v = value(column);
  if (const auto* text = std::get_if<std::string>(&v)) return *text;
  if (const auto* number = std::get_if<std::int64_t>(&v)) return std::to_string(*number);
  if (const auto* bytes = std::get_if<Bytes>(&v)) return std::string(bytes->begin(), bytes->end());
  return {};
}

Bytes Row::blob(std::size_t column) const {
  const Value& v = value(column);
  if (const auto* bytes = std::get_if<Bytes>(&v)) return *bytes;
  if (const auto* text = std::get_if<std::string>(&v)) return Bytes(text->begin(), text->end());
  return {};
}

std::optional<std::int64_t> Row::optional_integer(std::size_t column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}

std::optional<std::string> Row::optional_text(std::size_t column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

Result<std::unique_ptr<Database>> Database::open(const std::string& url, std::size_t pool_size) {
  if (pool_size == 0) return make_error(ErrorCode::invalid_request, "database pool size must be at least 1");
  if (starts_with(url, "sqlite:")) {
    std::string path = url.substr(std::string_view("sqlite:").size());
    if (starts_with(path, "//")) path.erase(0, 2);  // sqlite:///var/x.db, the URL spelling of sqlite:/var/x.db
    if (path.empty())
      return make_error(ErrorCode::invalid_request, "database URL sqlite: names no file (sqlite:/path/to/file.db)");
    return open_sqlite(path, pool_size);
  }
  if (starts_with(url, "postgresql://") || starts_with(url, "postgres://")) return open_postgresql(url, pool_size);
  // The URL is not repeated: it may carry a password.
  return make_error(ErrorCode::invalid_request,
                    "unsupported database URL: expected sqlite:/path/to/file.db or postgresql://host/dbname");
}

std::string one_line(std::string_view text) {
  std::string line;
  bool blank = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      blank = !line.empty();
      continue;
    }
    if (blank) line += ' ';
    blank = false;
    line += c;
  }
  return line;
}

namespace {
thread_local std::vector<const void*> databases_in_transaction;
}

NestedTransactionGuard::NestedTransactionGuard(const void* database)
    : database_(database),
      nested_(std::find(databases_in_transaction.begin(), databases_in_transaction.end(), database) !=
              databases_in_transaction.end()) {
  if (!nested_) databases_in_transaction.push_back(database_);
}

NestedTransactionGuard::~NestedTransactionGuard() {
  if (nested_) return;
  auto it = std::find(databases_in_transaction.begin(), databases_in_transaction.end(), database_);
  if (it != databases_in_transaction.end()) databases_in_transaction.erase(it);
}

}  // namespace firma::store
