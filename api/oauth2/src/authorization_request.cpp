// The OAuth 2.0 authorisation request read from its parameters, with CSC's credential parameters and RFC 9396's
// authorization_details; and what the token endpoint echoes of it.
#include "api/oauth2/authorization_request.h"

#include <algorithm>
#include <charconv>

#include "core/encoding.h"
#include "core/percent_encoding.h"

namespace firma::api::oauth2 {
namespace {

constexpr std::size_t kMaxDigests = 1000;

struct Oid {
  std::string_view oid;
  hsm::DigestAlgorithm algorithm;
};
constexpr Oid kDigestOids[] = {
    {"2.16.840.1.101.3.4.2.1", hsm::DigestAlgorithm::sha256},
    {"2.16.840.1.101.3.4.2.2", hsm::DigestAlgorithm::sha384},
    {"2.16.840.1.101.3.4.2.3", hsm::DigestAlgorithm::sha512},
};

OAuthError invalid(std::string description) {
  return OAuthError{"invalid_request", std::move(description)};
}

std::optional<std::string> parameter(const Parameters& p, std::string_view name) {
  auto it = p.find(std::string(name));
  if (it == p.end()) return std::nullopt;
  return it->second;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// '+' is a space, then %XX; nullopt for a '%' without two hex digits.
std::optional<std::string> form_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size() || hex_value(text[i + 1]) < 0 || hex_value(text[i + 2]) < 0) return std::nullopt;
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<std::size_t> positive_count(std::string_view text) {
  std::size_t n = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (error != std::errc() || end != text.data() + text.size() || n == 0) return std::nullopt;
  return n;
}

// The digest algorithm named by `oid`, or the one of the digests' common length when no OID is given (v1 has
// no hashAlgorithmOID).
std::variant<hsm::DigestAlgorithm, OAuthError> algorithm_for(const std::optional<std::string>& oid,
                                                             const std::vector<signer::LabelledDigest>& digests) {
  if (oid) {
    auto algorithm = digest_algorithm_of_oid(*oid);
    if (!algorithm) return invalid("hashAlgorithmOID must be SHA-256, SHA-384 or SHA-512 (2.16.840.1.101.3.4.2.x)");
    return *algorithm;
  }
  for (const Oid& o : kDigestOids)
    if (hsm::digest_size(o.algorithm) == digests.front().digest.size()) return o.algorithm;
  return invalid("a hash is not 32, 48 or 64 bytes long");
}

// CSC v2 8.4.2 (v1 8.3.2): credentialID, numSignatures, hashes (v1: hash) base64url and comma-separated,
// hashAlgorithmOID, description.
std::optional<OAuthError> read_credential_parameters(const Parameters& p, signer::AuthorisationAsked& a,
                                                     nlohmann::json& context) {
  auto credential = parameter(p, "credentialID");
  if (!credential || credential->empty())
    return invalid("credentialID is required with scope credential (Firma does not pick one by signatureQualifier)");
  a.credential = CertSerial(*credential);
  auto hashes = parameter(p, "hashes");
  if (!hashes) {
    hashes = parameter(p, "hash");
    context["v1"] = hashes.has_value();
  }
  if (!hashes || hashes->empty())
    return invalid("hashes (v1: hash) lists the hashes to sign, base64url, comma-separated");
  std::string_view rest(*hashes);
  while (true) {
    const auto comma = rest.find(',');
    auto digest = decode_any_base64(rest.substr(0, comma));
    if (!digest) return invalid("a hash is not base64url");
    a.digests.push_back({std::move(*digest), ""});
    if (a.digests.size() > kMaxDigests) return invalid("at most 1000 hashes");
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (auto n = parameter(p, "numSignatures")) {
    auto count = positive_count(*n);
    if (!count) return invalid("numSignatures must be a positive integer");
    a.signatures = *count;
  }
  auto algorithm = algorithm_for(parameter(p, "hashAlgorithmOID"), a.digests);
  if (auto* error = std::get_if<OAuthError>(&algorithm)) return *error;
  a.digest_algorithm = std::get<hsm::DigestAlgorithm>(algorithm);
  return std::nullopt;
}

// RFC 9396 2 with CSC v2 8.4.2's "credential" type (v2.2: the type URI, numSignatures inside).
std::optional<OAuthError> read_authorization_details(std::string_view text, signer::AuthorisationAsked& a,
                                                     nlohmann::json& context) {
  auto details = nlohmann::json::parse(text, nullptr, false);
  if (details.is_object()) details = nlohmann::json::array({details});
  if (!details.is_array() || details.size() != 1 || !details[0].is_object())
    return invalid("authorization_details must be a JSON array with one credential authorisation");
  const auto& d = details[0];
  const auto type = d.value("type", nlohmann::json()).is_string() ? d["type"].get<std::string>() : "";
  if (type != kCredentialType && type != kCredentialTypeUri)
    return OAuthError{"invalid_authorization_details", "the authorization_details type must be \"credential\" or \"" +
                                                           std::string(kCredentialTypeUri) + "\""};
  context["type"] = type;
  if (!d.contains("credentialID") || !d["credentialID"].is_string() || d["credentialID"].get<std::string>().empty())
    return invalid("authorization_details: credentialID is required (Firma does not pick one by signatureQualifier)");
  a.credential = CertSerial(d["credentialID"].get<std::string>());
  if (!d.contains("documentDigests") || !d["documentDigests"].is_array() || d["documentDigests"].empty())
    return invalid("authorization_details: documentDigests lists the hashes to sign");
  if (d["documentDigests"].size() > kMaxDigests) return invalid("authorization_details: at most 1000 documentDigests");
  for (const auto& digest : d["documentDigests"]) {
    if (!digest.is_object() || !digest.contains("hash") || !digest["hash"].is_string())
      return invalid("authorization_details: each documentDigests entry has a hash");
    auto bytes = decode_any_base64(digest["hash"].get<std::string>());
    if (!bytes) return invalid("authorization_details: a hash is not base64");
    std::string label;
    if (digest.contains("label")) {
      if (!digest["label"].is_string()) return invalid("authorization_details: a label is a string");
      label = digest["label"].get<std::string>();
    }
    a.digests.push_back({std::move(*bytes), std::move(label)});
  }
  if (d.contains("numSignatures")) {
    if (!d["numSignatures"].is_number_unsigned() || d["numSignatures"].get<std::uint64_t>() == 0)
      return invalid("authorization_details: numSignatures must be a positive integer");
    a.signatures = d["numSignatures"].get<std::size_t>();
  }
  std::optional<std::string> oid;
  if (d.contains("hashAlgorithmOID")) {
    if (!d["hashAlgorithmOID"].is_string()) return invalid("authorization_details: hashAlgorithmOID is a string");
    oid = d["hashAlgorithmOID"].get<std::string>();
  }
  auto algorithm = algorithm_for(oid, a.digests);
  if (auto* error = std::get_if<OAuthError>(&algorithm)) return *error;
  a.digest_algorithm = std::get<hsm::DigestAlgorithm>(algorithm);
  return std::nullopt;
}

}  // namespace

Result<Parameters> parse_form(std::string_view body) {
  Parameters out;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const auto pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = form_decode(pair.substr(0, eq));
    auto value = form_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) return make_error(ErrorCode::invalid_request, "the form has a '%' without two hex digits");
    if (!out.emplace(std::move(*name), std::move(*value)).second)
      return make_error(ErrorCode::invalid_request, "a parameter is sent more than once");
  }
  return out;
}

