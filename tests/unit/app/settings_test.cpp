// firmad's settings: every module's keys from file and environment; unknown keys and bad values are refused, and
// docs/deployment.md lists exactly the keys there are.
#include "settings.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>

#include "support/temp_dir.h"

namespace firma::app {
namespace {

TEST(Settings, FileSetsKnownKeys) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "firma.conf",
                      "# comment\n\nhsm.module = /opt/hsm.so\nserver.listen=0.0.0.0:9000\nhsm.sessions = 4\n");
  Settings c;
  ASSERT_TRUE(settings_registry(c).read_file((dir.path() / "firma.conf").string()).ok());
  EXPECT_EQ(c.hsm.module, "/opt/hsm.so");
  EXPECT_EQ(c.server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.hsm.sessions, 4u);
}

TEST(Settings, UnknownKeyNamesFileAndLine) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "firma.conf", "hsm.module = x\nhsm.modul = y\n");
  Settings c;
  auto s = settings_registry(c).read_file((dir.path() / "firma.conf").string());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find(":2:"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("unknown configuration key 'hsm.modul'"), std::string::npos);
}

TEST(Settings, BadNumbersAreRefused) {
  Settings c;
  const config::Registry r = settings_registry(c);
  EXPECT_FALSE(r.set("hsm.sessions", "0").ok());
  EXPECT_FALSE(r.set("hsm.sessions", "four").ok());
  EXPECT_FALSE(r.set("log.level", "loud").ok());
  EXPECT_TRUE(r.set("hsm.sessions", "16").ok());
  EXPECT_EQ(c.hsm.sessions, 16u);
}

TEST(Settings, BadValuesNameTheKey) {
  Settings c;
  const config::Registry r = settings_registry(c);
  auto s = r.set("hsm.sessions", "0");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "hsm.sessions: expected a whole number from 1 to 256, got '0'");
  s = r.set("log.level", "loud");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "log.level: log.level must be debug, info, warn or error");
  s = r.set("sms.gateway", "carrier-pigeon");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "sms.gateway: expected one of outbox, kannel, http, got 'carrier-pigeon'");
}

TEST(Settings, SigningLimitsHaveFiresDefaultsAndBounds) {
  Settings c;
  const config::Registry r = settings_registry(c);
  EXPECT_EQ(c.signing.max_documents, 10u);
  EXPECT_EQ(c.signing.max_document_bytes, 8u << 20);
  EXPECT_EQ(c.signing.transaction_lifetime_seconds, 600u);
  EXPECT_EQ(c.server.max_body_bytes, 12u << 20);
  EXPECT_TRUE(r.set("signing.max_documents", "100").ok());
  EXPECT_EQ(c.signing.max_documents, 100u);
  EXPECT_TRUE(r.set("signing.transaction_lifetime_seconds", "15").ok());
  EXPECT_EQ(c.signing.transaction_lifetime_seconds, 15u);
  EXPECT_FALSE(r.set("signing.max_documents", "0").ok());
  EXPECT_FALSE(r.set("signing.transaction_lifetime_seconds", "5").ok());
  EXPECT_FALSE(r.set("signing.sad_lifetime_seconds", "9999").ok());
  EXPECT_EQ(c.signing.claim_timeout_seconds, 120u);
  EXPECT_TRUE(r.set("signing.claim_timeout_seconds", "5").ok());
  EXPECT_EQ(c.signing.claim_timeout_seconds, 5u);
  EXPECT_FALSE(r.set("signing.claim_timeout_seconds", "0").ok());
}

TEST(Settings, XmlLimitsHaveDefaultsAndBounds) {
  Settings c;
  const config::Registry r = settings_registry(c);
  EXPECT_EQ(c.signing.xml_max_attributes, 256u);
  EXPECT_EQ(c.signing.xml_max_nodes, 1000000u);
  EXPECT_EQ(c.signing.xml_max_depth, 128u);
  EXPECT_EQ(c.signing.xml_max_parse_ms, 5000u);
  EXPECT_TRUE(r.set("signing.xml_max_attributes", "64").ok());
  EXPECT_EQ(c.signing.xml_max_attributes, 64u);
  EXPECT_FALSE(r.set("signing.xml_max_attributes", "0").ok());
  EXPECT_FALSE(r.set("signing.xml_max_depth", "300").ok());  // libxml2 stops at 256 by itself
  EXPECT_FALSE(r.set("signing.xml_max_parse_ms", "0").ok());
}

TEST(Settings, EnvironmentUsesUpperCaseNames) {
  std::string a = "FIRMA_DATABASE_URL=postgresql://db/firma", b = "FIRMA_HSM_TOKEN_LABEL=prod", other = "PATH=/bin";
  char* env[] = {a.data(), b.data(), other.data(), nullptr};
  Settings c;
  ASSERT_TRUE(settings_registry(c).read_environment(env).ok());
  EXPECT_EQ(c.database.url, "postgresql://db/firma");
  EXPECT_EQ(c.hsm.token_label, "prod");
}

// Each module's keys reach the settings firmad starts with.
TEST(Settings, EveryModuleIsRegistered) {
  Settings c;
  const config::Registry r = settings_registry(c);
  ASSERT_TRUE(r.set("data_dir", "/srv/firma").ok());
  ASSERT_TRUE(r.set("pki.country", "PT").ok());
  ASSERT_TRUE(r.set("password.validity_days", "90").ok());
  ASSERT_TRUE(r.set("otp.digits", "8").ok());
  ASSERT_TRUE(r.set("sms.http.method", "PUT").ok());
  ASSERT_TRUE(r.set("rate_limit.address_header", "X-Real-IP").ok());
  ASSERT_TRUE(r.set("database.pool_size", "3").ok());
  EXPECT_EQ(c.data_dir, "/srv/firma");
  EXPECT_EQ(c.pki.country, "PT");
  EXPECT_EQ(c.password.validity_days, 90u);
  EXPECT_EQ(c.otp.digits, 8u);
  EXPECT_EQ(c.sms.http_method, "PUT");
  EXPECT_EQ(c.rate_limit.address_header, "X-Real-IP");
  EXPECT_EQ(c.database.pool_size, 3u);
}

// The table of docs/deployment.md's Configuration section names every key firmad knows, and no other.
TEST(Settings, DeploymentGuideListsEveryKey) {
  const std::string doc = testing::read_file(std::filesystem::path(FIRMA_SOURCE_DIR) / "docs" / "deployment.md");
  const auto section = doc.find("\n## Configuration\n");
  ASSERT_NE(section, std::string::npos);
  std::set<std::string> documented;
  std::istringstream lines(doc.substr(section + 1, doc.find("\n## ", section + 1) - section));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    const std::string cell = line.substr(2, line.find(" |", 2) - 2);  // the first column: `key`, `key` / `key`
    for (std::size_t open = cell.find('`'); open != std::string::npos;) {
      const std::size_t close = cell.find('`', open + 1);
      if (close == std::string::npos) break;
      documented.insert(cell.substr(open + 1, close - open - 1));
      open = cell.find('`', close + 1);
    }
  }
  Settings c;
  std::set<std::string> known;
  for (std::string_view k : settings_registry(c).keys()) known.insert(std::string(k));
  EXPECT_EQ(documented, known);
}

}  // namespace
}  // namespace firma::app
