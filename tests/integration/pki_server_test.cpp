// The PKI against a running firmad, checked as an outsider would: openssl verify, x509, ocsp (good, then revoked),
// crl and ts (the TSA at /tsa); pkcs11-tool on the server's own token; the refusals an operator meets.
#include <fstream>
#include <map>

#include "core/encoding.h"
#include "pki_support.h"

namespace firma::testing {
namespace {

std::string quoted(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}

class PkiServer : public ::testing::Test {
 protected:
  void SetUp() override {
    firmad = std::make_unique<Firmad>(dir.path() / "var");
    ASSERT_TRUE(firmad->started()) << firmad->process().output();
    ASSERT_FALSE(firmad->admin_token().empty()) << firmad->process().output();
    officer = firmad->create_operator("pki-officer", {"pki_officer"});
    ASSERT_FALSE(officer.empty());
  }

  std::filesystem::path save(const std::string& name, const std::string& content) {
    const auto path = dir.path() / name;
    write_file(path, content);
    return path;
  }

  CommandResult openssl(const std::string& args) { return run_command("openssl " + args); }

  TempDir dir;
  std::unique_ptr<Firmad> firmad;
  std::string officer;
};

TEST_F(PkiServer, IssueCheckWithOpenSslRevokeAndSeeItInOcspAndTheCrl) {
  firmad->register_citizen("12345678Z", "+34600111222", "advanced");

  // Issue, as a PKI officer.
  HttpReply issued = firmad->post_json("/v1/admin/citizens/12345678z/certificate", {{"algorithm", "ec-p256"}}, officer);
  ASSERT_EQ(issued.status, 201) << issued.body;
  const json cert = issued.parsed();
  const std::string serial = cert["serial"];
  const auto leaf = save("leaf.pem", cert["certificate"]);
  HttpReply chain = firmad->get("/pki/ca.pem");
  ASSERT_EQ(chain.status, 200);
  EXPECT_EQ(chain.content_type, "application/x-pem-file");
  const auto ca = save("ca.pem", chain.body);

  auto verified = openssl("verify -x509_strict -CAfile " + quoted(ca) + " " + quoted(leaf));
  EXPECT_EQ(verified.status, 0) << verified.output;
  auto text = openssl("x509 -noout -text -in " + quoted(leaf));
  const std::string base = firmad->url();
  const std::string links = Firmad::kPublicUrl;
  for (const std::string& expected :
       {std::string("serialNumber = IDCES-12345678Z"), std::string("X509v3 Key Usage: critical"),
        std::string("Digital Signature, Non Repudiation"), "OCSP - URI:" + links + "/pki/ocsp",
        "CA Issuers - URI:" + links + "/pki/ca.cer", "URI:" + links + "/pki/crl",
        std::string("Policy: 1.3.6.1.4.1.32473.1.1")})
    EXPECT_NE(text.output.find(expected), std::string::npos) << expected << "\n" << text.output;

  // The caIssuers link serves the issuing CA, DER.
  HttpReply issuer = firmad->get("/pki/ca.cer");
  ASSERT_EQ(issuer.status, 200);
  EXPECT_EQ(issuer.content_type, "application/pkix-cert");
  auto issuer_text = openssl("x509 -inform DER -noout -subject -in " + quoted(save("issuer.der", issuer.body)));
  EXPECT_NE(issuer_text.output.find("CN = Firma Citizens CA"), std::string::npos) << issuer_text.output;

  // The whole chain's status is published: the issuing CA names the root's CRL, which verifies under the root and
  // lists nothing, so a relying party that checks every certificate of the chain (-crl_check_all) accepts.
  auto issuer_dp =
      openssl("x509 -inform DER -noout -ext crlDistributionPoints -in " + quoted(dir.path() / "issuer.der"));
  EXPECT_NE(issuer_dp.output.find("URI:" + links + "/pki/root.crl"), std::string::npos) << issuer_dp.output;
  HttpReply root_crl = firmad->get("/pki/root.crl");
  ASSERT_EQ(root_crl.status, 200) << root_crl.body;
  EXPECT_EQ(root_crl.content_type, "application/pkix-crl");
  const auto root_crl_pem = dir.path() / "root-crl.pem";
  ASSERT_EQ(
      openssl("crl -inform DER -in " + quoted(save("root-crl.der", root_crl.body)) + " -out " + quoted(root_crl_pem))
          .status,
      0);
  auto root_crl_text = openssl("crl -in " + quoted(root_crl_pem) + " -noout -text -CAfile " + quoted(ca));
  EXPECT_NE(root_crl_text.output.find("verify OK"), std::string::npos) << root_crl_text.output;
  EXPECT_NE(root_crl_text.output.find("Issuer: C = ES, O = Firma, CN = Firma Root CA"), std::string::npos)
      << root_crl_text.output;
  EXPECT_NE(root_crl_text.output.find("No Revoked Certificates"), std::string::npos) << root_crl_text.output;
  const auto issuing_crl_pem = dir.path() / "issuing-crl.pem";
  ASSERT_EQ(openssl("crl -inform DER -in " + quoted(save("issuing-crl.der", firmad->get("/pki/crl").body)) + " -out " +
                    quoted(issuing_crl_pem))
                .status,
            0);
  auto whole_chain = openssl("verify -crl_check_all -CAfile " + quoted(ca) + " -CRLfile " + quoted(issuing_crl_pem) +
                             " -CRLfile " + quoted(root_crl_pem) + " " + quoted(leaf));
  EXPECT_EQ(whole_chain.status, 0) << whole_chain.output;
  auto without_root_crl = openssl("verify -crl_check_all -CAfile " + quoted(ca) + " -CRLfile " +
                                  quoted(issuing_crl_pem) + " " + quoted(leaf));
  EXPECT_NE(without_root_crl.status, 0) << "the root's CRL is what -crl_check_all needed";

  // OCSP says good.
  const std::string ocsp =
      "ocsp -issuer " + quoted(ca) + " -cert " + quoted(leaf) + " -url " + base + "/pki/ocsp -CAfile " + quoted(ca);
  auto good = openssl(ocsp);
  EXPECT_NE(good.output.find("Response verify OK"), std::string::npos) << good.output;
  EXPECT_NE(good.output.find(leaf.string() + ": good"), std::string::npos) << good.output;

  // The operator revokes it.
  HttpReply revoked =
      firmad->post_json("/v1/admin/certificates/" + serial + "/revoke", {{"reason", "key_compromise"}}, officer);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(revoked.parsed()["status"], "revoked");

  auto now_revoked = openssl(ocsp);
  EXPECT_NE(now_revoked.output.find("Response verify OK"), std::string::npos) << now_revoked.output;
  EXPECT_NE(now_revoked.output.find(leaf.string() + ": revoked"), std::string::npos) << now_revoked.output;
  EXPECT_NE(now_revoked.output.find("Reason: keyCompromise"), std::string::npos) << now_revoked.output;

  // The CRL verifies under the chain and lists the serial; openssl verify -crl_check now rejects the certificate.
  HttpReply crl = firmad->get("/pki/crl");
  ASSERT_EQ(crl.status, 200);
  EXPECT_EQ(crl.content_type, "application/pkix-crl");
  const auto crl_der = save("crl.der", crl.body);
  auto crl_ok = openssl("crl -in " + quoted(crl_der) + " -inform DER -CAfile " + quoted(ca) + " -noout");
  EXPECT_NE(crl_ok.output.find("verify OK"), std::string::npos) << crl_ok.output;
  auto crl_text = openssl("crl -in " + quoted(crl_der) + " -inform DER -noout -text");
  EXPECT_NE(crl_text.output.find("Serial Number: " + serial), std::string::npos) << crl_text.output;
  auto crl_pem = openssl("crl -in " + quoted(crl_der) + " -inform DER -out " + quoted(dir.path() / "crl.pem"));
  ASSERT_EQ(crl_pem.status, 0) << crl_pem.output;
  auto rejected = openssl("verify -crl_check -CAfile " + quoted(ca) + " -CRLfile " + quoted(dir.path() / "crl.pem") +
                          " " + quoted(leaf));
  EXPECT_NE(rejected.status, 0) << rejected.output;
  EXPECT_NE(rejected.output.find("certificate revoked"), std::string::npos) << rejected.output;

  // The listing says so too.
  HttpReply listed = firmad->get("/v1/admin/certificates?nif=12345678Z", officer);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.parsed()["certificates"].size(), 1u);
  EXPECT_EQ(listed.parsed()["certificates"][0]["status"], "revoked");
  EXPECT_EQ(listed.parsed()["certificates"][0]["revocation_reason"], "key_compromise");
}

TEST_F(PkiServer, OcspOverGetAndMalformedRequests) {
  firmad->register_citizen("12345678Z", "+34600111222", "advanced");
  HttpReply issued = firmad->post("/v1/admin/citizens/12345678Z/certificate", "", officer);
  ASSERT_EQ(issued.status, 201) << issued.body;
  const auto leaf = save("leaf.pem", issued.parsed()["certificate"]);
  const auto ca = save("ca.pem", firmad->get("/pki/ca.pem").body);
  const auto request = dir.path() / "req.der";
  auto made =
      openssl("ocsp -issuer " + quoted(ca) + " -cert " + quoted(leaf) + " -no_nonce -reqout " + quoted(request));
  ASSERT_EQ(made.status, 0) << made.output;

  // RFC 6960 A.1: GET {url}/{url-encoding of base64 of the DER request}.
  std::string der = read_file(request);
  std::string encoded;
  for (char c : to_base64(as_bytes(der))) {
    if (c == '/')
      encoded += "%2F";
    else if (c == '+')
      encoded += "%2B";
    else if (c == '=')
      encoded += "%3D";
    else
      encoded += c;
  }
  HttpReply got = firmad->get("/pki/ocsp/" + encoded);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.content_type, "application/ocsp-response");
  const auto response = save("resp.der", got.body);
  auto read = openssl("ocsp -respin " + quoted(response) + " -issuer " + quoted(ca) + " -cert " + quoted(leaf) +
                      " -CAfile " + quoted(ca));
  EXPECT_NE(read.output.find("Response verify OK"), std::string::npos) << read.output;
  EXPECT_NE(read.output.find(": good"), std::string::npos) << read.output;

