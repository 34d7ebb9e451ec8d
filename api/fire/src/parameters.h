// FIRe's request parameters, parsed: the form, the signature settings (cop, algorithm, format, properties), the
// transaction's config, booleans, document ids and upgrades (FIRE.md "Transport" and "Operations").
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "errors.h"

namespace firma::api::fire {

// A value or FIRe's error for it.
template <class T>
class Parsed {
 public:
  Parsed(T value) : value_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Parsed(FireError error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  explicit operator bool() const noexcept { return value_.has_value(); }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  const FireError& error() const { return *error_; }

 private:
  std::optional<T> value_;
  std::optional<FireError> error_;
};

// FIRe's defaults (its sample configuration): 8 MiB per parameter; the request as a whole is server.max_body_bytes.
inline constexpr std::size_t kMaxParameterBytes = 8u << 20;

using Parameters = std::map<std::string, std::string>;

// application/x-www-form-urlencoded (WHATWG URL 5.1): name=value pairs joined by '&', '+' a space, %XX a byte.
// FIRe's clients do not percent-encode their values (their base64 is URL-safe, or decode_base64 reads a space
// as '+'). A parameter larger than kMaxParameterBytes is error 1; the first of a repeated name wins.
Parsed<Parameters> parse_form(std::string_view body);

// The parameter, or nullopt when absent or empty (FIRe treats both alike).
std::optional<std::string> parameter(const Parameters& parameters, std::string_view name);

// How one document is to be signed, in the core's words.
struct SignatureSettings {
  std::string format;            // cades, xades, pades
  std::string digest_algorithm;  // sha256, sha384, sha512
  std::string key_kind;          // rsa, ec
  bool attached = false;         // cades: properties mode=implicit
};

// cop (sign only; any case), algorithm (SHA256withRSA ... SHA512withECDSA; SHA-1 refused), format (CAdES, XAdES,
// PAdES; ASiC, FacturaE and the rest refused as unsupported), properties (base64 of a Properties text; may be
// absent). Missing: errors 10, 9, 11; unsupported: 20 (operation, algorithm) and 11 (format); a bad properties
// text: 20.
Parsed<SignatureSettings> parse_signature_settings(const std::optional<std::string>& cop,
                                                   const std::optional<std::string>& algorithm,
                                                   const std::optional<std::string>& format,
                                                   const std::optional<std::string>& properties);

// What `config` says of the transaction: where the browser goes afterwards, and the application's descriptions.
struct TransactionConfig {
  std::string redirect_ok;     // redirectOkUrl (or redirectErrorUrl when only that is given)
  std::string redirect_error;  // redirectErrorUrl (or redirectOkUrl)
  std::string app_name;        // appName, docTitle, docName: the application's words, shown as such
  std::string doc_title;
  std::string doc_name;
};

// base64 of a Properties text. Missing: error 15 when `required`, else an empty config; not base64 or not a
// Properties text: 16; neither redirect URL when `need_redirects`: 17.
Parsed<TransactionConfig> parse_config(const std::optional<std::string>& config, bool required, bool need_redirects);

// The document, base64 of either alphabet: missing 12, undecodable 13.
Parsed<Bytes> parse_document(const std::optional<std::string>& data);

// true/false (Java) or 1/empty (PHP); absent is false. Anything else: error 20.
Parsed<bool> parse_boolean(const std::optional<std::string>& text, std::string_view name);

// docid: [0-9a-zA-Z-_.]{1,40}. Missing 48, out of pattern 56.
Parsed<std::string> parse_document_id(const std::optional<std::string>& docid);

// An `upgrade` (T-LEVEL, LT-LEVEL, LTA-LEVEL, ES-T, ...): Firma makes baseline B signatures only, so any value is
// refused with error 32 until it makes the longer-term levels; an absent or empty one is nothing to refuse.
std::optional<FireError> refuse_upgrade(const std::optional<std::string>& upgrade);

}  // namespace firma::api::fire
