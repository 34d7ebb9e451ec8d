// FIRe's operations' parameters parsed into the core's words, and FIRe's errors as its clients read them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "errors.h"
#include "parameters.h"

namespace firma::api::fire {
namespace {

std::string b64(std::string_view text) {
  return to_base64(as_bytes(text));
}

TEST(FireForm, DecodesTheFormAndBoundsEachParameter) {
  auto form = parse_form("op=1&appid=app-1&dat=aGk-_w==&language=$$LANGUAGE$$&empty=&flag&x=a%2Bb+c&op=2");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->at("op"), "1") << "the first of a repeated name";
  EXPECT_EQ(form->at("dat"), "aGk-_w==");
  EXPECT_EQ(form->at("language"), "$$LANGUAGE$$");
  EXPECT_EQ(form->at("x"), "a+b c");
  EXPECT_FALSE(parameter(*form, "empty"));
  EXPECT_FALSE(parameter(*form, "flag"));
  EXPECT_FALSE(parameter(*form, "absent"));

  auto big = parse_form("op=1&dat=" + std::string(kMaxParameterBytes + 1, 'A'));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, FireCode::reading_parameters);
  EXPECT_TRUE(parse_form("dat=" + std::string(kMaxParameterBytes, 'A')));
}

struct SettingsCase {
  const char* what;
  std::optional<std::string> cop, algorithm, format, properties;
  std::optional<FireCode> error;
  std::string core_format = "", digest = "", key_kind = "";
  bool attached = false;
};

class FireSettings : public ::testing::TestWithParam<SettingsCase> {};

TEST_P(FireSettings, MapsOntoTheCore) {
  const auto& c = GetParam();
  auto settings = parse_signature_settings(c.cop, c.algorithm, c.format, c.properties);
  if (c.error) {
    ASSERT_FALSE(settings) << c.what;
    EXPECT_EQ(settings.error().code, *c.error) << c.what << ": " << settings.error().message;
    return;
  }
  ASSERT_TRUE(settings) << c.what << ": " << settings.error().message;
  EXPECT_EQ(settings->format, c.core_format) << c.what;
  EXPECT_EQ(settings->digest_algorithm, c.digest) << c.what;
  EXPECT_EQ(settings->key_kind, c.key_kind) << c.what;
  EXPECT_EQ(settings->attached, c.attached) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FireSettings,
    ::testing::Values(
        SettingsCase{"CAdES detached by default", "sign", "SHA256withRSA", "CAdES", std::nullopt, std::nullopt, "cades",
                     "sha256", "rsa", false},
        SettingsCase{"mode=implicit attaches", "SIGN", "SHA512withECDSA", "cades", b64("mode=implicit"), std::nullopt,
                     "cades", "sha512", "ec", true},
        SettingsCase{"mode=explicit", "Sign", "sha384withrsa", "CAdES", b64("mode : explicit\n"), std::nullopt, "cades",
                     "sha384", "rsa", false},
        SettingsCase{"XAdES enveloped", "sign", "SHA256withECDSA", "XAdES", b64("format=XAdES Enveloped"), std::nullopt,
                     "xades", "sha256", "ec", false},
        SettingsCase{"PAdES", "sign", "SHA256withRSA", "PAdES", std::nullopt, std::nullopt, "pades", "sha256", "rsa"},
        SettingsCase{"no cop", std::nullopt, "SHA256withRSA", "CAdES", std::nullopt,
                     FireCode::signature_operation_needed},
        SettingsCase{"cosign", "cosign", "SHA256withRSA", "CAdES", std::nullopt, FireCode::signature_params_invalid},
        SettingsCase{"countersign", "countersign", "SHA256withRSA", "CAdES", std::nullopt,
                     FireCode::signature_params_invalid},
        SettingsCase{"no algorithm", "sign", std::nullopt, "CAdES", std::nullopt, FireCode::algorithm_needed},
        SettingsCase{"SHA-1", "sign", "SHA1withRSA", "CAdES", std::nullopt, FireCode::signature_params_invalid},
        SettingsCase{"an unknown algorithm", "sign", "SHA256withDSA", "CAdES", std::nullopt,
                     FireCode::signature_params_invalid},
        SettingsCase{"no format", "sign", "SHA256withRSA", std::nullopt, std::nullopt, FireCode::format_needed},
        SettingsCase{"FacturaE", "sign", "SHA256withRSA", "FacturaE", std::nullopt, FireCode::format_needed},
        SettingsCase{"ASiC", "sign", "SHA256withRSA", "XAdES-ASiC-S", std::nullopt, FireCode::format_needed},
        SettingsCase{"XAdES detached", "sign", "SHA256withRSA", "XAdES", b64("format=XAdES Detached"),
                     FireCode::signature_params_invalid},
        SettingsCase{"properties not base64", "sign", "SHA256withRSA", "CAdES", "***",
                     FireCode::signature_params_invalid},
        SettingsCase{"a bad properties text", "sign", "SHA256withRSA", "CAdES", b64("mode=\\u00"),
                     FireCode::signature_params_invalid},
        SettingsCase{"an unknown mode", "sign", "SHA256withRSA", "CAdES", b64("mode=both"),
                     FireCode::signature_params_invalid}));

