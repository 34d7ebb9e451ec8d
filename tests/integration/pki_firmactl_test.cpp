// firmactl end to end against a running firmad: operators, a citizen's certificate, listing, revocation, keys and
// the audit trail, in text and --json; --help at every level; one-line errors with their exit statuses.
#include <set>

#include "pki_support.h"

namespace firma::testing {
namespace {

class PkiFirmactl : public ::testing::Test {
 protected:
  void SetUp() override {
    firmad = std::make_unique<Firmad>(dir.path() / "var");
    ASSERT_TRUE(firmad->started()) << firmad->process().output();
  }

  // firmactl --url <this firmad> --token TOKEN ARGS (stdout and stderr together).
  CommandResult firmactl(const std::string& args, const std::string& token = "") {
    const std::string t = token.empty() ? firmad->admin_token() : token;
    return run_command(std::string(FIRMACTL_PATH) + " --url " + firmad->url() + " --token " + t + " " + args);
  }

  static std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

  TempDir dir;
  std::unique_ptr<Firmad> firmad;
};

TEST_F(PkiFirmactl, AnOperatorIssuesListsRevokesAndAudits) {
  // An administrator makes a PKI officer; the officer does the rest.
  auto created = firmactl("operators create officer --roles pki_officer");
  ASSERT_EQ(created.status, 0) << created.output;
  const auto at = created.output.find("token (shown once): ");
  ASSERT_NE(at, std::string::npos) << created.output;
  const std::string officer = first_line(created.output.substr(at + 20));
  ASSERT_EQ(officer.rfind("fop_", 0), 0u) << created.output;
  auto operators = firmactl("--json operators list");
  ASSERT_EQ(operators.status, 0) << operators.output;
  const json listed_ops = json::parse(operators.output, nullptr, false);
  ASSERT_TRUE(listed_ops.is_object()) << operators.output;
  EXPECT_EQ(listed_ops["operators"].size(), 2u);

  firmad->register_citizen("12345678Z", "+34600111222", "advanced");
  auto issued = firmactl("citizens certificate 12345678Z --algorithm rsa-2048", officer);
  ASSERT_EQ(issued.status, 0) << issued.output;
  EXPECT_NE(issued.output.find("(rsa-2048)"), std::string::npos) << issued.output;
  EXPECT_NE(issued.output.find("-----BEGIN CERTIFICATE-----"), std::string::npos) << issued.output;
  ASSERT_EQ(issued.output.rfind("serial     ", 0), 0u) << issued.output;
  const std::string serial = first_line(issued.output.substr(11));

  auto listed = firmactl("certificates list --nif 12345678z", officer);
  ASSERT_EQ(listed.status, 0) << listed.output;
  EXPECT_NE(listed.output.find(serial + " "), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find(" valid "), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("IDCES-12345678Z"), std::string::npos) << listed.output;

  auto keys = firmactl("keys list", officer);
  ASSERT_EQ(keys.status, 0) << keys.output;
  EXPECT_NE(keys.output.find("12345678Z  citizen      rsa-2048"), std::string::npos) << keys.output;
  EXPECT_NE(keys.output.find("sensitive,never-extractable,certificate"), std::string::npos) << keys.output;
  EXPECT_EQ(keys.output.find("EXTRACTABLE"), std::string::npos) << keys.output;

  auto revoked = firmactl("certificates revoke " + serial + " --reason key_compromise", officer);
  ASSERT_EQ(revoked.status, 0) << revoked.output;
  EXPECT_EQ(revoked.output.rfind("revoked " + serial + " at ", 0), 0u) << revoked.output;
  auto json_list = firmactl("--json certificates list --nif 12345678Z", officer);
  ASSERT_EQ(json_list.status, 0);
  const json certificates = json::parse(json_list.output, nullptr, false);
  ASSERT_TRUE(certificates.is_object()) << json_list.output;
  EXPECT_EQ(certificates["certificates"][0]["status"], "revoked");
  EXPECT_EQ(certificates["certificates"][0]["revocation_reason"], "key_compromise");

  // The trail holds what happened, and its chain verifies.
  auto shown = firmactl("audit show");
  ASSERT_EQ(shown.status, 0) << shown.output;
  EXPECT_NE(shown.output.find("certificate.issue"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("certificate.revoke"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("certificate:" + serial), std::string::npos) << shown.output;
  auto verified = firmactl("audit verify");
  EXPECT_EQ(verified.status, 0) << verified.output;
  EXPECT_EQ(verified.output.rfind("ok: ", 0), 0u) << verified.output;
  auto paged = firmactl("--json audit show --after 1 --limit 2");
  ASSERT_EQ(paged.status, 0) << paged.output;
  const json page = json::parse(paged.output, nullptr, false);
  ASSERT_EQ(page["events"].size(), 2u) << paged.output;
  EXPECT_EQ(page["events"][0]["seq"], 2);

  // The signed checkpoints, kept off the database, and a later verification against them.
  auto exported = firmactl("audit checkpoints");
  ASSERT_EQ(exported.status, 0) << exported.output;
  json kept = json::parse(exported.output, nullptr, false);
  ASSERT_TRUE(kept.is_object()) << exported.output;
  ASSERT_FALSE(kept["checkpoints"].empty()) << exported.output;
  ASSERT_EQ(kept["certificates"].size(), 1u) << exported.output;
  const auto kept_file = dir.path() / "kept.json";
  write_file(kept_file, exported.output);
  auto against = firmactl("audit verify --checkpoints " + kept_file.string());
  EXPECT_EQ(against.status, 0) << against.output;
  EXPECT_EQ(against.output.rfind("ok: ", 0), 0u) << against.output;
  // A kept checkpoint someone altered does not verify: refused, never taken as the truth.
  kept["checkpoints"][0]["hash"] = std::string(64, '0');
  write_file(kept_file, kept.dump());
  auto altered = firmactl("audit verify --checkpoints " + kept_file.string());
  EXPECT_EQ(altered.status, 1) << altered.output;
  EXPECT_EQ(altered.output.rfind("firmactl: invalid_request: ", 0), 0u) << altered.output;
}

// Wrapped custody: firmad states what the token offers in one line, makes its first KEK, and an operator rotates it;
// the upkeep is what rewraps, so right after the rotation the old KEK is still retiring.
TEST(PkiFirmactlWrapped, AnOperatorListsAndRotatesTheKek) {
  TempDir dir;
  Firmad firmad(dir.path() / "var", {"--set", "hsm.key_custody=wrapped"});
  ASSERT_TRUE(firmad.started()) << firmad.process().output();
  EXPECT_NE(firmad.process().output().find("\"event\":\"hsm_custody\""), std::string::npos);
  EXPECT_NE(firmad.process().output().find("\"key_wrap\":\"CKM_AES_KEY_WRAP_PAD (PKCS#11 2.40)\""), std::string::npos)
      << firmad.process().output();
  const auto firmactl = [&](const std::string& args) {
    return run_command(std::string(FIRMACTL_PATH) + " --url " + firmad.url() + " --token " + firmad.admin_token() +
                       " " + args);
  };
  auto listed = firmactl("kek list");
  ASSERT_EQ(listed.status, 0) << listed.output;
  EXPECT_NE(listed.output.find("key custody: wrapped"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find(" current "), std::string::npos) << listed.output;
  auto rotated = firmactl("kek rotate");
  ASSERT_EQ(rotated.status, 0) << rotated.output;
  EXPECT_NE(rotated.output.find("new key-encryption key kek-"), std::string::npos) << rotated.output;
  auto after = firmactl("--json kek list");
  ASSERT_EQ(after.status, 0) << after.output;
  const json keks = json::parse(after.output, nullptr, false);
  ASSERT_TRUE(keks.is_object()) << after.output;
  ASSERT_EQ(keks["keks"].size(), 2u);
  std::set<std::string> states;
  for (const auto& k : keks["keks"]) states.insert(k["state"].get<std::string>());
  EXPECT_EQ(states, (std::set<std::string>{"current", "retiring"}));
  auto audit = firmactl("audit show");
  EXPECT_NE(audit.output.find("kek.create"), std::string::npos) << audit.output;
  EXPECT_NE(audit.output.find("kek.rotate"), std::string::npos) << audit.output;
}

TEST(PkiFirmactlWrapped, RotationIsRefusedInTokenCustody) {
  TempDir dir;
  Firmad firmad(dir.path() / "var");
  ASSERT_TRUE(firmad.started()) << firmad.process().output();
  auto refused = run_command(std::string(FIRMACTL_PATH) + " --url " + firmad.url() + " --token " +
                             firmad.admin_token() + " kek rotate");
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("hsm.key_custody = wrapped"), std::string::npos) << refused.output;
}

TEST_F(PkiFirmactl, ErrorsAreOneLineWithTheirExitStatus) {
  // Refused by the server: the problem's code and detail on one line, exit status 1.
  auto unknown = firmactl("certificates revoke 0123456789ABCDEF --reason unspecified");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_EQ(unknown.output.rfind("firmactl: not_found: ", 0), 0u) << unknown.output;
  EXPECT_EQ(unknown.output.find('\n'), unknown.output.size() - 1) << unknown.output;

  auto auditor_token = firmactl("operators create reader --roles auditor");
  ASSERT_EQ(auditor_token.status, 0) << auditor_token.output;
  const auto at = auditor_token.output.find("token (shown once): ");
  const std::string auditor = first_line(auditor_token.output.substr(at + 20));
  auto forbidden = firmactl("keys list", auditor);
  EXPECT_EQ(forbidden.status, 1);
  EXPECT_EQ(forbidden.output.rfind("firmactl: forbidden: ", 0), 0u) << forbidden.output;
  EXPECT_EQ(firmactl("audit verify", auditor).status, 0) << "auditors read the trail";

  auto bad_token = firmactl("keys list", "fop_not-a-token");
  EXPECT_EQ(bad_token.status, 1);
  EXPECT_EQ(bad_token.output.rfind("firmactl: unauthorized: ", 0), 0u) << bad_token.output;

  // Wrong usage: exit status 1 and the usage on one line.
  for (const char* args : {"certificates revoke 0A", "certificates frobnicate", "operators create x", "keys"}) {
    auto wrong = firmactl(args);
    EXPECT_EQ(wrong.status, 1) << args;
    EXPECT_EQ(wrong.output.rfind("firmactl: ", 0), 0u) << args << ": " << wrong.output;
    EXPECT_EQ(wrong.output.find('\n'), wrong.output.size() - 1) << args << ": " << wrong.output;
  }

  // No server: exit status 2.
  auto unreachable = run_command(std::string(FIRMACTL_PATH) + " --url http://127.0.0.1:1 --token x certificates list");
  EXPECT_EQ(unreachable.status, 2) << unreachable.output;
  EXPECT_EQ(unreachable.output.rfind("firmactl: cannot reach http://127.0.0.1:1", 0), 0u) << unreachable.output;
}

TEST_F(PkiFirmactl, HelpAtEveryLevel) {
  auto top = run_command(std::string(FIRMACTL_PATH) + " --help");
  EXPECT_EQ(top.status, 0);
  for (const char* command :
       {"certificates list", "certificates revoke", "keys list", "audit show", "audit verify", "audit checkpoints",
        "operators create", "operators list", "citizens certificate", "kek list", "kek rotate"})
    EXPECT_NE(top.output.find(command), std::string::npos) << command;
  for (const char* command : {"certificates", "keys", "audit", "operators", "citizens", "kek"}) {
    for (const std::string& args : {std::string(command) + " --help", std::string(command) + " list -h"}) {
      auto help = run_command(std::string(FIRMACTL_PATH) + " " + args);
      EXPECT_EQ(help.status, 0) << args << ": " << help.output;
      EXPECT_EQ(help.output.rfind("usage: firmactl", 0), 0u) << args << ": " << help.output;
      EXPECT_NE(help.output.find(std::string("  ") + command + " "), std::string::npos) << args << ": " << help.output;
      EXPECT_EQ(help.output.find("  status "), std::string::npos) << "only this command's lines: " << help.output;
    }
  }
  auto unknown = run_command(std::string(FIRMACTL_PATH) + " frobnicate --help");
  EXPECT_EQ(unknown.status, 1) << unknown.output;
}

}  // namespace
}  // namespace firma::testing
