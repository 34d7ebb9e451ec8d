// The error-to-status mapping, problem+json rendering and never-throwing JSON body parsing.
#include "api/http/http.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "support/temp_dir.h"

namespace firma::api {
namespace {

TEST(ApiHttpStatus, EveryErrorCodeHasItsDocumentedStatus) {
  // The table docs/openapi.yaml documents; a new ErrorCode must be added here and there.
  const std::map<ErrorCode, int> expected = {
      {ErrorCode::invalid_request, 400},
      {ErrorCode::unauthorized, 401},
      {ErrorCode::forbidden, 403},
      {ErrorCode::not_found, 404},
      {ErrorCode::conflict, 409},
      {ErrorCode::password_policy, 422},
      {ErrorCode::invalid_credentials, 401},
      {ErrorCode::account_locked, 423},
      {ErrorCode::password_expired, 403},
      {ErrorCode::registration_level, 403},
      {ErrorCode::account_not_active, 403},
      {ErrorCode::otp_invalid, 401},
      {ErrorCode::otp_expired, 410},
      {ErrorCode::otp_exhausted, 403},
      {ErrorCode::transaction_expired, 410},
      {ErrorCode::payload_too_large, 413},
      {ErrorCode::rate_limited, 429},
      {ErrorCode::unavailable, 503},
      {ErrorCode::internal, 500},
  };
  // internal is the last enumerator: walking up to it visits every code.
  const int last = static_cast<int>(ErrorCode::internal);
  ASSERT_EQ(expected.size(), static_cast<std::size_t>(last + 1));
  for (int i = 0; i <= last; ++i) {
    const auto code = static_cast<ErrorCode>(i);
    ASSERT_TRUE(expected.count(code)) << to_string(code);
    EXPECT_EQ(http_status(code), expected.at(code)) << to_string(code);
    EXPECT_FALSE(problem_title(code).empty()) << to_string(code);
  }
}

TEST(ApiProblem, CarriesTypeTitleStatusDetailAndCode) {
  Response r = problem(make_error(ErrorCode::account_locked, "too many failed attempts"));
  EXPECT_EQ(r.status, 423);
  EXPECT_EQ(r.content_type, "application/problem+json");
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["code"], "account_locked");
  EXPECT_EQ(body["status"], 423);
  EXPECT_EQ(body["detail"], "too many failed attempts");
  EXPECT_EQ(body["title"], "Account locked");
  EXPECT_EQ(body["type"], "tag:firma,2024:problem:account_locked");
}

TEST(ApiJsonResponse, InvalidUtf8IsReplacedNotThrown) {
  Response r = json_response(200, {{"name", std::string("caf\xe9")}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_TRUE(nlohmann::json::accept(r.body)) << r.body;
}

TEST(ApiParseJsonObject, AcceptsAnObject) {
  auto parsed = parse_json_object(R"({"nif": "12345678Z", "n": 3})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)["nif"], "12345678Z");
}

TEST(ApiParseJsonObject, RefusesMalformedJsonWithoutQuotingIt) {
  auto parsed = parse_json_object(R"({"password": "hunter2)");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::invalid_request);
  EXPECT_EQ(parsed.error().message.find("hunter2"), std::string::npos) << parsed.error().message;
}

TEST(ApiParseJsonObject, RefusesOtherJsonTypesAndEmptyBodies) {
  for (const char* body : {"[1,2]", "\"text\"", "42", "null", "", "   "}) {
    auto parsed = parse_json_object(body);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.error().code, ErrorCode::invalid_request) << body;
  }
}

TEST(ApiParseJsonObject, RefusesDeepNesting) {
  std::string deep = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
  auto parsed = parse_json_object(deep);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("deep"), std::string::npos);
  auto shallow = parse_json_object("{\"a\":[[[1]]]}");
  EXPECT_TRUE(shallow.ok());
}

TEST(ApiJsonFields, TypedAccessNamesTheField) {
  auto object = *parse_json_object(
      R"({"nif": "12345678Z", "count": 3, "big": 5000000000, "flag": true, "list": ["a","b"], "mixed": ["a", 1], "none": null})");
  EXPECT_EQ(*required_field<std::string>(object, "nif"), "12345678Z");
  EXPECT_EQ(*required_field<int>(object, "count"), 3);
  EXPECT_EQ(*required_field<bool>(object, "flag"), true);
  EXPECT_EQ(*required_field<std::vector<std::string>>(object, "list"), (std::vector<std::string>{"a", "b"}));

  auto missing = required_field<std::string>(object, "email");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::invalid_request);
  EXPECT_NE(missing.error().message.find("'email'"), std::string::npos);

  auto wrong = required_field<std::string>(object, "count");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("'count'"), std::string::npos);

