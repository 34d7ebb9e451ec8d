// The FIRe-compatible front over TLS with client certificates, driven by a FIRe protocol client of our own (not
// FIRe's code) as FIRe's Java client speaks it: form bodies, unencoded URL-safe base64, Properties texts written as
// Properties.store writes them. Single and batch signatures checked with openssl cms, pdfsig and xmlsec1;
// rejection, expiry and FIRe's errors.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

#include "core/encoding.h"
#include "sample_documents.h"
#include "signing_stack.h"
#include "store/database.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace firma::testing {
namespace {

using nlohmann::json;

const std::string kNif = "12345678Z";
const std::string kMobile = "+34600111222";
const std::string kPassword = "Firma-Segura-2026";
const std::string kOk = "https://sede.example.gob.es/fire/ok?expediente=42";
const std::string kError = "https://sede.example.gob.es/fire/error?expediente=42";

const std::string kXml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<solicitud id=\"s1\">Concedida</solicitud>\n";
const std::string kText = "Resolución 2026/42\n";

// Base64 as FIRe's Java client writes it: the URL-safe alphabet, with padding.
std::string fire_base64(std::string_view bytes) {
  std::string out = to_base64(as_bytes(bytes));
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

// A Properties text as java.util.Properties.store writes it: a date comment, ':' and '=' escaped.
std::string properties(const std::map<std::string, std::string>& entries) {
  std::string text = "#Mon Dec 07 21:00:00 CET 2026\n";
  for (const auto& [key, value] : entries) {
    std::string escaped;
    for (char c : value) {
      if (c == ':' || c == '=') escaped += '\\';
      escaped += c;
    }
    text += key + "=" + escaped + "\n";
  }
  return text;
}

struct FireReply {
  int status = 0;
  std::string content_type;
  std::string body;
  json parsed() const { return json::parse(body, nullptr, false); }
};

struct Certificate {
  std::string cert, key, pem;
};

Certificate make_certificate(const TempDir& dir, const std::string& name) {
  Certificate c{(dir.path() / (name + ".pem")).string(), (dir.path() / (name + ".key")).string(), ""};
  auto made =
      run_command("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=" + name +
                  " -keyout " + c.key + " -out " + c.cert + " 2>&1");
  if (made.status != 0) throw std::runtime_error(made.output);
  c.pem = read_file(c.cert);
  return c;
}

std::filesystem::path write(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

class FireFront : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = make_certificate(certs_, "127.0.0.1");
    app_certificate_ = make_certificate(certs_, "sede");
    stranger_ = make_certificate(certs_, "stranger");
    stack_ = std::make_unique<SigningStack>("", [this](app::Settings& s) {
      s.server.tls_cert = server_.cert;
      s.server.tls_key = server_.key;
      s.server.public_url = "https://firma.test";
    });
    auto app = stack_->post("/v1/admin/apps",
                            {{"name", "Sede Electrónica de Ejemplo"},
                             {"return_url_prefixes", {"https://sede.example.gob.es/fire/"}},
                             {"allowed_formats", {"cades", "pades", "xades"}},
                             {"client_certificates", {app_certificate_.pem}}},
                            stack_->admin_token());
    ASSERT_EQ(app.status, 201) << app.raw;
    app_id_ = app.body["app_id"];
    ASSERT_EQ(app.body["client_certificates"].size(), 1u);
    stack_->make_citizen(kNif, kMobile, kPassword);
  }

  // One FIRe call: a form body of unencoded values, over TLS with `certificate` (none: anonymous).
  FireReply call(const std::map<std::string, std::string>& parameters, const Certificate* certificate) {
    std::string body;
    for (const auto& [name, value] : parameters) body += (body.empty() ? "" : "&") + name + "=" + value;
    return post_body(body, certificate);
  }
  FireReply post_body(const std::string& body, const Certificate* certificate) {
    std::unique_ptr<httplib::SSLClient> client =
        certificate
            ? std::make_unique<httplib::SSLClient>("127.0.0.1", stack_->port(), certificate->cert, certificate->key)
            : std::make_unique<httplib::SSLClient>("127.0.0.1", stack_->port());
    client->enable_server_certificate_verification(false);
    client->set_tcp_nodelay(true);
    client->set_read_timeout(60);
    // FIRe's Java client offers TLS 1.2 only.
    SSL_CTX_set_max_proto_version(client->ssl_context(), TLS1_2_VERSION);
    auto r = client->Post("/fire-signature/fireService", body, "application/x-www-form-urlencoded");
    if (!r) return {};
    return {r->status, r->get_header_value("Content-Type"), r->body};
  }
  FireReply fire(std::map<std::string, std::string> parameters) {
    parameters.emplace("appid", app_id_);
    parameters.emplace("subjectid", kNif);
    parameters.emplace("language", "$$LANGUAGE$$");
    return call(parameters, &app_certificate_);
  }

  std::string config() {
    return fire_base64(properties(
        {{"redirectOkUrl", kOk}, {"redirectErrorUrl", kError}, {"appName", "Ayuda 2026"}, {"docName", "solicitud"}}));
  }

  FireReply sign(const std::string& format, const std::string& document, const std::string& extra = "") {
    return fire({{"op", "1"},
                 {"cop", "sign"},
                 {"algorithm", "SHA256withECDSA"},
                 {"format", format},
                 {"properties", fire_base64(extra)},
                 {"dat", fire_base64(document)},
                 {"config", config()}});
  }

  // The citizen on the confirmation page: password, then the SMS code; answers where the browser goes.
  std::string confirm(const std::string& id) {
    auto started = stack_->post("/v1/transactions/" + id + "/authenticate", {{"nif", kNif}, {"password", kPassword}});
    EXPECT_EQ(started.status, 202) << started.raw;
    auto done = stack_->post("/v1/transactions/" + id + "/confirm", {{"otp", stack_->last_otp(kMobile)}});
    EXPECT_EQ(done.status, 200) << done.raw;
    return done.body.value("return_url", "");
  }

  static void expect_error(const FireReply& r, int status, int code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    auto body = r.parsed();
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body["c"], code) << r.body;
    EXPECT_TRUE(body["m"].is_string() && !body["m"].get<std::string>().empty()) << r.body;
  }

