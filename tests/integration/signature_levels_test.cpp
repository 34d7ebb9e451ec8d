// Signature levels over HTTP: documents asking for level T come back with a signature time stamp from Firma's TSA,
// which `openssl ts -verify` accepts against what it covers (EN 319 122-1 / 142-1 / 132-1), while openssl cms,
// pdfsig and xmlsec1 still accept the signatures; level LT carries the validation data where each format wants it
// (the CMS, xades:CertificateValues and RevocationValues, a PDF's DSS); bad levels are the client's 400; a TSA that
// is down fails the transaction once, with nothing signed twice.
// qpdf 11: use std::shared_ptr, not its deprecated PointerHolder (qpdf/PointerHolder.hh).
#define POINTERHOLDER_TRANSITION 4
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/cms.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include <qpdf/QPDF.hh>
#include <thread>

#include "core/encoding.h"
#include "sample_documents.h"
#include "signing_stack.h"
#include "support/process.h"

namespace firma::testing {
namespace {

using nlohmann::json;

const std::string kNif = "12345678Z";
const std::string kMobile = "+34600111222";
const std::string kPassword = "Firma-Segura-2026";
const std::string kXml = "<?xml version=\"1.0\"?>\n<resolucion numero=\"2026/42\">Concedida</resolucion>\n";
const std::string kText = "Resolución 2026/42\n";

std::string b64(std::string_view text) {
  return to_base64(as_bytes(text));
}

std::string decoded(const json& value) {
  return to_string(*from_base64(value.get<std::string>()));
}

std::filesystem::path write(const std::filesystem::path& path, std::string_view bytes) {
  write_file(path, std::string(bytes));
  return path;
}

// The SignerInfo's signature value and its signature-time-stamp token (RFC 3161 Appendix A), read with OpenSSL.
struct CmsStamp {
  Bytes signature_value;
  Bytes token;
};

std::optional<CmsStamp> stamp_in(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(
      d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())), CMS_ContentInfo_free);
  if (!cms) return std::nullopt;
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  if (signers == nullptr || sk_CMS_SignerInfo_num(signers) != 1) return std::nullopt;
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(signers, 0);
  const int at = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
  if (at < 0) return std::nullopt;
  ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(si, at), 0);
  if (value == nullptr || value->type != V_ASN1_SEQUENCE) return std::nullopt;
  CmsStamp out;
  const ASN1_STRING* token = value->value.sequence;
  out.token.assign(ASN1_STRING_get0_data(token), ASN1_STRING_get0_data(token) + ASN1_STRING_length(token));
  const ASN1_OCTET_STRING* signature = CMS_SignerInfo_get0_signature(si);
  out.signature_value.assign(ASN1_STRING_get0_data(signature),
                             ASN1_STRING_get0_data(signature) + ASN1_STRING_length(signature));
  return out;
}

// The CMS in a signed PDF's last /Contents (PAdES: ISO 32000-1 12.8.1).
std::string cms_in_pdf(const std::string& pdf) {
  const auto at = pdf.rfind("/Contents <");
  if (at == std::string::npos) return {};
  const auto start = at + 11;
  const auto end = pdf.find('>', start);
  auto bytes = from_hex(pdf.substr(start, end - start));
  return bytes ? to_string(*bytes) : std::string();
}

// The subject of a DER certificate, or empty when it does not parse.
std::string subject_of(const Bytes& der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, decltype(&X509_free)> certificate(d2i_X509(nullptr, &p, static_cast<long>(der.size())),
                                                          X509_free);
  if (!certificate) return {};
  char name[256];
  X509_NAME_oneline(X509_get_subject_name(certificate.get()), name, sizeof name);
  return name;
}

// Whether `der` is one whole CertificateList (RFC 5280 5.1).
bool is_crl(const Bytes& der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())),
                                                          X509_CRL_free);
  return crl && p == der.data() + der.size();
}

// The single responses of a successful OCSPResponse (RFC 6960 4.2.1), or -1 when it is not one.
int ocsp_answers(const Bytes& der) {
  const unsigned char* p = der.data();
  std::unique_ptr<OCSP_RESPONSE, decltype(&OCSP_RESPONSE_free)> response(
      d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())), OCSP_RESPONSE_free);
  if (!response || OCSP_response_status(response.get()) != OCSP_RESPONSE_STATUS_SUCCESSFUL) return -1;
  std::unique_ptr<OCSP_BASICRESP, decltype(&OCSP_BASICRESP_free)> basic(OCSP_response_get1_basic(response.get()),
                                                                        OCSP_BASICRESP_free);
  return basic ? OCSP_resp_count(basic.get()) : -1;
}

