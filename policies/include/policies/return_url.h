// Return URLs: the canonical form of an absolute http(s) URL, and whether it lies under a registered prefix.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace firma::policies {

// RFC 3986 5.2.4: the path with its "." and ".." segments resolved ("/app/../evil" -> "/evil").
std::string remove_dot_segments(std::string_view path);

// The canonical form of an absolute http or https URL, or invalid_request saying what is wrong. The scheme and
// host are lower-cased (RFC 3986 6.2.2.1), an empty path becomes "/" (6.2.3) and the path's dot segments are
// removed (5.2.4); query and fragment stay as they are. Refused, because browsers and servers read them in
// different ways and a prefix check could be escaped through them: userinfo ("user@"), a backslash anywhere,
// percent-encoded '/', '\' or '.' in the path (%2F, %5C, %2E), a '%' not followed by two hex digits, spaces,
// control characters, and more than 2000 bytes.
Result<std::string> canonical_http_url(std::string_view url);

// True when `url` lies under `prefix`, both canonical: the prefix is followed by the end of the URL or by a
// new path segment, query or fragment ("/", "?", "#"), or it ends with "/" itself. So "https://x.es/app" covers
// "https://x.es/app/form" but not "https://x.es/apple".
bool is_under_prefix(std::string_view url, std::string_view prefix);

// Whether `uri` may be registered as an OAuth redirection endpoint, or invalid_request saying why: an absolute
// https URL, or http only to a loopback host (localhost, 127.0.0.1, [::1]: RFC 8252 7.3, a native client's own
// listener); no fragment (RFC 6749 3.1.2); and none of what canonical_http_url refuses. It is matched later by
// simple string comparison (RFC 6749 3.1.2.2, RFC 3986 6.2.1), never as a prefix.
Status check_redirect_uri(std::string_view uri);

}  // namespace firma::policies