  // Malformed: the malformedRequest status (RFC 6960 4.2.1), never a crash or a 5xx.
  const std::string malformed("\x30\x03\x0a\x01\x01", 5);
  for (const std::string& body : {std::string("not DER at all"), std::string(), der.substr(0, der.size() / 2)}) {
    HttpReply r = firmad->post("/pki/ocsp", body, "", "application/ocsp-request");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, malformed) << to_hex(as_bytes(r.body));
  }
  HttpReply bad_get = firmad->get("/pki/ocsp/!!not-base64!!");
  EXPECT_EQ(bad_get.status, 200);
  EXPECT_EQ(bad_get.body, malformed);
  // Still serving.
  EXPECT_EQ(firmad->get("/healthz").status, 200);
}

TEST_F(PkiServer, TimeStampsFromTsaVerifyAgainstTheDataAndBadQueriesAreRejected) {
  const auto ca = save("ca.pem", firmad->get("/pki/ca.pem").body);
  const auto data = save("doc.txt", "Resolución 2026/42\n");
  const auto query = dir.path() / "doc.tsq";
  auto made = openssl("ts -query -data " + quoted(data) + " -sha256 -cert -out " + quoted(query));
  ASSERT_EQ(made.status, 0) << made.output;
  HttpReply reply = firmad->post("/tsa", read_file(query), "", "application/timestamp-query");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.content_type, "application/timestamp-reply");
  const auto tsr = save("doc.tsr", reply.body);
  auto verified = openssl("ts -verify -queryfile " + quoted(query) + " -in " + quoted(tsr) + " -CAfile " + quoted(ca));
  EXPECT_NE(verified.output.find("Verification: OK"), std::string::npos) << verified.output;
  auto against_data = openssl("ts -verify -data " + quoted(data) + " -in " + quoted(tsr) + " -CAfile " + quoted(ca));
  EXPECT_NE(against_data.output.find("Verification: OK"), std::string::npos) << against_data.output;

  // Not a query, empty, truncated, too large: a rejection reply (RFC 3161 2.4.2), never a 4xx/5xx or a crash.
  const std::string der = read_file(query);
  for (const std::string& body :
       {std::string("not DER at all"), std::string(), der.substr(0, der.size() / 2), std::string(20000, '\x30')}) {
    HttpReply r = firmad->post("/tsa", body, "", "application/timestamp-query");
    ASSERT_EQ(r.status, 200);
    const auto rejected = save("rejected.tsr", r.body);
    auto text = openssl("ts -reply -in " + quoted(rejected) + " -text");
    EXPECT_NE(text.output.find("Status: Rejected."), std::string::npos) << text.output;
  }
  EXPECT_EQ(firmad->get("/healthz").status, 200);
}