// Revisions of a PDF: one %%EOF each (ISO 32000-1 7.5.6).
std::size_t revisions_of(const std::string& pdf) {
  std::size_t revisions = 0;
  for (auto at = pdf.find("%%EOF"); at != std::string::npos; at = pdf.find("%%EOF", at + 1)) ++revisions;
  return revisions;
}

class SignatureLevels : public ::testing::Test {
 protected:
  void SetUp() override { start(); }

  void start(const std::function<void(app::Settings&)>& configure = {}) {
    stack_ = std::make_unique<SigningStack>("", configure);
    app_key_ = stack_->register_application("Sede de ejemplo");
    stack_->make_citizen(kNif, kMobile, kPassword);
  }

  Reply create(const json& documents) {
    return stack_->post("/v1/transactions",
                        {{"nif", kNif}, {"return_url", "https://sede.example.gob.es/vuelta"}, {"documents", documents}},
                        app_key_);
  }

  // Creates, authenticates and confirms; the confirmation's reply.
  Reply sign(const json& documents, std::string* id_out = nullptr) {
    auto created = create(documents);
    EXPECT_EQ(created.status, 201) << created.raw;
    const std::string id = created.body.value("id", "");
    if (id_out) *id_out = id;
    auto started = stack_->post("/v1/transactions/" + id + "/authenticate", {{"nif", kNif}, {"password", kPassword}});
    EXPECT_EQ(started.status, 202) << started.raw;
    return stack_->post("/v1/transactions/" + id + "/confirm", {{"otp", stack_->last_otp(kMobile)}});
  }

  // Signs one document at `level` and returns what the transaction gives back for it (`field`: signature or
  // signed_document), decoded.
  std::string sign_one(const std::string& name, const std::string& format, const std::string& content,
                       const std::string& level, const std::string& field = "signed_document") {
    std::string id;
    auto confirmed = sign(
        json::array({{{"name", name}, {"format", format}, {"content", b64(content)}, {"options", {{"level", level}}}}}),
        &id);
    EXPECT_EQ(confirmed.status, 200) << confirmed.raw;
    auto fetched = stack_->get("/v1/transactions/" + id, app_key_);
    EXPECT_EQ(fetched.status, 200) << fetched.raw;
    if (!fetched.body.contains("documents") || fetched.body["documents"].empty()) return {};
    return decoded(fetched.body["documents"][0][field]);
  }

  // pdfsig's report on a PDF, with Firma's CA chain trusted (an NSS database made once).
  std::string pdfsig(const std::filesystem::path& pdf) {
    const auto nss = stack_->dir().path() / "nss";
    if (!std::filesystem::exists(nss)) {
      std::filesystem::create_directories(nss);
      EXPECT_EQ(run_command("certutil -N -d sql:" + nss.string() + " --empty-password").status, 0);
      EXPECT_EQ(
          run_command("certutil -A -d sql:" + nss.string() + " -n ca -t CT,C,C -i " + stack_->ca_pem_path()).status, 0);
    }
    return run_command("pdfsig -nssdir sql:" + nss.string() + " " + pdf.string()).output;
  }

  // xmlsec1's verification of an enveloped signature, the root trusted and the issuing CA given.
  CommandResult xmlsec_verify(const std::filesystem::path& xml) {
    const auto& dir = stack_->dir().path();
    const std::string chain = read_file(stack_->ca_pem_path());
    const auto split = chain.find("-----BEGIN CERTIFICATE-----", 1);
    const auto issuing = write(dir / "issuing.pem", chain.substr(0, split));
    const auto root = write(dir / "root.pem", chain.substr(split));
    return run_command("xmlsec1 --verify --trusted-pem " + root.string() + " --untrusted-pem " + issuing.string() +
                       " " + xml.string());
  }

  // `openssl ts -verify` of a token against the SHA-256 digest it should cover.
  CommandResult verify_token(const Bytes& token, const Bytes& digest, const std::string& name) {
    const auto file = write(stack_->dir().path() / (name + ".tst"), to_string(token));
    return run_command("openssl ts -verify -digest " + to_hex(digest) + " -token_in -in " + file.string() +
                       " -CAfile " + stack_->ca_pem_path());
  }