std::string with_query(std::string_view uri, const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::string out(uri);
  char separator = uri.find('?') == std::string_view::npos ? '?' : '&';
  for (const auto& [name, value] : parameters) {
    if (value.empty()) continue;
    out += separator;
    out += percent_encode(name) + "=" + percent_encode(value);
    separator = '&';
  }
  return out;
}

std::variant<signer::AuthorisationAsked, OAuthError> read_authorization_request(const Parameters& p) {
  if (parameter(p, "response_type") != "code")
    return OAuthError{"unsupported_response_type", "response_type must be code"};
  signer::AuthorisationAsked a;
  a.application = AppId(parameter(p, "client_id").value_or(""));
  a.redirect_uri = parameter(p, "redirect_uri").value_or("");
  a.client_state = parameter(p, "state").value_or("");
  // RFC 7636 4.3 and 4.4.1: S256 only; a request without a challenge, or with plain, is refused (CSC.md 7).
  auto challenge = parameter(p, "code_challenge");
  if (!challenge || challenge->empty()) return invalid("code_challenge is required (PKCE with S256, RFC 7636)");
  if (parameter(p, "code_challenge_method") != "S256") return invalid("code_challenge_method must be S256");
  a.proof_challenge = *challenge;
  a.description = parameter(p, "description").value_or("");

  const auto details = parameter(p, "authorization_details");
  std::string scope = parameter(p, "scope").value_or(details ? "credential" : "service");
  if (scope != "service" && scope != "credential")
    return OAuthError{"invalid_scope", "scope must be service or credential"};
  nlohmann::json context = {{"v1", false}, {"type", kCredentialType}};
  if (scope == "service") {
    if (details) return invalid("authorization_details asks for a credential: the scope must be credential");
    a.kind = signer::AuthorisationKind::access;
    a.front_context = context.dump();
    return a;
  }
  a.kind = signer::AuthorisationKind::signing;
  auto refused = details ? read_authorization_details(*details, a, context) : read_credential_parameters(p, a, context);
  if (refused) return *refused;
  if (a.signatures > a.digests.size()) return invalid("numSignatures is more than the hashes listed");
  a.front_context = context.dump();
  return a;
}

