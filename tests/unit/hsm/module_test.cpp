// Loading modules, preparing SoftHSM2, initialising tokens, and the errors an operator sees at start-up.
#include "hsm/module.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>

#include "hsm/token.h"
#include "support/softhsm_token.h"
#include "support/temp_dir.h"

namespace firma::hsm {
namespace {

using testing::SoftHsmToken;
using testing::TempDir;

bool one_line(const std::string& s) {
  return !s.empty() && s.find('\n') == std::string::npos;
}

TEST(HsmModule, MissingModuleIsAClearError) {
  auto module = Module::load("/nonexistent/libpkcs11-missing.so");
  ASSERT_FALSE(module.ok());
  EXPECT_EQ(module.error().code, ErrorCode::unavailable);
  EXPECT_NE(module.error().message.find("/nonexistent/libpkcs11-missing.so"), std::string::npos);
  EXPECT_NE(module.error().message.find("no such file"), std::string::npos);
  EXPECT_TRUE(one_line(module.error().message));
}

TEST(HsmModule, ALibraryWithoutPkcs11IsRefused) {
  Dl_info info{};
  ASSERT_NE(dladdr(reinterpret_cast<void*>(&std::fputs), &info), 0);  // the C library: loaded, not PKCS#11
  auto module = Module::load(info.dli_fname);
  ASSERT_FALSE(module.ok());
  EXPECT_NE(module.error().message.find("not a PKCS#11 module"), std::string::npos) << module.error().message;
  EXPECT_TRUE(one_line(module.error().message));
}

TEST(HsmModule, AFileThatIsNoLibraryIsRefused) {
  TempDir dir;
  testing::write_file(dir.path() / "fake.so", "not an ELF file");
  auto module = Module::load((dir.path() / "fake.so").string());
  ASSERT_FALSE(module.ok());
  EXPECT_NE(module.error().message.find("cannot load PKCS#11 module"), std::string::npos);
  EXPECT_TRUE(one_line(module.error().message));
}

TEST(HsmModule, PrepareSoftHsmWritesItsConfigurationAndSetsTheEnvironment) {
  TempDir dir;
  auto conf = prepare_softhsm(dir.str());
  ASSERT_TRUE(conf.ok()) << conf.error().message;
  EXPECT_EQ(*conf, (dir.path() / "softhsm2.conf").string());
  ASSERT_NE(getenv("SOFTHSM2_CONF"), nullptr);
  EXPECT_EQ(std::string(getenv("SOFTHSM2_CONF")), *conf);
  const std::string text = testing::read_file(*conf);
  EXPECT_NE(text.find("directories.tokendir = " + (dir.path() / "tokens").string()), std::string::npos);
  EXPECT_NE(text.find("objectstore.backend = file"), std::string::npos);
  EXPECT_NE(text.find("log.level = ERROR"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "tokens"));
}

TEST(HsmModule, TheSameModuleIsSharedWhileAlive) {
  SoftHsmToken hsm;
  auto again = Module::load(hsm.module_path());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), hsm.module_ptr().get());
  EXPECT_NE(hsm.module().description().find("SoftHSM"), std::string::npos) << hsm.module().description();
}

TEST(HsmModule, InitialisedTokensExistAndCannotBeInitialisedTwice) {
  SoftHsmToken hsm;
  EXPECT_TRUE(token_exists(hsm.module(), hsm.label()));
  EXPECT_FALSE(token_exists(hsm.module(), "another"));
  Status again = initialize_token(hsm.module(), hsm.label(), Secret("so-pin-2"), Secret("user-pin-2"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::conflict);

  ASSERT_TRUE(initialize_token(hsm.module(), "second", Secret("so-pin-2"), Secret("user-pin-2")).ok());
  EXPECT_TRUE(token_exists(hsm.module(), "second"));
  auto second = Token::open(hsm.module_ptr(), "second", Secret("user-pin-2"), 1);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ((*second)->label(), "second");
}

TEST(HsmModule, TokenLabelsLongerThan32BytesAreRefused) {
  SoftHsmToken hsm;
  Status st = initialize_token(hsm.module(), std::string(33, 'x'), Secret("a"), Secret("b"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::invalid_request);
}

TEST(HsmToken, WrongPinIsRefusedWithAClearError) {
  SoftHsmToken hsm;
  hsm.close();  // login state is per process: with the fixture's token open, no PIN would be asked
  auto token = Token::open(hsm.module_ptr(), hsm.label(), Secret("definitely-not-the-pin"), 2);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, ErrorCode::unauthorized);
  EXPECT_NE(token.error().message.find("user PIN"), std::string::npos) << token.error().message;
  EXPECT_NE(token.error().message.find(hsm.label()), std::string::npos);
  EXPECT_NE(token.error().message.find("CKR_PIN_INCORRECT"), std::string::npos);
  EXPECT_TRUE(one_line(token.error().message));
  // The right PIN still works: a refused PIN is not retried into a lockout.
  EXPECT_TRUE(Token::open(hsm.module_ptr(), hsm.label(), hsm.user_pin(), 2).ok());
}

TEST(HsmToken, UnknownLabelIsNotFound) {
  SoftHsmToken hsm;
  auto token = Token::open(hsm.module_ptr(), "no-such-token", hsm.user_pin(), 2);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, ErrorCode::not_found);
  EXPECT_NE(token.error().message.find("no-such-token"), std::string::npos);
  EXPECT_TRUE(one_line(token.error().message));
}

TEST(HsmToken, ZeroSessionsIsABadRequest) {
  SoftHsmToken hsm;
  auto token = Token::open(hsm.module_ptr(), hsm.label(), hsm.user_pin(), 0);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, ErrorCode::invalid_request);
}

TEST(HsmToken, PingAnswersOnAnOpenToken) {
  SoftHsmToken hsm;
  EXPECT_TRUE(hsm.token().ping().ok());
}

}  // namespace
}  // namespace firma::hsm