  std::unique_ptr<SigningStack> stack_;
  std::string app_key_;
};

TEST_F(SignatureLevels, LevelTStampsEveryFormatAndTheOutsideVerifiersStillAccept) {
  std::string id;
  auto confirmed = sign(
      json::array({
          {{"name", "doc.txt"}, {"format", "cades"}, {"content", b64(kText)}, {"options", {{"level", "T"}}}},
          {{"name", "doc.pdf"}, {"format", "pades"}, {"content", b64(minimal_pdf())}, {"options", {{"level", "T"}}}},
          {{"name", "doc.xml"}, {"format", "xades"}, {"content", b64(kXml)}, {"options", {{"level", "T"}}}},
          {{"name", "plain.txt"}, {"format", "cades"}, {"content", b64(kText)}},
      }),
      &id);
  ASSERT_EQ(confirmed.status, 200) << confirmed.raw;
  auto fetched = stack_->get("/v1/transactions/" + id, app_key_);
  ASSERT_EQ(fetched.status, 200) << fetched.raw;
  const auto& docs = fetched.body["documents"];
  ASSERT_EQ(docs.size(), 4u) << fetched.raw;
  const auto& dir = stack_->dir().path();
  const std::string ca = stack_->ca_pem_path();

  // CAdES-T: openssl cms accepts it; its token covers the SignatureValue (EN 319 122-1 5.3); tampered, refused.
  const std::string cades = decoded(docs[0]["signature"]);
  const auto p7s = write(dir / "doc.p7s", cades);
  const auto content = write(dir / "doc.txt", kText);
  auto cms = run_command("openssl cms -verify -binary -inform DER -in " + p7s.string() + " -content " +
                         content.string() + " -CAfile " + ca + " -purpose any -cades -out /dev/null");
  EXPECT_NE(cms.output.find("CAdES Verification successful"), std::string::npos) << cms.output;
  auto stamp = stamp_in(cades);
  ASSERT_TRUE(stamp) << "no signature-time-stamp attribute";
  auto token_ok = verify_token(stamp->token, sha256(stamp->signature_value), "cades");
  EXPECT_NE(token_ok.output.find("Verification: OK"), std::string::npos) << token_ok.output;
  Bytes other = sha256(stamp->signature_value);
  other[5] ^= 0x20;
  EXPECT_EQ(verify_token(stamp->token, other, "cades-other").output.find("Verification: OK"), std::string::npos);
  Bytes tampered = stamp->token;
  tampered[tampered.size() / 2] ^= 0x01;
  EXPECT_EQ(verify_token(tampered, sha256(stamp->signature_value), "cades-tampered").output.find("Verification: OK"),
            std::string::npos);
  auto asn1 = run_command("openssl asn1parse -inform DER -in " + p7s.string());
  EXPECT_NE(asn1.output.find("id-smime-aa-timeStampToken"), std::string::npos) << asn1.output;

  // B stays B: no unsigned attribute.
  EXPECT_FALSE(stamp_in(decoded(docs[3]["signature"])));

  // PAdES-T: pdfsig still accepts the signature; the CMS in /Contents carries the token.
  const std::string pdf = decoded(docs[1]["signed_document"]);
  const auto pdf_file = write(dir / "doc.pdf", pdf);
  const std::string report = pdfsig(pdf_file);
  EXPECT_NE(report.find("Signature is Valid."), std::string::npos) << report;
  EXPECT_NE(report.find("Total document signed"), std::string::npos) << report;
  auto pdf_stamp = stamp_in(cms_in_pdf(pdf));
  ASSERT_TRUE(pdf_stamp) << "no signature time stamp in the PDF's CMS";
  auto pdf_token = verify_token(pdf_stamp->token, sha256(pdf_stamp->signature_value), "pades");
  EXPECT_NE(pdf_token.output.find("Verification: OK"), std::string::npos) << pdf_token.output;

  // XAdES-T: xmlsec1 still verifies; the EncapsulatedTimeStamp covers the exclusive canonical ds:SignatureValue
  // (EN 319 132-1 5.3), rebuilt here by hand: the ds namespace declared on it, then its Id.
  const std::string xml = decoded(docs[2]["signed_document"]);
  const auto xml_file = write(dir / "doc.xml", xml);
  auto xmlsec = xmlsec_verify(xml_file);
  EXPECT_EQ(xmlsec.status, 0) << xmlsec.output;
  const std::string value_open = "<ds:SignatureValue Id=\"";
  const auto value_at = xml.find(value_open);
  ASSERT_NE(value_at, std::string::npos) << xml;
  const auto id_end = xml.find("\">", value_at + value_open.size());
  const std::string value_id = xml.substr(value_at + value_open.size(), id_end - value_at - value_open.size());
  const std::string value = xml.substr(id_end + 2, xml.find("</ds:SignatureValue>", id_end) - id_end - 2);
  const auto stamp_at = xml.find("<xades:SignatureTimeStamp Id=");
  ASSERT_NE(stamp_at, std::string::npos) << xml;
  EXPECT_EQ(xml.find("<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
                     "<xades:EncapsulatedTimeStamp>",
                     stamp_at),
            xml.find("<ds:CanonicalizationMethod", stamp_at))
      << xml;
  const std::string encapsulated_open = "<xades:EncapsulatedTimeStamp>";
  const auto token_at = xml.find(encapsulated_open, stamp_at) + encapsulated_open.size();
  const std::string encapsulated = xml.substr(token_at, xml.find('<', token_at) - token_at);
  const std::string canonical = "<ds:SignatureValue xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"" + value_id +
                                "\">" + value + "</ds:SignatureValue>";
  auto xml_token = verify_token(from_base64(encapsulated).value_or(Bytes{}), sha256(canonical), "xades");
  EXPECT_NE(xml_token.output.find("Verification: OK"), std::string::npos) << xml_token.output;
}

