// The signing flow over HTTP, end to end: an application asks, the citizen confirms with password + SMS OTP,
// the HSM signs, and the outside verifiers (openssl, pdfsig, xmlsec1) accept what the application collects.
// On the embedded SQLite database and on PostgreSQL.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "certs/credentials.h"
#include "core/encoding.h"
#include "identity/citizens.h"
#include "policies/nif.h"
#include "sample_documents.h"
#include "signing_stack.h"
#include "store/database.h"
#include "support/postgres.h"
#include "support/process.h"

namespace firma::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kNif = "12345678Z";
const std::string kMobile = "+34600111222";
const std::string kPassword = "Firma-Segura-2026";

const std::string kXml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<solicitud xmlns=\"urn:example:sede\" id=\"s1\">\n"
    "  <titular nif=\"12345678Z\">María Núñez García</titular>\n  <importe moneda=\"EUR\">120.50</importe>\n"
    "</solicitud>\n";
const std::string kBinary = "anexo: informe técnico\x01\x02\x03";

std::string many_attributes(int count) {
  std::string xml = "<r";
  for (int i = 0; i < count; ++i) xml += " a" + std::to_string(i) + "=\"v\"";
  return xml + "/>";
}

std::string b64(std::string_view text) {
  return to_base64(as_bytes(text));
}

json every_format() {
  return json::array({
      {{"name", "resolucion.pdf"}, {"format", "pades"}, {"content", b64(minimal_pdf())}},
      {{"name", "solicitud.xml"}, {"format", "xades"}, {"content", b64(kXml)}},
      {{"name", "anexo.bin"}, {"format", "cades"}, {"content", b64(kBinary)}},
      {{"name", "anexo-adjunto.bin"},
       {"format", "cades"},
       {"content", b64(kBinary)},
       {"options", {{"attached", true}}}},
      {{"name", "hash"},
       {"format", "raw"},
       {"digest", {{"algorithm", "sha256"}, {"value", to_base64(sha256(kBinary))}}}},
  });
}

json new_transaction(const json& documents, const std::string& nif = kNif) {
  return {{"nif", nif}, {"return_url", "https://sede.example.gob.es/firma/vuelta?exp=42"}, {"documents", documents}};
}

std::filesystem::path write(const std::filesystem::path& path, std::string_view bytes) {
  write_file(path, std::string(bytes));
  return path;
}

std::string decoded(const json& value) {
  return to_string(*from_base64(value.get<std::string>()));
}

class SigningFlow : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      pg_ = std::make_unique<PostgresDatabase>();
      ASSERT_TRUE(pg_->ok()) << pg_->error();
    }
    stack_ = std::make_unique<SigningStack>(pg_ ? pg_->url() : "");
    app_key_ = stack_->register_application("Sede Electrónica de Ejemplo");
    stack_->make_citizen(kNif, kMobile, kPassword);
  }

  std::string create(const json& documents) {
    auto r = stack_->post("/v1/transactions", new_transaction(documents), app_key_);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("id", "");
  }

  Reply authenticate(const std::string& id, const std::string& password = kPassword) {
    return stack_->post("/v1/transactions/" + id + "/authenticate", {{"nif", kNif}, {"password", password}});
  }
  Reply confirm(const std::string& id, const std::string& otp) {
    return stack_->post("/v1/transactions/" + id + "/confirm", {{"otp", otp}});
  }
  std::int64_t transactions_stored() {
    auto n = stack_->services().database().transact([](store::Tx& tx) -> Result<std::int64_t> {
      auto rows = tx.query("SELECT count(*) FROM transactions");
      if (!rows) return std::move(rows).error();
      return rows->front().integer(0);
    });
    return n ? *n : -1;
  }

  std::unique_ptr<PostgresDatabase> pg_;
  std::unique_ptr<SigningStack> stack_;
  std::string app_key_;
};