std::optional<hsm::DigestAlgorithm> digest_algorithm_of_oid(std::string_view oid) {
  for (const Oid& o : kDigestOids)
    if (o.oid == oid) return o.algorithm;
  return std::nullopt;
}

std::string_view oid_of(hsm::DigestAlgorithm algorithm) {
  for (const Oid& o : kDigestOids)
    if (o.algorithm == algorithm) return o.oid;
  return kDigestOids[0].oid;
}

std::optional<Bytes> decode_any_base64(std::string_view text) {
  std::string url;
  url.reserve(text.size());
  for (char c : text) {
    if (c == '=') continue;
    url += c == '+' ? '-' : c == '/' ? '_' : c;
  }
  if (url.empty()) return std::nullopt;
  return from_base64url(url);
}

nlohmann::json authorization_details(const signer::RedeemedAuthorisation& redeemed) {
  auto context = nlohmann::json::parse(redeemed.front_context, nullptr, false);
  const std::string type = context.is_object() && context.value("type", nlohmann::json()).is_string()
                               ? context["type"].get<std::string>()
                               : std::string(kCredentialType);
  nlohmann::json digests = nlohmann::json::array();
  for (const auto& d : redeemed.digests) {
    nlohmann::json digest = {{"hash", to_base64(d.digest)}};
    if (!d.label.empty()) digest["label"] = d.label;
    digests.push_back(std::move(digest));
  }
  return nlohmann::json::array({{{"type", type},
                                 {"credentialID", redeemed.credential.str()},
                                 {"numSignatures", redeemed.signatures},
                                 {"hashAlgorithmOID", oid_of(redeemed.digest_algorithm)},
                                 {"documentDigests", std::move(digests)}}});
}

bool asked_in_v1(const signer::RedeemedAuthorisation& redeemed) {
  auto context = nlohmann::json::parse(redeemed.front_context, nullptr, false);
  return context.is_object() && context.value("v1", false);
}

}  // namespace firma::api::oauth2