TEST_F(SignatureLevels, CadesLtCarriesFirmasOwnValidationDataForAnOfflineValidator) {
  std::string id;
  auto confirmed =
      sign(json::array({
               {{"name", "lt.txt"}, {"format", "cades"}, {"content", b64(kText)}, {"options", {{"level", "LT"}}}},
               {{"name", "b.txt"}, {"format", "cades"}, {"content", b64(kText)}},
           }),
           &id);
  ASSERT_EQ(confirmed.status, 200) << confirmed.raw;
  auto fetched = stack_->get("/v1/transactions/" + id, app_key_);
  ASSERT_EQ(fetched.status, 200) << fetched.raw;
  const auto& dir = stack_->dir().path();
  const std::string ca = stack_->ca_pem_path();
  const auto content = write(dir / "lt.txt", kText);
  const std::string lt = decoded(fetched.body["documents"][0]["signature"]);
  const auto lt_file = write(dir / "lt.p7s", lt);
  const auto b_file = write(dir / "b.p7s", decoded(fetched.body["documents"][1]["signature"]));
  // With every CRL of the chain required (-crl_check_all) and nothing fetched: only what the CMS carries counts.
  const auto verify = [&](const std::filesystem::path& cms) {
    return run_command("openssl cms -verify -binary -inform DER -in " + cms.string() + " -content " + content.string() +
                       " -CAfile " + ca + " -purpose any -cades -crl_check_all -out /dev/null");
  };
  auto with_data = verify(lt_file);
  EXPECT_NE(with_data.output.find("CAdES Verification successful"), std::string::npos) << with_data.output;
  auto without = verify(b_file);
  EXPECT_EQ(without.output.find("Verification successful"), std::string::npos) << without.output;
  // The signature time stamp is there (LT includes T), the OCSP answer about the citizen's certificate as an
  // `other` revocation info (RFC 5940), and the TSA's certificate.
  auto stamp = stamp_in(lt);
  ASSERT_TRUE(stamp);
  EXPECT_NE(verify_token(stamp->token, sha256(stamp->signature_value), "lt").output.find("Verification: OK"),
            std::string::npos);
  const std::string asn1 = run_command("openssl asn1parse -inform DER -in " + lt_file.string()).output;
  EXPECT_NE(asn1.find("1.3.6.1.5.5.7.16.2"), std::string::npos) << asn1;
  EXPECT_NE(asn1.find("Basic OCSP Response"), std::string::npos) << asn1;
  const std::string print = run_command("openssl cms -cmsout -print -inform DER -in " + lt_file.string()).output;
  EXPECT_NE(print.find("Firma Citizens CA TSA"), std::string::npos) << print;
}