TEST_P(SigningFlow, EveryFormatSignedAndVerifiedByOutsideTools) {
  const std::string id = create(every_format());
  ASSERT_EQ(id.size(), 32u) << "128 random bits";

  auto summary = stack_->get("/v1/transactions/" + id + "/summary");
  ASSERT_EQ(summary.status, 200) << summary.raw;
  EXPECT_EQ(summary.body["app_name"], "Sede Electrónica de Ejemplo");
  EXPECT_EQ(summary.body["status"], "pending");
  ASSERT_EQ(summary.body["documents"].size(), 5u);
  EXPECT_EQ(summary.body["documents"][1]["digest_sha256_hex"], to_hex(sha256(kXml)));

  auto wrong = authenticate(id, "Otra-Clave-2026");
  EXPECT_EQ(wrong.status, 401) << wrong.raw;
  EXPECT_EQ(wrong.body["code"], "invalid_credentials");

  auto started = authenticate(id);
  ASSERT_EQ(started.status, 202) << started.raw;
  EXPECT_EQ(started.body["otp_sent_to"], "+34******222");
  const std::string otp = stack_->last_otp(kMobile);
  ASSERT_EQ(otp.size(), 6u);

  auto confirmed = confirm(id, otp);
  ASSERT_EQ(confirmed.status, 200) << confirmed.raw;
  EXPECT_EQ(confirmed.body["status"], "signed");
  EXPECT_EQ(confirmed.body["return_url"],
            "https://sede.example.gob.es/firma/vuelta?exp=42&transaction=" + id + "&status=signed");

  auto fetched = stack_->get("/v1/transactions/" + id, app_key_);
  ASSERT_EQ(fetched.status, 200) << fetched.raw;
  EXPECT_EQ(fetched.body["status"], "signed");
  const auto& docs = fetched.body["documents"];
  ASSERT_EQ(docs.size(), 5u);

  const auto& dir = stack_->dir().path();
  const std::string ca = stack_->ca_pem_path();
  const auto cert = write(dir / "citizen.pem", fetched.body["certificate"].get<std::string>());
  auto verified = run_command("openssl verify -x509_strict -CAfile " + ca + " " + cert.string());
  EXPECT_EQ(verified.status, 0) << verified.output;

  // PAdES: pdfsig with the CA in a fresh NSS database.
  const auto pdf = write(dir / "signed.pdf", decoded(docs[0]["signed_document"]));
  EXPECT_EQ(decoded(docs[0]["signed_document"]).substr(0, minimal_pdf().size()), minimal_pdf())
      << "an incremental update keeps the original bytes as a prefix";
  const auto nss = dir / "nss";
  std::filesystem::create_directories(nss);
  ASSERT_EQ(run_command("certutil -N -d sql:" + nss.string() + " --empty-password").status, 0);
  ASSERT_EQ(run_command("certutil -A -d sql:" + nss.string() + " -n ca -t CT,C,C -i " + ca).status, 0);
  auto pdfsig = run_command("pdfsig -nssdir sql:" + nss.string() + " " + pdf.string());
  EXPECT_NE(pdfsig.output.find("Signature is Valid."), std::string::npos) << pdfsig.output;
  EXPECT_NE(pdfsig.output.find("Total document signed"), std::string::npos) << pdfsig.output;

  // XAdES: xmlsec1 with the CA as the trust anchor.
  const auto xml = write(dir / "signed.xml", decoded(docs[1]["signed_document"]));
  // xmlsec1 reads one certificate per --trusted-pem file: the root is the anchor, the issuing CA untrusted.
  const std::string chain = read_file(ca);
  const auto split = chain.find("-----BEGIN CERTIFICATE-----", 1);
  ASSERT_NE(split, std::string::npos);
  const auto issuing = write(dir / "issuing.pem", chain.substr(0, split));
  const auto root = write(dir / "root.pem", chain.substr(split));
  auto xmlsec = run_command("xmlsec1 --verify --trusted-pem " + root.string() + " --untrusted-pem " + issuing.string() +
                            " " + xml.string());
  EXPECT_EQ(xmlsec.status, 0) << xmlsec.output;

  // CAdES detached and attached: openssl cms -cades.
  const auto content = write(dir / "anexo.bin", kBinary);
  const auto detached = write(dir / "detached.p7s", decoded(docs[2]["signature"]));
  auto cms = run_command("openssl cms -verify -binary -inform DER -in " + detached.string() + " -content " +
                         content.string() + " -CAfile " + ca + " -purpose any -cades -out /dev/null");
  EXPECT_NE(cms.output.find("CAdES Verification successful"), std::string::npos) << cms.output;
  const auto attached = write(dir / "attached.p7s", decoded(docs[3]["signature"]));
  auto cms_attached = run_command("openssl cms -verify -binary -inform DER -in " + attached.string() + " -CAfile " +
                                  ca + " -purpose any -cades -out " + (dir / "out.bin").string());
  EXPECT_NE(cms_attached.output.find("CAdES Verification successful"), std::string::npos) << cms_attached.output;
  EXPECT_EQ(read_file(dir / "out.bin"), kBinary);

  // raw: the signature over the given digest, checked with the certificate's public key.
  EXPECT_EQ(docs[4]["algorithm"], "ecdsa-with-SHA256");
  const auto sig = write(dir / "raw.sig", decoded(docs[4]["signature"]));
  const auto digest = write(dir / "digest.bin", to_string(sha256(kBinary)));
  ASSERT_EQ(run_command("openssl x509 -in " + cert.string() + " -pubkey -noout > " + (dir / "pub.pem").string()).status,
            0);
  auto raw = run_command("openssl pkeyutl -verify -pubin -inkey " + (dir / "pub.pem").string() + " -in " +
                         digest.string() + " -sigfile " + sig.string());
  EXPECT_NE(raw.output.find("Signature Verified Successfully"), std::string::npos) << raw.output;
  const auto other = write(dir / "other.bin", to_string(sha256(std::string("otro"))));
  auto tampered = run_command("openssl pkeyutl -verify -pubin -inkey " + (dir / "pub.pem").string() + " -in " +
                              other.string() + " -sigfile " + sig.string());
  EXPECT_EQ(tampered.output.find("Signature Verified Successfully"), std::string::npos) << tampered.output;

  // Results are handed over once.
  auto again = stack_->get("/v1/transactions/" + id, app_key_);
  ASSERT_EQ(again.status, 200);
  EXPECT_TRUE(again.body["documents"].empty());
  EXPECT_EQ(again.body["results_purged"], true);
}

