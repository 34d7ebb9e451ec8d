// System clock and RFC 3339 formatting.
#include "core/clock.h"

#include <cstdio>
#include <ctime>

namespace firma {

Instant SystemClock::now() const {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string to_rfc3339(Instant at) {
  std::time_t t = static_cast<std::time_t>(to_unix(at));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<Instant> parse_rfc3339(std::string_view text) {
  int y, mo, d, h, mi, s;
  char z = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z) != 7 || z != 'Z' ||
      copy.size() != 20)
    return std::nullopt;
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return Instant{sys_days{ymd}} + hours{h} + minutes{mi} + seconds{s};
}

}  // namespace firma