TEST_F(SignatureLevels, XadesLtCarriesCertificateAndRevocationValuesAfterTheTimeStamp) {
  const std::string xml = sign_one("lt.xml", "xades", kXml, "LT");
  ASSERT_FALSE(xml.empty());
  const auto& dir = stack_->dir().path();
  const auto xml_file = write(dir / "lt.xml", xml);

  // xmlsec1 still verifies: the unsigned properties are outside what the signature covers.
  auto xmlsec = xmlsec_verify(xml_file);
  EXPECT_EQ(xmlsec.status, 0) << xmlsec.output;

  // The structure, read with libxml2's XPath (xmllint): EN 319 132-1 5.5.1 and 5.5.2, in the 1.3.2 namespace,
  // CertificateValues right after the SignatureTimeStamp and RevocationValues right after it.
  const auto xpath = [&](const std::string& expression) {
    std::string out =
        run_command("{ xmllint --xpath \"" + expression + "\" " + xml_file.string() + " 2>/dev/null; }").output;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  };
  const std::string usp =
      "//*[local-name()='UnsignedSignatureProperties' and "
      "namespace-uri()='http://uri.etsi.org/01903/v1.3.2#']";
  EXPECT_EQ(xpath("count(" + usp + "/*)"), "3");
  EXPECT_EQ(xpath("local-name(" + usp + "/*[1])"), "SignatureTimeStamp");
  EXPECT_EQ(xpath("local-name(" + usp + "/*[2])"), "CertificateValues");
  EXPECT_EQ(xpath("local-name(" + usp + "/*[3])"), "RevocationValues");
  const std::string certificates =
      usp + "/*[local-name()='CertificateValues']/*[local-name()='EncapsulatedX509Certificate']";
  const std::string crls =
      usp + "/*[local-name()='RevocationValues']/*[local-name()='CRLValues']/*[local-name()='EncapsulatedCRLValue']";
  const std::string ocsps =
      usp + "/*[local-name()='RevocationValues']/*[local-name()='OCSPValues']/*[local-name()='EncapsulatedOCSPValue']";
  // The issuing CA, the root and the TSA; the issuing CA's CRL and the root's; the OCSP answer about the citizen.
  EXPECT_EQ(xpath("count(" + certificates + ")"), "3");
  EXPECT_EQ(xpath("count(" + crls + ")"), "2");
  EXPECT_EQ(xpath("count(" + ocsps + ")"), "1");

  // What they hold parses with OpenSSL as what it claims to be.
  const auto value = [&](const std::string& nodes, int i) {
    return from_base64(xpath("string((" + nodes + ")[" + std::to_string(i) + "])")).value_or(Bytes{});
  };
  for (int i = 1; i <= 3; ++i) EXPECT_FALSE(subject_of(value(certificates, i)).empty()) << "certificate " << i;
  EXPECT_NE(subject_of(value(certificates, 3)).find("Firma Citizens CA TSA"), std::string::npos);
  for (int i = 1; i <= 2; ++i) EXPECT_TRUE(is_crl(value(crls, i))) << "CRL " << i;
  EXPECT_EQ(ocsp_answers(value(ocsps, 1)), 1);
}

// The DER in each stream of an array of the PDF's Document Security Store (ISO 32000-2 12.8.4.3), read with qpdf.
std::vector<Bytes> dss_values(QPDF& pdf, const char* key) {
  std::vector<Bytes> out;
  QPDFObjectHandle array = pdf.getRoot().getKey("/DSS").getKey(key);
  if (!array.isArray()) return out;
  for (int i = 0; i < array.getArrayNItems(); ++i) {
    QPDFObjectHandle stream = array.getArrayItem(i);
    if (!stream.isStream()) continue;
    auto data = stream.getStreamData(qpdf_dl_all);
    out.emplace_back(data->getBuffer(), data->getBuffer() + data->getSize());
  }
  return out;
}