TEST_P(SigningFlow, ThreeWrongOtpsThenTheRightOneIsRefused) {
  const std::string id = create(every_format().at(4).is_object() ? json::array({every_format()[4]}) : json());
  ASSERT_EQ(authenticate(id).status, 202);
  const std::string otp = stack_->last_otp(kMobile);
  const std::string wrong = otp == "000000" ? "111111" : "000000";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(confirm(id, wrong).body["code"], "otp_invalid");
  auto late = confirm(id, otp);
  EXPECT_NE(late.status, 200);
  EXPECT_EQ(late.body["code"], "otp_exhausted") << late.raw;
  EXPECT_EQ(stack_->get("/v1/transactions/" + id, app_key_).body["status"], "authenticated");
}

TEST_P(SigningFlow, ANewCodeAfterTheCooldownReplacesTheFirst) {
  const std::string id = create(json::array({every_format()[4]}));
  const std::string resend = "/v1/transactions/" + id + "/otp";
  EXPECT_EQ(stack_->post(resend, json::object()).status, 409) << "no code before the password";
  ASSERT_EQ(authenticate(id).status, 202);
  const std::string first = stack_->last_otp(kMobile);
  auto early = stack_->post(resend, json::object());
  EXPECT_EQ(early.status, 429) << early.raw;
  EXPECT_EQ(early.body["code"], "rate_limited");
  stack_->clock().advance(61s);
  auto again = stack_->post(resend, json::object());
  ASSERT_EQ(again.status, 202) << again.raw;
  EXPECT_EQ(again.body["otp_sent_to"], "+34******222");
  const std::string second = stack_->last_otp(kMobile);
  if (first != second) {
    EXPECT_EQ(confirm(id, first).body["code"], "otp_invalid") << "the new code replaces the first";
  }
  auto done = confirm(id, second);
  ASSERT_EQ(done.status, 200) << done.raw;
  EXPECT_EQ(done.body["return_url"],
            "https://sede.example.gob.es/firma/vuelta?exp=42&transaction=" + id + "&status=signed");
}

TEST_P(SigningFlow, AnOtpConfirmsOnlyItsOwnTransaction) {
  const std::string first = create(json::array({every_format()[4]}));
  const std::string second = create(json::array({every_format()[2]}));
  ASSERT_EQ(authenticate(first).status, 202);
  const std::string first_otp = stack_->last_otp(kMobile);
  ASSERT_EQ(authenticate(second).status, 202);
  auto crossed = confirm(second, first_otp);
  EXPECT_EQ(crossed.status, 401) << crossed.raw;
  EXPECT_EQ(crossed.body["code"], "otp_invalid");
}