  EXPECT_FALSE(required_field<int>(object, "big").ok());  // out of range for int
  EXPECT_TRUE(required_field<std::int64_t>(object, "big").ok());
  EXPECT_FALSE(required_field<std::vector<std::string>>(object, "mixed").ok());
  EXPECT_FALSE(required_field<std::string>(object, "none").ok());
  EXPECT_FALSE(required_field<unsigned>(*parse_json_object(R"({"n": -1})"), "n").ok());

  auto absent = optional_field<std::string>(object, "surname2");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  auto null_value = optional_field<std::string>(object, "none");
  ASSERT_TRUE(null_value.ok());
  EXPECT_FALSE(null_value->has_value());
  auto present = optional_field<bool>(object, "flag");
  ASSERT_TRUE(present.ok());
  EXPECT_EQ(present->value(), true);
  EXPECT_FALSE(optional_field<bool>(object, "nif").ok());
}

TEST(ApiJsonFields, StringsWithControlCharactersAreRefusedByName) {
  // A NUL would otherwise reach the store, which refuses it in words about an SQL parameter.
  auto object = *parse_json_object(
      R"({"given_name": "Ana\u0000", "cr": "a\rb", "del": "a\u007fb", "tab": "a\tb", "ok": "Mar\u00eda",
          "roles": ["admin", "x\u001b[31m"]})");
  for (const char* field : {"given_name", "cr", "del"}) {
    auto refused = required_field<std::string>(object, field);
    ASSERT_FALSE(refused.ok()) << field;
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_request);
    EXPECT_EQ(refused.error().message, "field '" + std::string(field) + "' must not contain control characters");
    EXPECT_FALSE(optional_field<std::string>(object, field).ok()) << field;
  }
  EXPECT_EQ(*required_field<std::string>(object, "tab"), "a\tb");  // as in the web forms
  EXPECT_EQ(*required_field<std::string>(object, "ok"),
            "Mar\xc3\xad"
            "a");
  auto roles = required_field<std::vector<std::string>>(object, "roles");
  ASSERT_FALSE(roles.ok());
  EXPECT_NE(roles.error().message.find("'roles'"), std::string::npos);
  EXPECT_TRUE(has_control_character(std::string_view("\0", 1)));
  EXPECT_FALSE(has_control_character("plain text\t"));
}

TEST(ApiRequestHeaders, LookupIsCaseInsensitive) {
  Request r;
  r.set_header("Content-Type", "application/json");
  EXPECT_EQ(r.header("content-type").value_or(""), "application/json");
  EXPECT_EQ(r.header("CONTENT-TYPE").value_or(""), "application/json");
  EXPECT_FALSE(r.header("accept").has_value());
  r.remove_header("CONTENT-type");
  EXPECT_FALSE(r.header("content-type").has_value());
}

TEST(ApiPercentDecode, DecodesEscapesAndKeepsPlusAndBrokenEscapes) {
  EXPECT_EQ(percent_decode("a%20b"), "a b");
  EXPECT_EQ(percent_decode("%2B34600111222"), "+34600111222");
  EXPECT_EQ(percent_decode("+34"), "+34");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(percent_decode("x%2fy"), "x/y");
}

}  // namespace
}  // namespace firma::api

namespace firma::api {
namespace {

// docs/openapi.yaml is the contract: its code table and Problem enum must say what http_status does.
TEST(ApiOpenApiDocument, DocumentsEveryCodeWithItsStatus) {
  const std::string doc = testing::read_file(std::filesystem::path(FIRMA_SOURCE_DIR) / "docs" / "openapi.yaml");
  ASSERT_FALSE(doc.empty());
  for (int i = 0; i <= static_cast<int>(ErrorCode::internal); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    const std::string name(to_string(code));
    EXPECT_NE(doc.find("        - " + name + "\n"), std::string::npos) << name << " missing from ProblemCode";
    EXPECT_NE(doc.find("    | " + name + " | " + std::to_string(http_status(code))), std::string::npos)
        << name << " missing from the status table, or with another status";
  }
}

}  // namespace
}  // namespace firma::api