TEST_F(PkiServer, RefusalsAClearFourHundredEach) {
  firmad->register_citizen("12345678Z", "+34600111222", "basic");
  firmad->register_citizen("X1234567L", "+34600111333", "advanced", /*activate=*/false);
  firmad->register_citizen("Y1234567X", "+34600111444", "advanced");

  HttpReply basic = firmad->post("/v1/admin/citizens/12345678Z/certificate", "", officer);
  EXPECT_EQ(basic.status, 403) << basic.body;
  EXPECT_EQ(basic.parsed()["code"], "registration_level") << basic.body;
  HttpReply pending = firmad->post("/v1/admin/citizens/X1234567L/certificate", "", officer);
  EXPECT_EQ(pending.status, 403) << pending.body;
  EXPECT_EQ(pending.parsed()["code"], "account_not_active") << pending.body;
  HttpReply unknown_citizen = firmad->post("/v1/admin/citizens/Z1234567R/certificate", "", officer);
  EXPECT_EQ(unknown_citizen.status, 404) << unknown_citizen.body;
  HttpReply bad_algorithm =
      firmad->post_json("/v1/admin/citizens/Y1234567X/certificate", {{"algorithm", "dsa-1024"}}, officer);
  EXPECT_EQ(bad_algorithm.status, 400) << bad_algorithm.body;

  // A registrar may register citizens but not run the PKI; no token at all is 401.
  const std::string registrar = firmad->create_operator("registrar", {"registrar"});
  HttpReply forbidden = firmad->post("/v1/admin/citizens/Y1234567X/certificate", "", registrar);
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;
  EXPECT_EQ(forbidden.parsed()["code"], "forbidden");
  EXPECT_EQ(firmad->get("/v1/admin/keys", registrar).status, 403);
  EXPECT_EQ(firmad->get("/v1/admin/certificates", registrar).status, 403);
  EXPECT_EQ(firmad->post_json("/v1/admin/certificates/0A/revoke", {{"reason", "unspecified"}}, registrar).status, 403);
  EXPECT_EQ(firmad->get("/v1/admin/keys").status, 401);

  // Unknown serial, unusable reasons, malformed serial.
  HttpReply unknown_serial =
      firmad->post_json("/v1/admin/certificates/0123456789ABCDEF/revoke", {{"reason", "unspecified"}}, officer);
  EXPECT_EQ(unknown_serial.status, 404) << unknown_serial.body;
  HttpReply issued = firmad->post("/v1/admin/citizens/Y1234567X/certificate", "", officer);
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string serial = issued.parsed()["serial"];
  for (const char* reason : {"certificate_hold", "ca_compromise", "whatever"}) {
    HttpReply r = firmad->post_json("/v1/admin/certificates/" + serial + "/revoke", {{"reason", reason}}, officer);
    EXPECT_EQ(r.status, 400) << reason << " " << r.body;
  }
  EXPECT_EQ(firmad->post_json("/v1/admin/certificates/XYZ/revoke", {{"reason", "unspecified"}}, officer).status, 400);
  EXPECT_EQ(firmad->post_json("/v1/admin/certificates/" + serial + "/revoke", json::object(), officer).status, 400);
  // Revoked once; the second time is a conflict.
  EXPECT_EQ(
      firmad->post_json("/v1/admin/certificates/" + serial + "/revoke", {{"reason", "keyCompromise"}}, officer).status,
      200);
  EXPECT_EQ(
      firmad->post_json("/v1/admin/certificates/" + serial + "/revoke", {{"reason", "unspecified"}}, officer).status,
      409);
}