TEST(FireConfig, ReadsRedirectsAndDescriptions) {
  auto config = parse_config(b64("#Mon Dec 07\nredirectOkUrl=https\\://sede/ok?a\\=1\nappName=Ayudas\n"), true, true);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->redirect_ok, "https://sede/ok?a=1");
  EXPECT_EQ(config->redirect_error, "https://sede/ok?a=1") << "one URL serves for both";
  EXPECT_EQ(config->app_name, "Ayudas");

  EXPECT_EQ(parse_config(std::nullopt, true, true).error().code, FireCode::config_needed);
  EXPECT_EQ(parse_config(std::nullopt, false, true).error().code, FireCode::redirect_url_needed);
  EXPECT_TRUE(parse_config(std::nullopt, false, false));
  EXPECT_EQ(parse_config("%%%", true, true).error().code, FireCode::config_invalid);
  EXPECT_EQ(parse_config(b64("redirectOkUrl=\\uzzzz"), true, true).error().code, FireCode::config_invalid);
  EXPECT_EQ(parse_config(b64("docName=x"), true, true).error().code, FireCode::redirect_url_needed);
}

TEST(FireParameters, BooleansDocumentIdsDocumentsAndUpgrades) {
  EXPECT_TRUE(*parse_boolean("true", "x"));
  EXPECT_TRUE(*parse_boolean("1", "x"));
  EXPECT_FALSE(*parse_boolean("false", "x"));
  EXPECT_FALSE(*parse_boolean(std::nullopt, "x")) << "PHP sends an empty value for false";
  EXPECT_FALSE(parse_boolean("yes", "x"));

  EXPECT_EQ(*parse_document_id("doc-1_a.pdf"), "doc-1_a.pdf");
  EXPECT_TRUE(parse_document_id(std::string(40, 'a')));
  EXPECT_EQ(parse_document_id(std::string(41, 'a')).error().code, FireCode::document_id_invalid);
  EXPECT_EQ(parse_document_id("a/b").error().code, FireCode::document_id_invalid);
  EXPECT_EQ(parse_document_id("a b").error().code, FireCode::document_id_invalid);
  EXPECT_EQ(parse_document_id(std::nullopt).error().code, FireCode::document_id_needed);

  EXPECT_EQ(parse_document(std::nullopt).error().code, FireCode::data_needed);
  EXPECT_EQ(parse_document("@@").error().code, FireCode::data_invalid);
  EXPECT_EQ(parse_document("aGk").operator*(), (Bytes{'h', 'i'}));

  EXPECT_FALSE(refuse_upgrade(std::nullopt));
  for (const char* level : {"T-LEVEL", "LT-LEVEL", "LTA-LEVEL", "ES-T", "whatever"})
    EXPECT_EQ(refuse_upgrade(std::string(level))->code, FireCode::upgrading) << level;
}

TEST(FireErrors, RenderCompactJsonWithFiresStatuses) {
  auto r = render(fire_error(FireCode::unauthorized, "no \"app\""));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"c":502,"m":"no \"app\""})");
  EXPECT_EQ(render(fire_error(FireCode::certificate_needed, "x")).status, 400);
  EXPECT_EQ(render(fire_error(FireCode::invalid_transaction, "x")).status, 403);
  EXPECT_EQ(render(fire_error(FireCode::cancelled, "x")).status, 400);
  EXPECT_EQ(render(fire_error(FireCode::batch_not_signed, "x")).status, 500);
  EXPECT_EQ(render(fire_error(FireCode::upgrading, "x")).status, 500);
  // Invalid UTF-8 in a message never throws: it is replaced.
  EXPECT_EQ(render(fire_error(FireCode::internal, "\xff")).status, 500);

  EXPECT_EQ(from_core(make_error(ErrorCode::not_found, "no transaction x"), FireCode::signing).code,
            FireCode::invalid_transaction);
  EXPECT_EQ(from_core(make_error(ErrorCode::invalid_request, "bad"), FireCode::signature_params_invalid).code,
            FireCode::signature_params_invalid);
  const auto hidden = from_core(make_error(ErrorCode::internal, "database at 10.0.0.3 is down"), FireCode::signing);
  EXPECT_EQ(hidden.code, FireCode::internal);
  EXPECT_EQ(hidden.message.find("10.0.0.3"), std::string::npos);
}

}  // namespace
}  // namespace firma::api::fire
