// Client certificates: from the TLS handshake (OpenSSL), or from a trusted proxy's header.
#include "client_certificate.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>
#include <functional>
#include <memory>
#include <mutex>

#include "api/http/http.h"
#include "api/http/text.h"

namespace firma::api::detail {
namespace {

std::optional<Bytes> der_of(X509* certificate) {
  if (certificate == nullptr) return std::nullopt;
  const int length = i2d_X509(certificate, nullptr);
  if (length <= 0) return std::nullopt;
  Bytes der(static_cast<std::size_t>(length));
  unsigned char* out = der.data();
  if (i2d_X509(certificate, &out) != length) return std::nullopt;
  return der;
}

// An IP address in its binary form, so that "::1" and "0:0::1" compare equal.
std::optional<std::string> address_bytes(std::string_view text) {
  std::string address(trim_ows(text));
  unsigned char buffer[16];
  if (inet_pton(AF_INET, address.c_str(), buffer) == 1) return std::string(reinterpret_cast<char*>(buffer), 4);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']')
    address = address.substr(1, address.size() - 2);
  if (inet_pton(AF_INET6, address.c_str(), buffer) == 1) {
    // An IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 2.5.5.2) is that IPv4 address.
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(buffer, kMapped, sizeof kMapped) == 0) return std::string(reinterpret_cast<char*>(buffer) + 12, 4);
    return std::string(reinterpret_cast<char*>(buffer), 16);
  }
  return std::nullopt;
}

// Pistache 0.0.5 keeps its SSL_CTX private, and its only way to ask for client certificates (useSSLAuth) requires
// one (SSL_VERIFY_FAIL_IF_NO_PEER_CERT) chained to a CA it is given. The context is caught as OpenSSL creates it
// inside useSSL: OpenSSL calls the "new" function of every ex_data index of SSL_CTX for each context it creates
// (CRYPTO_get_ex_new_index(3)); the function keeps the context made on the thread that asked for it, only then.
thread_local SSL_CTX* caught_context = nullptr;
thread_local bool catching = false;

void catch_context(void* parent, void*, CRYPTO_EX_DATA*, int, long, void*) {
  if (catching && caught_context == nullptr) caught_context = static_cast<SSL_CTX*>(parent);
}

// Any certificate is let through the handshake (OpenSSL still checks that the client holds its key: TLS 1.2
// CertificateVerify, RFC 5246 7.4.8; TLS 1.3, RFC 8446 4.4.3); which ones an application may use is the
// application's registration.
int accept_any(int, X509_STORE_CTX*) {
  return 1;
}

}  // namespace

std::optional<Bytes> peer_certificate(void* ssl) {
  if (ssl == nullptr) return std::nullopt;
  return der_of(SSL_get0_peer_certificate(static_cast<SSL*>(ssl)));
}

std::optional<Bytes> certificate_from_header(std::string_view value) {
  // nginx escapes the PEM's line breaks and '+', '/', '=' as %XX; a '+' never stands for a space here.
  const std::string pem = percent_decode(trim_ows(value));
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) return std::nullopt;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) return std::nullopt;
  std::unique_ptr<X509, decltype(&X509_free)> certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                          X509_free);
  return der_of(certificate.get());
}

Result<std::vector<std::string>> parse_trusted_proxies(std::string_view list) {
  std::vector<std::string> proxies;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = trim_ows(list.substr(0, comma));
    if (!item.empty()) {
      if (!address_bytes(item))
        return make_error(ErrorCode::invalid_request, "'" + std::string(item) + "' is not an IP address");
      proxies.emplace_back(item);
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return proxies;
}

bool is_trusted_proxy(std::string_view address, const std::vector<std::string>& proxies) {
  const auto peer = address_bytes(address);
  if (!peer) return false;
  for (const auto& proxy : proxies)
    if (address_bytes(proxy) == peer) return true;
  return false;
}

Status request_client_certificates(const std::function<void()>& install) {
  static std::once_flag registered;
  static int index = -1;
  std::call_once(registered, [] {
    index = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, 0, nullptr, catch_context, nullptr, nullptr);
  });
  if (index < 0) return make_error(ErrorCode::internal, "cannot watch for the TLS context (CRYPTO_get_ex_new_index)");
  caught_context = nullptr;
  catching = true;
  try {
    install();
  } catch (...) {
    catching = false;
    throw;
  }
  catching = false;
  SSL_CTX* context = std::exchange(caught_context, nullptr);
  if (context == nullptr) return make_error(ErrorCode::internal, "the TLS context was not created where expected");
  // RFC 8446 4.3.2 / RFC 5246 7.4.4: a CertificateRequest; without SSL_VERIFY_FAIL_IF_NO_PEER_CERT, a client
  // that sends no certificate still completes the handshake.
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, accept_any);
  // Sessions resumed with a client certificate need an id context (SSL_CTX_set_session_id_context(3)).
  static constexpr unsigned char kSessionContext[] = "firma";
  if (SSL_CTX_set_session_id_context(context, kSessionContext, sizeof kSessionContext - 1) != 1 ||
      SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) != 1)
    return make_error(ErrorCode::internal, "cannot configure the TLS context");
  return {};
}

}  // namespace firma::api::detail