// Operators' roles travel typed inside Firma and keep their names on the wire: echoed on creation, listed by name,
// and an unknown one refused with a 400 that names it.
TEST_F(PkiServer, OperatorRolesKeepTheirNamesOnTheWire) {
  HttpReply created = firmad->post_json(
      "/v1/admin/operators", {{"name", "registry desk"}, {"roles", {"registrar", "auditor"}}}, firmad->admin_token());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.parsed()["roles"], json({"registrar", "auditor"}));

  HttpReply listed = firmad->get("/v1/admin/operators", firmad->admin_token());
  ASSERT_EQ(listed.status, 200) << listed.body;
  std::map<std::string, json> roles_of;
  const json operators = listed.parsed()["operators"];
  for (const auto& op : operators) roles_of[op["name"]] = op["roles"];
  EXPECT_EQ(roles_of["administrator"], json({"admin"}));
  EXPECT_EQ(roles_of["pki-officer"], json({"pki_officer"}));
  EXPECT_EQ(roles_of["registry desk"], json({"registrar", "auditor"}));

  for (const json& roles : {json({"registrar", "superuser"}), json({"Admin"}), json::array()}) {
    HttpReply refused =
        firmad->post_json("/v1/admin/operators", {{"name", "someone"}, {"roles", roles}}, firmad->admin_token());
    EXPECT_EQ(refused.status, 400) << roles.dump() << " " << refused.body;
    EXPECT_EQ(refused.parsed()["code"], "invalid_request") << refused.body;
  }
  HttpReply unknown =
      firmad->post_json("/v1/admin/operators", {{"name", "someone"}, {"roles", {"superuser"}}}, firmad->admin_token());
  EXPECT_NE(unknown.parsed()["detail"].get<std::string>().find("unknown role 'superuser'"), std::string::npos)
      << unknown.body;
}