TEST_F(SignatureLevels, PadesLtAppendsADssAfterTheSignedRevision) {
  const std::string pdf = sign_one("lt.pdf", "pades", minimal_pdf(), "LT");
  ASSERT_FALSE(pdf.empty());
  const auto pdf_file = write(stack_->dir().path() / "lt.pdf", pdf);

  // The signature still verifies, over the signed revision only: the DSS update follows it.
  const std::string report = pdfsig(pdf_file);
  EXPECT_NE(report.find("Signature is Valid."), std::string::npos) << report;
  EXPECT_NE(report.find("Not total document signed"), std::string::npos) << report;
  // Three revisions: the original, the signature, the DSS.
  EXPECT_EQ(revisions_of(pdf), 3u);
  // The signed revision's CMS still carries the signature time stamp (LT includes T).
  EXPECT_TRUE(stamp_in(cms_in_pdf(pdf)));

  // The DSS as qpdf reads it (recovery off): the citizen's certificate, the issuing CA, the root and the TSA; the
  // OCSP answer about the citizen; the issuing CA's CRL and the root's. Each parses with OpenSSL.
  QPDF qpdf;
  qpdf.setAttemptRecovery(false);
  ASSERT_NO_THROW(qpdf.processMemoryFile("lt.pdf", pdf.data(), pdf.size()));
  EXPECT_TRUE(qpdf.getRoot().getKey("/DSS").getKey("/Type").isNameAndEquals("/DSS"));
  const auto certificates = dss_values(qpdf, "/Certs");
  const auto ocsps = dss_values(qpdf, "/OCSPs");
  const auto crls = dss_values(qpdf, "/CRLs");
  ASSERT_EQ(certificates.size(), 4u);
  ASSERT_EQ(ocsps.size(), 1u);
  ASSERT_EQ(crls.size(), 2u);
  for (const Bytes& der : certificates) EXPECT_FALSE(subject_of(der).empty());
  EXPECT_NE(subject_of(certificates[0]).find(kNif), std::string::npos);
  EXPECT_NE(subject_of(certificates[3]).find("Firma Citizens CA TSA"), std::string::npos);
  for (const Bytes& der : crls) EXPECT_TRUE(is_crl(der));
  EXPECT_EQ(ocsp_answers(ocsps[0]), 1);
}

TEST_F(SignatureLevels, PadesLtaAddsADocumentTimeStampOverTheDss) {
  const std::string pdf = sign_one("lta.pdf", "pades", minimal_pdf(), "LTA");
  ASSERT_FALSE(pdf.empty());
  const auto pdf_file = write(stack_->dir().path() / "lta.pdf", pdf);

  // Four revisions: the original, the signature, the DSS, the document time stamp.
  EXPECT_EQ(revisions_of(pdf), 4u);
  // pdfsig lists both: the citizen's signature, still valid, and the TSA's time stamp over the whole file (this
  // poppler names its /SubFilter "unknown" and validates no document time stamp: qpdf and openssl check it below).
  const std::string report = pdfsig(pdf_file);
  const auto second = report.find("Signature #2");
  ASSERT_NE(second, std::string::npos) << report;
  EXPECT_NE(report.substr(0, second).find("Signature is Valid."), std::string::npos) << report;
  EXPECT_NE(report.find("Signer Certificate Common Name: Firma Citizens CA TSA", second), std::string::npos) << report;
  EXPECT_NE(report.find("Total document signed", second), std::string::npos) << report;

  // The document time stamp, as qpdf reads it: the last field's /V, covering the whole file but its /Contents; its
  // token verifies with openssl ts against the digest of its byte ranges, and the DSS is in what it covers.
  QPDF qpdf;
  qpdf.setAttemptRecovery(false);
  ASSERT_NO_THROW(qpdf.processMemoryFile("lta.pdf", pdf.data(), pdf.size()));
  QPDFObjectHandle fields = qpdf.getRoot().getKey("/AcroForm").getKey("/Fields");
  ASSERT_TRUE(fields.isArray());
  ASSERT_EQ(fields.getArrayNItems(), 2);
  QPDFObjectHandle stamp = fields.getArrayItem(1).getKey("/V");
  ASSERT_TRUE(stamp.isDictionary());
  EXPECT_TRUE(stamp.getKey("/Type").isNameAndEquals("/DocTimeStamp"));
  EXPECT_TRUE(stamp.getKey("/SubFilter").isNameAndEquals("/ETSI.RFC3161"));
  QPDFObjectHandle range = stamp.getKey("/ByteRange");
  ASSERT_TRUE(range.isArray());
  ASSERT_EQ(range.getArrayNItems(), 4);
  const auto at = [&](int i) { return static_cast<std::size_t>(range.getArrayItem(i).getIntValue()); };
  EXPECT_EQ(at(0), 0u);
  EXPECT_EQ(at(2) + at(3), pdf.size());
  const std::string covered = pdf.substr(0, at(1)) + pdf.substr(at(2), at(3));
  EXPECT_NE(covered.find("/Type /DSS"), std::string::npos);
  // /Contents is the token followed by the zeros of the room left: the token is the DER object at its start.
  const std::string contents = stamp.getKey("/Contents").getStringValue();
  const auto* start = reinterpret_cast<const unsigned char*>(contents.data());
  const unsigned char* end = start;
  std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> parsed(
      d2i_CMS_ContentInfo(nullptr, &end, static_cast<long>(contents.size())), CMS_ContentInfo_free);
  ASSERT_TRUE(parsed);
  const std::string token(contents.data(), static_cast<std::size_t>(end - start));
  auto verified = verify_token(Bytes(token.begin(), token.end()), sha256(covered), "document");
  EXPECT_NE(verified.output.find("Verification: OK"), std::string::npos) << verified.output;
  EXPECT_EQ(verify_token(Bytes(token.begin(), token.end()), sha256(covered + " "), "document-other")
                .output.find("Verification: OK"),
            std::string::npos);
}