TEST_P(SigningFlow, RacingConfirmationsSignOnce) {
  const std::string id = create(json::array({every_format()[4], every_format()[2]}));
  ASSERT_EQ(authenticate(id).status, 202);
  const std::string otp = stack_->last_otp(kMobile);
  std::atomic<int> signed_count{0}, refused{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 4; ++i)
    racers.emplace_back([&] {
      auto r = confirm(id, otp);
      (r.status == 200 ? signed_count : refused)++;
      if (r.status != 200) std::printf("racing confirmation refused: %s\n", r.raw.c_str());
    });
  for (auto& t : racers) t.join();
  EXPECT_EQ(signed_count.load(), 1);
  EXPECT_EQ(refused.load(), 3);
  auto sad_uses = stack_->services().database().transact([](store::Tx& tx) -> Result<std::int64_t> {
    auto rows = tx.query("SELECT count(*) FROM sad_uses");
    if (!rows) return std::move(rows).error();
    return rows->front().integer(0);
  });
  ASSERT_TRUE(sad_uses);
  EXPECT_EQ(*sad_uses, 2) << "one HSM signature per document, once";
  auto again = confirm(id, otp);
  EXPECT_NE(again.status, 200);
}

TEST_P(SigningFlow, AnApplicationSeesOnlyItsOwnTransactions) {
  const std::string id = create(json::array({every_format()[4]}));
  const std::string other_key = stack_->register_application("Otra Sede");
  EXPECT_EQ(stack_->get("/v1/transactions/" + id, other_key).status, 404);
  EXPECT_EQ(stack_->del("/v1/transactions/" + id, other_key).status, 404);
  EXPECT_EQ(stack_->get("/v1/transactions/" + id, "fak_unknown").status, 401);
  EXPECT_EQ(stack_->get("/v1/transactions/" + id, app_key_).body["status"], "pending");
  EXPECT_EQ(stack_->del("/v1/transactions/" + id, app_key_).status, 204);
  EXPECT_EQ(authenticate(id).status, 409);
}

TEST_P(SigningFlow, AnExpiredTransactionCannotBeConfirmed) {
  const std::string id = create(json::array({every_format()[4]}));
  ASSERT_EQ(authenticate(id).status, 202);
  const std::string otp = stack_->last_otp(kMobile);
  stack_->clock().advance(601s);
  auto late = confirm(id, otp);
  EXPECT_EQ(late.status, 410) << late.raw;
  EXPECT_EQ(late.body["code"], "transaction_expired");
  EXPECT_EQ(stack_->get("/v1/transactions/" + id + "/summary").body["status"], "expired");
}

TEST_P(SigningFlow, BasicRegistrationCannotSign) {
  stack_->make_citizen("X1234567L", "+34600999888", kPassword, "basic");
  auto r = stack_->post("/v1/transactions", new_transaction(json::array({every_format()[4]}), "X1234567L"), app_key_);
  ASSERT_EQ(r.status, 201);
  auto auth = stack_->post("/v1/transactions/" + r.body["id"].get<std::string>() + "/authenticate",
                           {{"nif", "X1234567L"}, {"password", kPassword}});
  EXPECT_EQ(auth.status, 403) << auth.raw;
  EXPECT_EQ(auth.body["code"], "registration_level");
}

