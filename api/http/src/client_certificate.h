// The TLS client certificate a request comes with: from the connection's own handshake, or from the header a
// TLS-terminating proxy sets, believed only from the proxies the operator lists.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding.h"
#include "core/result.h"

namespace firma::api::detail {

// The DER of the certificate the peer of a TLS connection (an OpenSSL SSL*) presented; nullopt when none.
std::optional<Bytes> peer_certificate(void* ssl);

// The DER of a certificate as nginx's $ssl_client_escaped_cert writes it: PEM, percent-encoded (RFC 3986 2.1).
// nullopt for an empty value (nginx sends one when the client presented nothing) or one that is not a PEM
// certificate.
std::optional<Bytes> certificate_from_header(std::string_view value);

// The proxies whose client-certificate header is believed: IP addresses, comma-separated ("" = none). An error
// names the first entry that is not an IPv4 or IPv6 address.
Result<std::vector<std::string>> parse_trusted_proxies(std::string_view list);
// Whether `address` (a peer's IP address as text) is one of `proxies` (the same address however it is spelled).
bool is_trusted_proxy(std::string_view address, const std::vector<std::string>& proxies);

// Makes the TLS context Pistache built in useSSL ask every client for a certificate without requiring one and
// without checking its chain (applications are matched on the certificate's SHA-256, which they registered), and
// accept TLS 1.2 and 1.3 only. `install` is what calls Endpoint::useSSL; an error when the context could not be
// found or changed.
Status request_client_certificates(const std::function<void()>& install);

}  // namespace firma::api::detail
