// Configuration: known keys from file and environment; unknown keys and bad values are refused.
#include "core/config.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace firma {
namespace {

TEST(Config, FileSetsKnownKeys) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "firma.conf",
                      "# comment\n\nhsm.module = /opt/hsm.so\nserver.listen=0.0.0.0:9000\nhsm.sessions = 4\n");
  Config c;
  ASSERT_TRUE(apply_config_file(c, (dir.path() / "firma.conf").string()).ok());
  EXPECT_EQ(c.hsm.module, "/opt/hsm.so");
  EXPECT_EQ(c.server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.hsm.sessions, 4u);
}

TEST(Config, UnknownKeyNamesFileAndLine) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "firma.conf", "hsm.module = x\nhsm.modul = y\n");
  Config c;
  auto s = apply_config_file(c, (dir.path() / "firma.conf").string());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find(":2:"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("unknown configuration key 'hsm.modul'"), std::string::npos);
}

TEST(Config, BadNumbersAreRefused) {
  Config c;
  EXPECT_FALSE(apply_setting(c, "hsm.sessions", "0").ok());
  EXPECT_FALSE(apply_setting(c, "hsm.sessions", "four").ok());
  EXPECT_FALSE(apply_setting(c, "log.level", "loud").ok());
  EXPECT_TRUE(apply_setting(c, "hsm.sessions", "16").ok());
  EXPECT_EQ(c.hsm.sessions, 16u);
}

TEST(Config, SigningLimitsHaveFiresDefaultsAndBounds) {
  Config c;
  EXPECT_EQ(c.signing.max_documents, 10u);
  EXPECT_EQ(c.signing.max_document_bytes, 8u << 20);
  EXPECT_EQ(c.signing.transaction_lifetime_seconds, 600u);
  EXPECT_EQ(c.server.max_body_bytes, 12u << 20);
  EXPECT_TRUE(apply_setting(c, "signing.max_documents", "100").ok());
  EXPECT_EQ(c.signing.max_documents, 100u);
  EXPECT_TRUE(apply_setting(c, "signing.transaction_lifetime_seconds", "15").ok());
  EXPECT_EQ(c.signing.transaction_lifetime_seconds, 15u);
  EXPECT_FALSE(apply_setting(c, "signing.max_documents", "0").ok());
  EXPECT_FALSE(apply_setting(c, "signing.transaction_lifetime_seconds", "5").ok());
  EXPECT_FALSE(apply_setting(c, "signing.sad_lifetime_seconds", "9999").ok());
  EXPECT_EQ(c.signing.claim_timeout_seconds, 120u);
  EXPECT_TRUE(apply_setting(c, "signing.claim_timeout_seconds", "5").ok());
  EXPECT_EQ(c.signing.claim_timeout_seconds, 5u);
  EXPECT_FALSE(apply_setting(c, "signing.claim_timeout_seconds", "0").ok());
}

TEST(Config, XmlLimitsHaveDefaultsAndBounds) {
  Config c;
  EXPECT_EQ(c.signing.xml_max_attributes, 256u);
  EXPECT_EQ(c.signing.xml_max_nodes, 1000000u);
  EXPECT_EQ(c.signing.xml_max_depth, 128u);
  EXPECT_EQ(c.signing.xml_max_parse_ms, 5000u);
  EXPECT_TRUE(apply_setting(c, "signing.xml_max_attributes", "64").ok());
  EXPECT_EQ(c.signing.xml_max_attributes, 64u);
  EXPECT_FALSE(apply_setting(c, "signing.xml_max_attributes", "0").ok());
  EXPECT_FALSE(apply_setting(c, "signing.xml_max_depth", "300").ok());  // libxml2 stops at 256 by itself
  EXPECT_FALSE(apply_setting(c, "signing.xml_max_parse_ms", "0").ok());
}

TEST(Config, EnvironmentUsesUpperCaseNames) {
  std::string a = "FIRMA_DATABASE_URL=postgresql://db/firma", b = "FIRMA_HSM_TOKEN_LABEL=prod", other = "PATH=/bin";
  char* env[] = {a.data(), b.data(), other.data(), nullptr};
  Config c;
  ASSERT_TRUE(apply_environment(c, env).ok());
  EXPECT_EQ(c.database.url, "postgresql://db/firma");
  EXPECT_EQ(c.hsm.token_label, "prod");
}

}  // namespace
}  // namespace firma