TEST_F(SignatureLevels, BadLevelsAreTheClientsFourHundred) {
  struct Case {
    json document;
    std::string detail;
  };
  const std::vector<Case> cases = {
      {{{"name", "a"}, {"format", "cades"}, {"content", b64(kText)}, {"options", {{"level", "X"}}}},
       "options.level must be B, T, LT or LTA"},
      {{{"name", "a"}, {"format", "cades"}, {"content", b64(kText)}, {"options", {{"level", 1}}}},
       "'level' must be a string"},
      {{{"name", "a"}, {"format", "cades"}, {"content", b64(kText)}, {"options", {{"level", "t"}}}},
       "options.level must be B, T, LT or LTA"},
      {{{"name", "h"},
        {"format", "raw"},
        {"digest", {{"algorithm", "sha256"}, {"value", to_base64(sha256(kText))}}},
        {"options", {{"level", "T"}}}},
       "a raw signature has no levels"},
      {{{"name", "a"}, {"format", "cades"}, {"content", b64(kText)}, {"options", {{"level", "LTA"}}}},
       "level LTA is not offered yet for cades"},
      {{{"name", "a"}, {"format", "xades"}, {"content", b64(kXml)}, {"options", {{"level", "LTA"}}}},
       "level LTA is not offered yet for xades"},
  };
  for (const Case& c : cases) {
    auto r = create(json::array({c.document}));
    EXPECT_EQ(r.status, 400) << r.raw;
    EXPECT_EQ(r.body.value("code", ""), "invalid_request") << r.raw;
    EXPECT_NE(r.body.value("detail", "").find(c.detail), std::string::npos) << c.detail << " in " << r.raw;
  }
}

TEST_F(SignatureLevels, ATsaThatIsDownFailsTheTransactionOnceAndSignsNothingTwice) {
  // timestamp.url pointing where nothing listens (a port just released).
  std::string url;
  {
    httplib::Server probe;
    const int port = probe.bind_to_any_port("127.0.0.1");
    url = "http://127.0.0.1:" + std::to_string(port) + "/tsa";
  }
  stack_.reset();
  start([&](app::Settings& s) {
    s.timestamp.url = url;
    s.timestamp.timeout_seconds = 2;
  });
  std::string id;
  auto confirmed = sign(
      json::array({{{"name", "doc.txt"}, {"format", "cades"}, {"content", b64(kText)}, {"options", {{"level", "T"}}}}}),
      &id);
  EXPECT_EQ(confirmed.status, 503) << confirmed.raw;
  EXPECT_EQ(confirmed.body.value("code", ""), "unavailable") << confirmed.raw;
  EXPECT_NE(confirmed.body.value("detail", "").find("time stamp"), std::string::npos) << confirmed.raw;
  auto state = stack_->get("/v1/transactions/" + id, app_key_);
  EXPECT_EQ(state.body.value("status", ""), "failed") << state.raw;
  EXPECT_TRUE(state.body["documents"].empty()) << state.raw;
  // The same code again: the transaction is over, nothing is signed.
  auto again = stack_->post("/v1/transactions/" + id + "/confirm", {{"otp", "000000"}});
  EXPECT_GE(again.status, 400) << again.raw;
  EXPECT_LT(again.status, 500) << again.raw;
  // B documents do not need the TSA.
  auto plain = sign(json::array({{{"name", "doc.txt"}, {"format", "cades"}, {"content", b64(kText)}}}));
  EXPECT_EQ(plain.status, 200) << plain.raw;
}

}  // namespace
}  // namespace firma::testing