  std::string verify_cms(const std::string& signature, const std::string* content) {
    const auto& dir = stack_->dir().path();
    const auto p7s = write(dir / "fire.p7s", signature);
    std::string command = "openssl cms -verify -binary -inform DER -in " + p7s.string();
    if (content) command += " -content " + write(dir / "fire.txt", *content).string();
    return run_command(command + " -CAfile " + stack_->ca_pem_path() + " -purpose any -cades -out /dev/null 2>&1")
        .output;
  }

  TempDir certs_;
  Certificate server_, app_certificate_, stranger_;
  std::unique_ptr<SigningStack> stack_;
  std::string app_id_;
};

TEST_F(FireFront, SignsOneDocumentAndHandsItOverOnce) {
  auto started = sign("CAdES", kText, "mode=implicit\n");
  ASSERT_EQ(started.status, 200) << started.body;
  const auto created = started.parsed();
  const std::string id = created["transactionid"];
  EXPECT_EQ(created["redirecturl"], "https://firma.test/sign/" + id) << "the confirmation page";

  // The page names the application by its registered name; the config's words are its description only.
  auto summary = stack_->get("/v1/transactions/" + id + "/summary");
  ASSERT_EQ(summary.status, 200) << summary.raw;
  EXPECT_EQ(summary.body["app_name"], "Sede Electrónica de Ejemplo");
  auto page = stack_->get("/sign/" + id);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.raw.find("<dd id=\"app-name\">Sede Electrónica de Ejemplo</dd>"), std::string::npos) << page.raw;
  EXPECT_NE(page.raw.find("<dd id=\"app-description\">Ayuda 2026</dd>"), std::string::npos) << page.raw;

  // Before the citizen confirms, there is nothing to recover.
  expect_error(fire({{"op", "2"}, {"transactionid", id}}), 403, 503);

  EXPECT_EQ(confirm(id), kOk) << "the browser goes to redirectOkUrl exactly as given";

  auto recovered = fire({{"op", "2"}, {"transactionid", id}});
  ASSERT_EQ(recovered.status, 200) << recovered.body;
  ASSERT_EQ(recovered.body.rfind("{\"result\":", 0), 0u) << recovered.body;
  const auto result = recovered.parsed()["result"];
  EXPECT_EQ(result["state"], 0);
  EXPECT_EQ(result["prov"], "clavefirma");
  EXPECT_FALSE(result["cert"].get<std::string>().empty());

  auto signature = fire({{"op", "11"}, {"transactionid", id}});
  ASSERT_EQ(signature.status, 200);
  EXPECT_NE(verify_cms(signature.body, nullptr).find("CAdES Verification successful"), std::string::npos)
      << "attached (mode=implicit): the content travels inside";

  // Handed over once; another application's certificate or another citizen sees no transaction.
  expect_error(fire({{"op", "11"}, {"transactionid", id}}), 403, 503);
  EXPECT_EQ(fire({{"op", "99"}, {"transactionid", id}}).body, R"({"result":{"prov":"clavefirma","state":0}})");
  auto other_citizen =
      call({{"op", "2"}, {"appid", app_id_}, {"subjectid", "00000000T"}, {"transactionid", id}}, &app_certificate_);
  expect_error(other_citizen, 403, 503);
}