TEST_P(SigningFlow, BadInputIsRefusedAndStoresNothing) {
  struct Case {
    const char* what;
    json documents;
    std::string return_url;
    int status;
    std::string code;
  };
  const std::string ok_url = "https://sede.example.gob.es/vuelta";
  std::vector<Case> cases = {
      {"bad base64", json::array({{{"name", "a"}, {"format", "cades"}, {"content", "no*base64"}}}), ok_url, 400,
       "invalid_request"},
      {"not a PDF", json::array({{{"name", "a.pdf"}, {"format", "pades"}, {"content", b64("hola")}}}), ok_url, 400,
       "invalid_request"},
      {"XML not well-formed", json::array({{{"name", "a.xml"}, {"format", "xades"}, {"content", b64("<a><b></a>")}}}),
       ok_url, 400, "invalid_request"},
      {"external entity",
       json::array({{{"name", "a.xml"},
                     {"format", "xades"},
                     {"content", b64("<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                                     "<a>&x;</a>")}}}),
       ok_url, 400, "invalid_request"},
      {"unknown format", json::array({{{"name", "a"}, {"format", "docx"}, {"content", b64("x")}}}), ok_url, 400,
       "invalid_request"},
      {"digest of the wrong length",
       json::array(
           {{{"name", "h"}, {"format", "raw"}, {"digest", {{"algorithm", "sha256"}, {"value", b64("short")}}}}}),
       ok_url, 400, "invalid_request"},
      {"no documents", json::array(), ok_url, 400, "invalid_request"},
      {"too many documents", json(std::vector<json>(11, every_format()[4])), ok_url, 400, "invalid_request"},
      {"return URL outside the prefixes", json::array({every_format()[4]}), "https://sede.example.gob.es.evil.com/x",
       400, "invalid_request"},
      // Numbers a PDF may not hold, and what qpdf cannot read: refused before anything is signed.
      {"PDF with /Size 2147483647",
       json::array({{{"name", "a.pdf"}, {"format", "pades"}, {"content", b64(minimal_pdf("2147483647"))}}}), ok_url,
       400, "invalid_request"},
      {"PDF whose page tree loops",
       json::array({{{"name", "a.pdf"}, {"format", "pades"}, {"content", b64(minimal_pdf("4", "[2 0 R]"))}}}), ok_url,
       400, "invalid_request"},
      // libxml2's duplicate-attribute check is quadratic: this one took 500 s before the byte scan refused it.
      {"XML element with 200,000 attributes",
       json::array({{{"name", "a.xml"}, {"format", "xades"}, {"content", b64(many_attributes(200000))}}}), ok_url, 413,
       "payload_too_large"},
      // The citizen has no certificate yet: theirs will be made with the configured algorithm, ec-p256.
      {"PSS for a citizen whose key is EC",
       json::array({{{"name", "h"},
                     {"format", "raw"},
                     {"digest", {{"algorithm", "sha256"}, {"value", to_base64(sha256(kBinary))}}},
                     {"options", {{"padding", "pss"}}}}}),
       ok_url, 400, "invalid_request"},
  };
  for (const auto& c : cases) {
    auto r = stack_->post("/v1/transactions", {{"nif", kNif}, {"return_url", c.return_url}, {"documents", c.documents}},
                          app_key_);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.raw;
    EXPECT_EQ(r.body.value("code", ""), c.code) << c.what;
  }
  auto oversize = stack_->post(
      "/v1/transactions",
      new_transaction(json::array({{{"name", "big"}, {"format", "cades"}, {"content", std::string(12u << 20, 'A')}}})),
      app_key_);
  EXPECT_EQ(oversize.status, 413) << oversize.raw.substr(0, 200);
  EXPECT_EQ(transactions_stored(), 0);
}

// Citizens with RSA keys: the application chooses PKCS#1 v1.5 or PSS for raw digests, and the answer names it.
TEST(SigningFlowRsa, RawDigestsArePaddedAsTheApplicationAsks) {
  SigningStack stack("", [](app::Settings& config) { config.pki.certificate_algorithm = "rsa-2048"; });
  const std::string key = stack.register_application("Sede RSA");
  stack.make_citizen(kNif, kMobile, kPassword);
  const std::string digest256 = to_string(sha256(kBinary));
  const std::string digest384 = to_string(sha384(as_bytes(kBinary)));
  auto raw = [](const std::string& algorithm, const std::string& digest, const json& options) {
    json d = {{"name", "hash-" + algorithm},
              {"format", "raw"},
              {"digest", {{"algorithm", algorithm}, {"value", b64(digest)}}}};
    if (!options.is_null()) d["options"] = options;
    return d;
  };
  for (const auto& bad : {json{{"padding", "oaep"}}, json{{"padding", 1}}}) {
    auto refused = stack.post("/v1/transactions", new_transaction(json::array({raw("sha256", digest256, bad)})), key);
    EXPECT_EQ(refused.status, 400) << refused.raw;
    EXPECT_EQ(refused.body["code"], "invalid_request");
  }
  auto cades_pss = stack.post(
      "/v1/transactions",
      new_transaction(json::array(
          {{{"name", "a.bin"}, {"format", "cades"}, {"content", b64(kBinary)}, {"options", {{"padding", "pss"}}}}})),
      key);
  EXPECT_EQ(cades_pss.status, 400) << cades_pss.raw;

  auto created = stack.post(
      "/v1/transactions",
      new_transaction(json::array({raw("sha256", digest256, {{"padding", "pss"}}), raw("sha384", digest384, json())})),
      key);
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string id = created.body["id"];
  ASSERT_EQ(stack.post("/v1/transactions/" + id + "/authenticate", {{"nif", kNif}, {"password", kPassword}}).status,
            202);
  auto confirmed = stack.post("/v1/transactions/" + id + "/confirm", {{"otp", stack.last_otp(kMobile)}});
  ASSERT_EQ(confirmed.status, 200) << confirmed.raw;
  auto fetched = stack.get("/v1/transactions/" + id, key);
  ASSERT_EQ(fetched.status, 200) << fetched.raw;
  const auto& docs = fetched.body["documents"];
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0]["algorithm"], "RSASSA-PSS-SHA256");
  EXPECT_EQ(docs[1]["algorithm"], "sha384WithRSAEncryption");

  const auto& dir = stack.dir().path();
  const auto cert = write(dir / "citizen.pem", fetched.body["certificate"].get<std::string>());
  const auto pub = dir / "pub.pem";
  ASSERT_EQ(run_command("openssl x509 -in " + cert.string() + " -pubkey -noout > " + pub.string()).status, 0);
  const auto pss_sig = write(dir / "pss.sig", decoded(docs[0]["signature"]));
  const auto v15_sig = write(dir / "v15.sig", decoded(docs[1]["signature"]));
  const auto d256 = write(dir / "d256.bin", digest256);
  const auto d384 = write(dir / "d384.bin", digest384);
  auto verify = [&](const std::filesystem::path& digest, const std::filesystem::path& sig, const std::string& opts) {
    return run_command("openssl pkeyutl -verify -pubin -inkey " + pub.string() + " -in " + digest.string() +
                       " -sigfile " + sig.string() + " " + opts)
               .output.find("Signature Verified Successfully") != std::string::npos;
  };
  const std::string pss = "-pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:digest -pkeyopt digest:sha256";
  EXPECT_TRUE(verify(d256, pss_sig, pss));
  EXPECT_FALSE(verify(d256, pss_sig, "-pkeyopt digest:sha256")) << "a PSS signature is not PKCS#1 v1.5";
  EXPECT_TRUE(verify(d384, v15_sig, "-pkeyopt digest:sha384"));
  EXPECT_FALSE(verify(d384, v15_sig, "-pkeyopt rsa_padding_mode:pss -pkeyopt digest:sha384"));
}

// PSS is refused at creation by the key the citizen actually has, whatever the configured algorithm: nothing is
// created, nothing is signed (an EC key would have signed without PSS).
TEST(SigningFlowRsa, PssIsRefusedForACitizenWhoseKeyIsEc) {
  SigningStack stack("", [](app::Settings& config) { config.pki.certificate_algorithm = "rsa-2048"; });
  const std::string key = stack.register_application("Sede RSA");
  stack.make_citizen(kNif, kMobile, kPassword);
  auto citizen = stack.services().citizens().find_by_nif(*policies::Nif::parse(kNif));
  ASSERT_TRUE(citizen.ok()) << citizen.error().message;
  const auto& c = *citizen;
  auto issued = stack.services().credentials().issue(
      {c.nif.str(), c.given_name, c.surname1, c.surname2, c.status, c.registration_level}, hsm::KeyAlgorithm::ec_p256,
      "operator:test");
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  const json pss = {{"name", "h"},
                    {"format", "raw"},
                    {"digest", {{"algorithm", "sha256"}, {"value", to_base64(sha256(kBinary))}}},
                    {"options", {{"padding", "pss"}}}};
  auto refused = stack.post("/v1/transactions", new_transaction(json::array({pss})), key);
  EXPECT_EQ(refused.status, 400) << refused.raw;
  EXPECT_EQ(refused.body.value("code", ""), "invalid_request");
  EXPECT_NE(refused.body.value("detail", "").find("ec-p256"), std::string::npos) << refused.raw;
}

INSTANTIATE_TEST_SUITE_P(Backends, SigningFlow, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace firma::testing
