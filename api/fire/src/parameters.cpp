// FIRe's request parameters, parsed into the core's words.
#include "parameters.h"

#include <algorithm>
#include <array>

#include "api/fire/wire.h"
#include "api/http/text.h"

namespace firma::api::fire {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string form_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

Parsed<std::map<std::string, std::string>> properties_of(const std::string& base64, FireCode bad,
                                                         std::string_view what) {
  auto bytes = decode_base64(base64);
  if (!bytes) return fire_error(bad, std::string(what) + " is not base64");
  auto parsed = parse_properties(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  if (!parsed) return fire_error(bad, std::string(what) + " is not a valid properties text: " + parsed.error().message);
  return std::move(*parsed);
}

std::string value_of(const std::map<std::string, std::string>& properties, const std::string& key) {
  auto it = properties.find(key);
  return it == properties.end() ? std::string() : it->second;
}

}  // namespace

Parsed<Parameters> parse_form(std::string_view body) {
  Parameters parameters;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      const std::string name = form_decode(pair.substr(0, eq));
      const std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      if (raw.size() > kMaxParameterBytes)
        return fire_error(FireCode::reading_parameters,
                          "parameter '" + name + "' is larger than " + std::to_string(kMaxParameterBytes) + " bytes");
      parameters.emplace(name, form_decode(raw));
    }
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return parameters;
}

std::optional<std::string> parameter(const Parameters& parameters, std::string_view name) {
  auto it = parameters.find(std::string(name));
  if (it == parameters.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

Parsed<SignatureSettings> parse_signature_settings(const std::optional<std::string>& cop,
                                                   const std::optional<std::string>& algorithm,
                                                   const std::optional<std::string>& format,
                                                   const std::optional<std::string>& properties) {
  using detail::ascii_lower;
  if (!cop) return fire_error(FireCode::signature_operation_needed, "cop is required");
  const std::string operation = ascii_lower(*cop);
  if (operation == "cosign" || operation == "countersign")
    return fire_error(FireCode::signature_params_invalid, "operation '" + *cop + "' is not supported: sign only");
  if (operation != "sign") return fire_error(FireCode::signature_params_invalid, "unknown operation '" + *cop + "'");

  if (!algorithm) return fire_error(FireCode::algorithm_needed, "algorithm is required");
  SignatureSettings settings;
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kDigests{
      {{"sha256", "sha256"}, {"sha384", "sha384"}, {"sha512", "sha512"}}};
  const std::string name = ascii_lower(*algorithm);
  const auto with = name.find("with");
  const std::string digest = name.substr(0, with);
  const std::string key = with == std::string::npos ? "" : name.substr(with + 4);
  if (digest == "sha1")
    return fire_error(FireCode::signature_params_invalid, "SHA-1 algorithms are not accepted: " + *algorithm);
  for (const auto& [fire, core] : kDigests)
    if (digest == fire) settings.digest_algorithm = core;
  if (settings.digest_algorithm.empty() || (key != "rsa" && key != "ecdsa"))
    return fire_error(FireCode::signature_params_invalid,
                      "unsupported algorithm '" + *algorithm + "' (SHA256, SHA384 or SHA512 with RSA or ECDSA)");
  settings.key_kind = key == "rsa" ? "rsa" : "ec";

  if (!format) return fire_error(FireCode::format_needed, "format is required");
  const std::string f = ascii_lower(*format);
  if (f == "cades") settings.format = "cades";
  if (f == "xades") settings.format = "xades";
  if (f == "pades") settings.format = "pades";
  if (settings.format.empty())
    return fire_error(FireCode::format_needed,
                      "unsupported format '" + *format + "' (CAdES, XAdES or PAdES; no ASiC or FacturaE yet)");

  if (properties) {
    auto extra = properties_of(*properties, FireCode::signature_params_invalid, "properties");
    if (!extra) return extra.error();
    const std::string mode = ascii_lower(value_of(*extra, "mode"));
    if (!mode.empty() && mode != "implicit" && mode != "explicit")
      return fire_error(FireCode::signature_params_invalid, "mode must be implicit or explicit");
    settings.attached = settings.format == "cades" && mode == "implicit";
    // Firma's XAdES is enveloped (ETSI EN 319 132-1); FIRe's other XAdES forms are refused rather than changed.
    const std::string xades = ascii_lower(value_of(*extra, "format"));
    if (settings.format == "xades" && !xades.empty() && xades != "xades enveloped")
      return fire_error(FireCode::signature_params_invalid,
                        "XAdES '" + value_of(*extra, "format") + "' is not supported: XAdES Enveloped only");
  }
  return settings;
}

Parsed<TransactionConfig> parse_config(const std::optional<std::string>& config, bool required, bool need_redirects) {
  TransactionConfig out;
  if (!config) {
    if (required) return fire_error(FireCode::config_needed, "config is required");
    if (need_redirects)
      return fire_error(FireCode::redirect_url_needed, "config must give redirectOkUrl or redirectErrorUrl");
    return out;
  }
  auto properties = properties_of(*config, FireCode::config_invalid, "config");
  if (!properties) return properties.error();
  out.redirect_ok = value_of(*properties, "redirectOkUrl");
  out.redirect_error = value_of(*properties, "redirectErrorUrl");
  if (need_redirects && out.redirect_ok.empty() && out.redirect_error.empty())
    return fire_error(FireCode::redirect_url_needed, "config must give redirectOkUrl or redirectErrorUrl");
  if (out.redirect_ok.empty()) out.redirect_ok = out.redirect_error;
  if (out.redirect_error.empty()) out.redirect_error = out.redirect_ok;
  out.app_name = value_of(*properties, "appName");
  out.doc_title = value_of(*properties, "docTitle");
  out.doc_name = value_of(*properties, "docName");
  return out;
}

Parsed<Bytes> parse_document(const std::optional<std::string>& data) {
  if (!data) return fire_error(FireCode::data_needed, "dat is required");
  auto bytes = decode_base64(*data);
  if (!bytes) return fire_error(FireCode::data_invalid, "dat is not base64");
  return std::move(*bytes);
}

Parsed<bool> parse_boolean(const std::optional<std::string>& text, std::string_view name) {
  if (!text || *text == "false" || *text == "0") return false;
  if (*text == "true" || *text == "1") return true;
  return fire_error(FireCode::signature_params_invalid, std::string(name) + " must be true or false");
}

Parsed<std::string> parse_document_id(const std::optional<std::string>& docid) {
  if (!docid) return fire_error(FireCode::document_id_needed, "docid is required");
  const bool valid = docid->size() <= 40 && std::all_of(docid->begin(), docid->end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
                     });
  if (!valid) return fire_error(FireCode::document_id_invalid, "docid must match [0-9a-zA-Z-_.]{1,40}");
  return *docid;
}

std::optional<FireError> refuse_upgrade(const std::optional<std::string>& upgrade) {
  if (!upgrade) return std::nullopt;
  return fire_error(FireCode::upgrading, "upgrade '" + *upgrade +
                                             "' is not supported: Firma makes baseline B signatures (no T, LT or "
                                             "LTA levels yet)");
}

}  // namespace firma::api::fire