TEST_F(FireFront, SignsABatchDocumentByDocument) {
  auto created =
      fire({{"op", "5"}, {"cop", "sign"}, {"algorithm", "SHA256withECDSA"}, {"format", "XAdES"}, {"config", config()}});
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string id = created.parsed()["transactionid"];

  expect_error(fire({{"op", "7"}, {"transactionid", id}, {"stoponerror", "false"}}), 400, 44);
  expect_error(fire({{"op", "8"}, {"transactionid", id}}), 500, 49);

  auto add = [&](const std::string& docid, const std::string& document, const std::string& format,
                 const std::string& extra) {
    std::map<std::string, std::string> p = {
        {"op", "6"}, {"transactionid", id}, {"docid", docid}, {"dat", fire_base64(document)}, {"config", ""}};
    if (!format.empty()) p["format"] = format;
    if (!extra.empty()) p["properties"] = fire_base64(extra);
    return fire(p);
  };
  auto first = add("solicitud.xml", kXml, "", "");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.body, "true");
  ASSERT_EQ(add("resolucion-1", minimal_pdf(), "PAdES", "").body, "true");
  ASSERT_EQ(add("anexo_2", kText, "CAdES", "mode=explicit\n").body, "true");
  expect_error(add("anexo_2", kText, "CAdES", ""), 400, 42);
  expect_error(add("no/slashes", kText, "", ""), 400, 56);
  expect_error(add(std::string(41, 'a'), kText, "", ""), 400, 56);

  // No in-memory state: the draft is in the database; the citizen cannot open it before op 7.
  EXPECT_EQ(stack_->get("/v1/transactions/" + id + "/summary").status, 404);
  auto sent = fire({{"op", "7"}, {"transactionid", id}, {"stoponerror", "false"}});
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(sent.parsed()["redirecturl"], "https://firma.test/sign/" + id);
  expect_error(add("tarde", kText, "", ""), 500, 51);
  expect_error(fire({{"op", "7"}, {"transactionid", id}, {"stoponerror", "false"}}), 500, 51);
  EXPECT_EQ(fire({{"op", "9"}, {"transactionid", id}}).body, "0");

  EXPECT_EQ(confirm(id), kOk);
  EXPECT_EQ(fire({{"op", "9"}, {"transactionid", id}}).body, "1");

  auto batch = fire({{"op", "8"}, {"transactionid", id}});
  ASSERT_EQ(batch.status, 200) << batch.body;
  const auto outcome = batch.parsed();
  EXPECT_EQ(outcome["prov"], "clavefirma");
  EXPECT_FALSE(outcome["cert"].get<std::string>().empty());
  ASSERT_EQ(outcome["batch"].size(), 3u);
  for (const auto& entry : outcome["batch"]) EXPECT_EQ(entry["ok"], true) << entry;

  const auto& dir = stack_->dir().path();
  const std::string ca = stack_->ca_pem_path();
  auto xml = fire({{"op", "10"}, {"transactionid", id}, {"docid", "solicitud.xml"}});
  ASSERT_EQ(xml.status, 200) << xml.body;
  const std::string chain = read_file(ca);
  const auto split = chain.find("-----BEGIN CERTIFICATE-----", 1);
  const auto issuing = write(dir / "issuing.pem", chain.substr(0, split));
  const auto root = write(dir / "root.pem", chain.substr(split));
  auto xmlsec = run_command("xmlsec1 --verify --trusted-pem " + root.string() + " --untrusted-pem " + issuing.string() +
                            " " + write(dir / "signed.xml", xml.body).string() + " 2>&1");
  EXPECT_EQ(xmlsec.status, 0) << xmlsec.output;

  auto pdf = fire({{"op", "10"}, {"transactionid", id}, {"docid", "resolucion-1"}});
  ASSERT_EQ(pdf.status, 200) << pdf.body;
  const auto nss = dir / "nss";
  std::filesystem::create_directories(nss);
  ASSERT_EQ(run_command("certutil -N -d sql:" + nss.string() + " --empty-password").status, 0);
  ASSERT_EQ(run_command("certutil -A -d sql:" + nss.string() + " -n ca -t CT,C,C -i " + ca).status, 0);
  auto pdfsig = run_command("pdfsig -nssdir sql:" + nss.string() + " " + write(dir / "signed.pdf", pdf.body).string());
  EXPECT_NE(pdfsig.output.find("Signature is Valid."), std::string::npos) << pdfsig.output;

  auto cades = fire({{"op", "10"}, {"transactionid", id}, {"docid", "anexo_2"}});
  ASSERT_EQ(cades.status, 200) << cades.body;
  EXPECT_NE(verify_cms(cades.body, &kText).find("CAdES Verification successful"), std::string::npos);

  expect_error(fire({{"op", "10"}, {"transactionid", id}, {"docid", "anexo_2"}}), 500, 54);
  expect_error(fire({{"op", "10"}, {"transactionid", id}, {"docid", "otro"}}), 500, 53);
}

