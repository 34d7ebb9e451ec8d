// POST /v1/transactions's body: fields checked for presence and type, documents decoded from base64.
#include "transaction_body.h"

#include <string>
#include <utility>

#include "api/http/http.h"
#include "core/encoding.h"

namespace firma::api::detail {
namespace {

// A required string field holding base64; `where` prefixes the messages ("documents[0]: ").
Result<Bytes> base64_field(const nlohmann::json& object, std::string_view field, std::string_view where) {
  auto text = required_field<std::string>(object, field);
  if (!text) return make_error(ErrorCode::invalid_request, std::string(where) + text.error().message);
  auto bytes = from_base64(*text);
  if (!bytes)
    return make_error(ErrorCode::invalid_request, std::string(where) + std::string(field) + " is not valid base64");
  return std::move(*bytes);
}

Result<signer::NewDocument> parse_document(const nlohmann::json& item, std::size_t index) {
  const std::string where = "documents[" + std::to_string(index) + "]: ";
  if (!item.is_object()) return make_error(ErrorCode::invalid_request, where + "must be an object");
  signer::NewDocument d;
  auto name = required_field<std::string>(item, "name");
  if (!name) return make_error(ErrorCode::invalid_request, where + name.error().message);
  auto format = required_field<std::string>(item, "format");
  if (!format) return make_error(ErrorCode::invalid_request, where + format.error().message);
  d.name = *name;
  d.format = *format;
  if (d.format == "raw") {
    auto digest = item.find("digest");
    if (digest == item.end() || !digest->is_object())
      return make_error(ErrorCode::invalid_request, where + "raw needs digest {algorithm, value}");
    auto algorithm = required_field<std::string>(*digest, "algorithm");
    if (!algorithm) return make_error(ErrorCode::invalid_request, where + "digest." + algorithm.error().message);
    auto value = base64_field(*digest, "value", where + "digest.");
    if (!value) return std::move(value).error();
    d.digest_algorithm = *algorithm;
    d.content = std::move(*value);
  } else {
    auto content = base64_field(item, "content", where);
    if (!content) return std::move(content).error();
    d.content = std::move(*content);
  }
  if (auto options = item.find("options"); options != item.end() && !options->is_null()) {
    if (!options->is_object()) return make_error(ErrorCode::invalid_request, where + "options must be an object");
    auto attached = optional_field<bool>(*options, "attached");
    if (!attached) return make_error(ErrorCode::invalid_request, where + "options." + attached.error().message);
    d.attached = attached->value_or(false);
    auto padding = optional_field<std::string>(*options, "padding");
    if (!padding) return make_error(ErrorCode::invalid_request, where + "options." + padding.error().message);
    d.padding = padding->value_or("");
    // The signature level (ETSI baseline): checked here so that a typo is the client's 400, not a silent B.
    auto level = optional_field<std::string>(*options, "level");
    if (!level) return make_error(ErrorCode::invalid_request, where + "options." + level.error().message);
    d.level = level->value_or("B");
    if (d.level != "B" && d.level != "T" && d.level != "LT" && d.level != "LTA")
      return make_error(ErrorCode::invalid_request, where + "options.level must be B, T, LT or LTA");
  }
  return d;
}

}  // namespace

Result<signer::NewTransaction> parse_new_transaction(std::string_view body) {
  auto json = parse_json_object(body);
  if (!json) return std::move(json).error();
  signer::NewTransaction t;
  auto nif = required_field<std::string>(*json, "nif");
  if (!nif) return std::move(nif).error();
  auto return_url = required_field<std::string>(*json, "return_url");
  if (!return_url) return std::move(return_url).error();
  t.nif = *nif;
  t.return_url = *return_url;
  auto documents = json->find("documents");
  if (documents == json->end() || !documents->is_array())
    return make_error(ErrorCode::invalid_request, "documents must be an array");
  for (std::size_t i = 0; i < documents->size(); ++i) {
    auto d = parse_document((*documents)[i], i);
    if (!d) return std::move(d).error();
    t.documents.push_back(std::move(*d));
  }
  return t;
}

}  // namespace firma::api::detail
