// `key = value` settings: a registry of keys read from file, environment and flags; unknown keys and bad values are
// refused with the key and its source named.
#include "core/config.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace firma {
namespace {

// A module's settings, as hsm/settings.h and the others declare theirs.
struct Sample {
  std::string module;
  std::size_t sessions = 8;
  std::string mode = "fast";
};

const config::Keys<Sample>& sample_keys() {
  static const config::Keys<Sample> keys = {
      config::text("sample.module", &Sample::module),
      config::count("sample.sessions", &Sample::sessions, 1, 256),
      config::one_of("sample.mode", &Sample::mode, {"fast", "slow"}),
  };
  return keys;
}

struct Registered {
  Sample sample;
  config::Registry registry;
  Registered() { registry.add(sample_keys(), sample); }
};

TEST(Config, FileSetsKnownKeys) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "firma.conf",
                      "# comment\n\nsample.module = /opt/hsm.so\nsample.mode=slow\n  sample.sessions = 4\t\n");
  Registered r;
  ASSERT_TRUE(r.registry.read_file((dir.path() / "firma.conf").string()).ok());
  EXPECT_EQ(r.sample.module, "/opt/hsm.so");
  EXPECT_EQ(r.sample.mode, "slow");
  EXPECT_EQ(r.sample.sessions, 4u);
}

TEST(Config, FileErrorsNameFileAndLine) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "firma.conf").string();
  Registered r;
  testing::write_file(path, "sample.module = x\nsample.modul = y\n");
  auto s = r.registry.read_file(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::invalid_request);
  EXPECT_EQ(s.error().message, path + ":2: unknown configuration key 'sample.modul'");
  testing::write_file(path, "\nsample.sessions = 0\n");
  s = r.registry.read_file(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, path + ":2: sample.sessions: expected a whole number from 1 to 256, got '0'");
  testing::write_file(path, "sample.module\n");
  s = r.registry.read_file(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, path + ":1: expected key = value");
  s = r.registry.read_file((dir.path() / "missing.conf").string());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "cannot read configuration file " + (dir.path() / "missing.conf").string());
}

TEST(Config, BadValuesAreRefusedWithTheKey) {
  Registered r;
  EXPECT_FALSE(r.registry.set("sample.sessions", "0").ok());
  EXPECT_FALSE(r.registry.set("sample.sessions", "257").ok());
  EXPECT_FALSE(r.registry.set("sample.sessions", "4x").ok());
  auto s = r.registry.set("sample.sessions", "four");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "sample.sessions: expected a whole number from 1 to 256, got 'four'");
  s = r.registry.set("sample.mode", "medium");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "sample.mode: expected one of fast, slow, got 'medium'");
  s = r.registry.set("sample.other", "1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "unknown configuration key 'sample.other'");
  EXPECT_EQ(r.sample.sessions, 8u);
  EXPECT_EQ(r.sample.mode, "fast");
  EXPECT_TRUE(r.registry.set("sample.sessions", "16").ok());
  EXPECT_EQ(r.sample.sessions, 16u);
}

TEST(Config, EnvironmentUsesUpperCaseNames) {
  std::string a = "FIRMA_SAMPLE_MODULE=/opt/p11.so", b = "FIRMA_SAMPLE_SESSIONS=3", other = "PATH=/bin",
              theirs = "FIRMA_URL=http://127.0.0.1:8080";  // firmactl's, no key of ours: left alone
  char* env[] = {a.data(), b.data(), other.data(), theirs.data(), nullptr};
  Registered r;
  ASSERT_TRUE(r.registry.read_environment(env).ok());
  EXPECT_EQ(r.sample.module, "/opt/p11.so");
  EXPECT_EQ(r.sample.sessions, 3u);
}

TEST(Config, EnvironmentErrorsNameTheVariable) {
  std::string bad = "FIRMA_SAMPLE_MODE=medium";
  char* env[] = {bad.data(), nullptr};
  Registered r;
  auto s = r.registry.read_environment(env);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "FIRMA_SAMPLE_MODE: sample.mode: expected one of fast, slow, got 'medium'");
}

TEST(Config, AnUnknownVariableInASectionOfOursIsRefusedLikeAnUnknownKey) {
  std::string typo = "FIRMA_SAMPLE_MODUL=/opt/p11.so", theirs = "FIRMA_URL=http://127.0.0.1:8080";
  char* env[] = {theirs.data(), typo.data(), nullptr};
  Registered r;
  auto s = r.registry.read_environment(env);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::invalid_request);
  EXPECT_EQ(s.error().message, "FIRMA_SAMPLE_MODUL: unknown configuration key (no sample.* setting by that name)");
  EXPECT_FALSE(r.registry.set("sample.modul", "/opt/p11.so").ok()) << "as --set refuses it";
}

TEST(Config, KeysInTheOrderAdded) {
  Registered r;
  EXPECT_EQ(r.registry.keys(), (std::vector<std::string_view>{"sample.module", "sample.sessions", "sample.mode"}));
}

}  // namespace
}  // namespace firma