// stoponerror=false: a document that cannot be signed fails alone; true: it fails the batch. The PDF is spoilt in
// the database after it was added (as if the document store had lost it), so that it fails at preparation.
TEST_F(FireFront, StopOnErrorDecidesWhetherOneDocumentFailsTheRest) {
  for (const bool stop_on_error : {false, true}) {
    auto created = fire(
        {{"op", "5"}, {"cop", "sign"}, {"algorithm", "SHA256withECDSA"}, {"format", "XAdES"}, {"config", config()}});
    ASSERT_EQ(created.status, 200) << created.body;
    const std::string id = created.parsed()["transactionid"];
    ASSERT_EQ(fire({{"op", "6"}, {"transactionid", id}, {"docid", "bueno"}, {"dat", fire_base64(kXml)}}).body, "true");
    ASSERT_EQ(fire({{"op", "6"},
                    {"transactionid", id},
                    {"docid", "roto"},
                    {"format", "PAdES"},
                    {"dat", fire_base64(minimal_pdf())}})
                  .body,
              "true");
    auto spoilt = stack_->services().database().transact([&](store::Tx& tx) -> Status {
      auto done =
          tx.execute("UPDATE transaction_documents SET content = $2 WHERE transaction_id = $1 AND name = 'roto'",
                     {id, Bytes{'%', 'P', 'D', 'F'}});
      if (!done) return std::move(done).error();
      return {};
    });
    ASSERT_TRUE(spoilt.ok());
    ASSERT_EQ(fire({{"op", "7"}, {"transactionid", id}, {"stoponerror", stop_on_error ? "true" : "false"}}).status,
              200);
    auto started = stack_->post("/v1/transactions/" + id + "/authenticate", {{"nif", kNif}, {"password", kPassword}});
    if (stop_on_error) {
      EXPECT_EQ(started.status, 400) << started.raw;
      expect_error(fire({{"op", "8"}, {"transactionid", id}}), 500, 49);
      continue;
    }
    ASSERT_EQ(started.status, 202) << started.raw;
    auto done = stack_->post("/v1/transactions/" + id + "/confirm", {{"otp", stack_->last_otp(kMobile)}});
    ASSERT_EQ(done.status, 200) << done.raw;
    auto batch = fire({{"op", "8"}, {"transactionid", id}});
    ASSERT_EQ(batch.status, 200) << batch.body;
    std::map<std::string, json> entries;
    const json outcome = batch.parsed();
    for (const auto& entry : outcome["batch"]) entries[entry["id"]] = entry;
    EXPECT_EQ(entries["bueno"]["ok"], true);
    EXPECT_EQ(entries["roto"]["ok"], false);
    EXPECT_FALSE(entries["roto"]["dt"].get<std::string>().empty()) << "the Java client needs dt for ok:false";
    EXPECT_EQ(fire({{"op", "10"}, {"transactionid", id}, {"docid", "bueno"}}).status, 200);
    expect_error(fire({{"op", "10"}, {"transactionid", id}, {"docid", "roto"}}), 500, 53);
  }
}