TEST_F(PkiServer, DeregistrationRevokesTheCertificateAndDestroysTheKey) {
  firmad->register_citizen("12345678Z", "+34600111222", "advanced");
  HttpReply issued = firmad->post("/v1/admin/citizens/12345678Z/certificate", "", firmad->admin_token());
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string key_id = issued.parsed()["key_id"];

  HttpReply keys = firmad->get("/v1/admin/keys", officer);
  ASSERT_EQ(keys.status, 200) << keys.body;
  bool listed = false;
  const json inventory = keys.parsed();
  for (const auto& k : inventory["keys"]) {
    EXPECT_EQ(k["sensitive"], true) << k;
    EXPECT_EQ(k["extractable"], false) << k;
    if (k["key_id"] == key_id) {
      listed = true;
      EXPECT_EQ(k["owner"], "12345678Z");
      EXPECT_EQ(k["algorithm"], "ec-p256");
    }
  }
  EXPECT_TRUE(listed) << keys.body;

  // pkcs11-tool on the server's own token, while it runs: key pair and certificate under one id, never extractable.
  const auto data = firmad->data_dir();
  auto objects = run_command("SOFTHSM2_CONF=" + quoted(data / "hsm" / "softhsm2.conf") +
                             " pkcs11-tool --module " FIRMA_SOFTHSM_MODULE " --token-label firma --login --pin " +
                             read_file(data / "secrets" / "hsm-user-pin").substr(0, 32) + " --list-objects");
  ASSERT_EQ(objects.status, 0) << objects.output;
  const std::string id_hex = to_hex(as_bytes(key_id));
  std::size_t with_id = 0;
  for (std::size_t at = 0; (at = objects.output.find(id_hex, at)) != std::string::npos; at += id_hex.size()) ++with_id;
  EXPECT_EQ(with_id, 3u) << "private key, public key and certificate\n" << objects.output;
  EXPECT_NE(objects.output.find("never extractable"), std::string::npos) << objects.output;

  HttpReply challenge =
      firmad->post_json("/v1/citizens/deregistration", {{"nif", "12345678Z"}, {"password", Firmad::kPassword}});
  ASSERT_EQ(challenge.status, 202) << challenge.body;
  HttpReply done = firmad->post_json(
      "/v1/citizens/deregistration/complete",
      {{"challenge_id", challenge.parsed()["challenge_id"]}, {"otp", firmad->latest_otp("+34600111222")}});
  ASSERT_EQ(done.status, 200) << done.body;

  HttpReply listed_after = firmad->get("/v1/admin/certificates?nif=12345678Z", officer);
  ASSERT_EQ(listed_after.status, 200);
  EXPECT_EQ(listed_after.parsed()["certificates"][0]["status"], "revoked") << listed_after.body;
  EXPECT_EQ(listed_after.parsed()["certificates"][0]["revocation_reason"], "cessation_of_operation");
  HttpReply keys_after = firmad->get("/v1/admin/keys", officer);
  EXPECT_EQ(keys_after.body.find(key_id), std::string::npos) << keys_after.body;

  HttpReply again = firmad->post("/v1/admin/citizens/12345678Z/certificate", "", officer);
  EXPECT_EQ(again.status, 403) << again.body;
  EXPECT_EQ(again.parsed()["code"], "account_not_active") << again.body;
}

TEST_F(PkiServer, ARestartKeepsTheCaAndTheCrlNumbering) {
  const std::string chain = firmad->get("/pki/ca.pem").body;
  const std::string crl = firmad->get("/pki/crl").body;
  ASSERT_FALSE(chain.empty());
  firmad.reset();
  firmad = std::make_unique<Firmad>(dir.path() / "var");
  ASSERT_TRUE(firmad->started()) << firmad->process().output();
  EXPECT_EQ(firmad->get("/pki/ca.pem").body, chain);
  EXPECT_EQ(firmad->get("/pki/crl").body, crl) << "the published CRL is served until the next one is due";
}

}  // namespace
}  // namespace firma::testing
