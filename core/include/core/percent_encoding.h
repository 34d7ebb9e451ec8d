// Percent-encoding (RFC 3986 2.1): URLs and form bodies that Firma writes (redirects, SMS gateways, firmactl).
#pragma once

#include <string>
#include <string_view>

namespace firma {

// RFC 3986 2.3: unreserved characters stay, every other byte is percent-encoded (upper-case hex). Right for a path
// segment, a query value and an application/x-www-form-urlencoded value alike.
std::string percent_encode(std::string_view text);

}  // namespace firma