TEST_F(FireFront, RejectionAndExpiryEndAtTheErrorUrl) {
  auto started = sign("XAdES", kXml);
  ASSERT_EQ(started.status, 200) << started.body;
  const std::string rejected = started.parsed()["transactionid"];
  auto reject = stack_->post("/v1/transactions/" + rejected + "/reject", json::object());
  ASSERT_EQ(reject.status, 200) << reject.raw;
  EXPECT_EQ(reject.body["return_url"], kError) << "redirectErrorUrl exactly as given";
  expect_error(fire({{"op", "2"}, {"transactionid", rejected}}), 400, 507);
  auto why = fire({{"op", "99"}, {"transactionid", rejected}});
  ASSERT_EQ(why.status, 200);
  ASSERT_EQ(why.body.rfind("{\"result\":", 0), 0u) << why.body;
  EXPECT_EQ(why.parsed()["result"]["ercod"], 507);
  EXPECT_EQ(why.parsed()["result"]["state"], -1);

  auto later = sign("PAdES", minimal_pdf());
  ASSERT_EQ(later.status, 200) << later.body;
  const std::string expired = later.parsed()["transactionid"];
  stack_->clock().advance(std::chrono::seconds(601));
  expect_error(fire({{"op", "2"}, {"transactionid", expired}}), 403, 503);
  EXPECT_EQ(fire({{"op", "99"}, {"transactionid", expired}}).parsed()["result"]["ercod"], 503);
  auto unknown = fire({{"op", "99"}, {"transactionid", "00112233445566778899aabbccddeeff"}});
  EXPECT_EQ(unknown.status, 200) << "op 99 answers even for an unknown transaction";
}

