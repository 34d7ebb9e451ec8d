// Canonical http(s) URLs (RFC 3986 sections 5.2.4 and 6.2.2) and prefix matching on a segment boundary.
#include "policies/return_url.h"

#include <algorithm>

namespace firma::policies {
namespace {

constexpr std::size_t kMaxUrlBytes = 2000;

Error invalid(std::string message) {
  return make_error(ErrorCode::invalid_request, "the URL " + std::move(message));
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Drops the last segment of `output` and the "/" before it (RFC 3986 5.2.4, step 2C).
void drop_last_segment(std::string& output) {
  const std::size_t slash = output.rfind('/');
  output.erase(slash == std::string::npos ? 0 : slash);
}

}  // namespace

std::string remove_dot_segments(std::string_view path) {
  std::string input(path);
  std::string output;
  const auto starts = [&input](std::string_view prefix) { return input.compare(0, prefix.size(), prefix) == 0; };
  while (!input.empty()) {
    if (starts("../")) {
      input.erase(0, 3);  // 2A
    } else if (starts("./")) {
      input.erase(0, 2);  // 2A
    } else if (starts("/./")) {
      input.erase(0, 2);  // 2B: "/./" -> "/"
    } else if (input == "/.") {
      input = "/";  // 2B
    } else if (starts("/../")) {
      input.erase(0, 3);  // 2C: "/../" -> "/"
      drop_last_segment(output);
    } else if (input == "/..") {
      input = "/";  // 2C
      drop_last_segment(output);
    } else if (input == "." || input == "..") {
      input.clear();  // 2D
    } else {
      // 2E: the first segment, with its leading "/" if any, up to (not including) the next "/".
      const std::size_t end = input.find('/', input.front() == '/' ? 1 : 0);
      output += input.substr(0, end);
      input.erase(0, end == std::string::npos ? input.size() : end);
    }
  }
  return output;
}

Result<std::string> canonical_http_url(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return invalid("is longer than 2000 bytes");
  if (std::any_of(url.begin(), url.end(), [](char c) { return c <= ' ' || c == '\x7f'; }))
    return invalid("contains spaces or control characters");
  if (url.find('\\') != std::string_view::npos) return invalid("contains a backslash");
  const std::size_t colon = url.find("://");
  if (colon == std::string_view::npos) return invalid("is not an absolute http(s) URL");
  std::string scheme(url.substr(0, colon));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), ascii_lower);
  if (scheme != "http" && scheme != "https") return invalid("is not an absolute http(s) URL");

  const std::string_view rest = url.substr(colon + 3);
  const std::size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string authority(rest.substr(0, authority_end));
  if (authority.empty()) return invalid("has no host");
  if (authority.find('@') != std::string::npos) return invalid("must not hold a user name or password ('@')");
  if (authority.find('%') != std::string::npos) return invalid("has a percent-encoded host");
  if (authority.front() == ':') return invalid("has no host");
  std::transform(authority.begin(), authority.end(), authority.begin(), ascii_lower);

  const std::string_view after = rest.substr(authority_end);
  const std::size_t path_end = std::min(after.find_first_of("?#"), after.size());
  const std::string_view path = after.substr(0, path_end);
  for (std::size_t at = path.find('%'); at != std::string_view::npos; at = path.find('%', at + 1)) {
    if (at + 2 >= path.size() || !is_hex(path[at + 1]) || !is_hex(path[at + 2]))
      return invalid("has a '%' that is not followed by two hex digits");
    const std::string code{ascii_lower(path[at + 1]), ascii_lower(path[at + 2])};
    if (code == "2f" || code == "5c" || code == "2e")
      return invalid("has a percent-encoded '/', '\\' or '.' in its path");
  }
  std::string canonical = scheme + "://" + authority;
  canonical += path.empty() ? "/" : remove_dot_segments(path);
  canonical += after.substr(path_end);
  return canonical;
}

bool is_under_prefix(std::string_view url, std::string_view prefix) {
  if (prefix.empty() || url.substr(0, prefix.size()) != prefix) return false;
  if (url.size() == prefix.size() || prefix.back() == '/') return true;
  const char next = url[prefix.size()];
  return next == '/' || next == '?' || next == '#';
}

Status check_redirect_uri(std::string_view uri) {
  auto canonical = canonical_http_url(uri);
  if (!canonical) return std::move(canonical).error();
  if (uri.find('#') != std::string_view::npos) return invalid("must not have a fragment");
  const std::size_t colon = canonical->find("://");
  const std::string_view scheme = std::string_view(*canonical).substr(0, colon);
  if (scheme == "https") return {};
  std::string_view authority = std::string_view(*canonical).substr(colon + 3);
  authority = authority.substr(0, authority.find_first_of("/?"));
  // The host without its port; an IPv6 literal keeps its brackets.
  const std::size_t port = authority.front() == '[' ? authority.find("]:") : authority.rfind(':');
  const std::string_view host =
      port == std::string_view::npos ? authority : authority.substr(0, authority.front() == '[' ? port + 1 : port);
  if (host == "localhost" || host == "127.0.0.1" || host == "[::1]") return {};
  return invalid("must be https (http only to a loopback host)");
}

}  // namespace firma::policies