TEST_F(FireFront, AnswersEveryMistakeWithFireErrors) {
  // The application: no certificate, a certificate it did not register, an unknown application.
  expect_error(call({{"op", "1"}, {"appid", app_id_}}, nullptr), 400, 6);
  expect_error(call({{"op", "1"}, {"appid", app_id_}}, &stranger_), 401, 502);
  expect_error(call({{"op", "1"}, {"appid", "app-unknown"}}, &app_certificate_), 401, 502);
  expect_error(call({{"op", "1"}}, &app_certificate_), 400, 2);

  // The operation.
  expect_error(fire({}), 400, 3);
  expect_error(fire({{"op", "4"}}), 400, 5);
  expect_error(fire({{"op", "70"}}), 400, 5);
  expect_error(call({{"op", "1"}, {"appid", app_id_}}, &app_certificate_), 400, 8);
  expect_error(fire({{"op", "1"}, {"algorithm", "SHA256withECDSA"}, {"format", "CAdES"}}), 400, 10);
  expect_error(fire({{"op", "2"}}), 400, 18);

  // What FIRe can do and Firma does not (yet).
  expect_error(fire({{"op", "1"}, {"cop", "cosign"}, {"algorithm", "SHA256withECDSA"}, {"format", "CAdES"}}), 400, 20);
  expect_error(fire({{"op", "1"}, {"cop", "countersign"}, {"algorithm", "SHA256withECDSA"}, {"format", "CAdES"}}), 400,
               20);
  expect_error(fire({{"op", "1"}, {"cop", "sign"}, {"algorithm", "SHA1withRSA"}, {"format", "CAdES"}}), 400, 20);
  expect_error(fire({{"op", "1"}, {"cop", "sign"}, {"algorithm", "SHA256withECDSA"}, {"format", "FacturaE"}}), 400, 11);
  expect_error(fire({{"op", "1"}, {"cop", "sign"}, {"algorithm", "SHA256withECDSA"}, {"format", "CAdES-ASiC-S"}}), 400,
               11);
  // The citizen's key is EC P-256 (the default): an RSA algorithm contradicts it.
  auto rsa = fire({{"op", "1"},
                   {"cop", "sign"},
                   {"algorithm", "SHA256withRSA"},
                   {"format", "CAdES"},
                   {"dat", fire_base64(kText)},
                   {"config", config()}});
  expect_error(rsa, 400, 20);

  // The parameters' contents.
  auto base = [&](const std::string& config_text) {
    return fire({{"op", "1"},
                 {"cop", "sign"},
                 {"algorithm", "SHA256withECDSA"},
                 {"format", "CAdES"},
                 {"dat", fire_base64(kText)},
                 {"config", config_text}});
  };
  expect_error(base(fire_base64("redirectOkUrl=https\\://sede.example.gob.es/fire/ok\\u12\n")), 400, 16);
  expect_error(base("***"), 400, 16);
  expect_error(base(fire_base64("appName=x\n")), 400, 17);
  expect_error(base(fire_base64("redirectOkUrl=https\\://evil.example/fire/ok\n")), 400, 16);
  expect_error(base(""), 400, 15);
  expect_error(
      fire({{"op", "1"}, {"cop", "sign"}, {"algorithm", "SHA256withECDSA"}, {"format", "CAdES"}, {"config", config()}}),
      400, 12);

  // An upgrade Firma does not make.
  auto started = sign("CAdES", kText);
  ASSERT_EQ(started.status, 200) << started.body;
  const std::string id = started.parsed()["transactionid"];
  ASSERT_EQ(confirm(id), kOk);
  expect_error(fire({{"op", "2"}, {"transactionid", id}, {"upgrade", "T-LEVEL"}}), 500, 32);
  // ... refused without spending the result: op 2 and op 11 still work.
  EXPECT_EQ(fire({{"op", "2"}, {"transactionid", id}}).status, 200);
  EXPECT_EQ(fire({{"op", "11"}, {"transactionid", id}}).status, 200);

  // A request past 12 MiB: FIRe's error before the body is read, never a crash.
  const std::string huge = "appid=" + app_id_ + "&op=1&dat=" + std::string(13u << 20, 'A');
  auto too_big = post_body(huge, &app_certificate_);
  expect_error(too_big, 400, 1);  // FIRe's status for its error 1
}

}  // namespace
}  // namespace firma::testing
