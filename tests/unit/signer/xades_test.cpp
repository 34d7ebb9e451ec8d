// XAdES baseline B through the three phases on a SoftHSM2 token, judged by xmlsec1; and the XML it refuses.
#include <gtest/gtest.h>
#include <openssl/ess.h>
#include <openssl/x509.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/encoding.h"
#include "signer/formats.h"
#include "support/process.h"
#include "support/softhsm_token.h"
#include "support/temp_dir.h"
#include "support/test_ca.h"

namespace firma::signer {
namespace {

using firma::testing::make_test_credential;
using firma::testing::run_command;
using firma::testing::SoftHsmToken;
using firma::testing::TempDir;
using firma::testing::TestCredential;
using hsm::DigestAlgorithm;
using hsm::KeyAlgorithm;

Bytes bytes_of(const std::string& text) {
  return Bytes(text.begin(), text.end());
}
std::string text_of(const Bytes& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// Namespaces (default, prefixed, declared deep), attributes in odd order and spacing, comments inside and
// outside the document element, whitespace, tabs, a CDATA section, escaped characters and UTF-8 content.
const std::string kInvoice = R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- before the document element -->
<fac:Factura xmlns:fac="urn:example:factura" xmlns="urn:example:default" version="3.2" xmlns:unused="urn:unused">
  <!-- comentario: ñ á -->
  <Emisor   nif="12345678Z"  xml:lang="es" nombre='Peña &amp; Hijos'>Señor Núñez, ñandú á é ü €</Emisor>
  <fac:Lineas>
     <fac:Linea n="1" precio="10.50"   >Café &amp; té &lt;ok&gt;</fac:Linea>
     <Vacio/>
     <![CDATA[ <no es marcado> & ]]>
  </fac:Lineas>
  <otro:x xmlns:otro="urn:otro" otro:attr="v" b="2" a="1">	tab	</otro:x>
  <?proc instruction?>
</fac:Factura>
<!-- after -->
)";

const Instant kSigningTime = from_unix(1767225600);  // 2026-01-01T00:00:00Z

class Xades : public ::testing::Test {
 protected:
  TestCredential credential(KeyAlgorithm algorithm) {
    return make_test_credential(hsm_.token(), dir_.path(), algorithm);
  }

  static CredentialView view(const TestCredential& c) {
    return CredentialView{c.certificate, {c.ca_certificate}, c.algorithm};
  }

  static DocumentRequest request(const std::string& xml, DigestAlgorithm digest = DigestAlgorithm::sha256) {
    DocumentRequest r;
    r.format = Format::xades;
    r.content = bytes_of(xml);
    r.digest_algorithm = digest;
    return r;
  }

  hsm::Signature sign_digest(const TestCredential& c, const Prepared& p) {
    auto signature = hsm_.token().sign_digest(c.key, p.digest_algorithm, p.dtbs_digest, p.padding);
    EXPECT_TRUE(signature.ok()) << (signature.ok() ? "" : signature.error().message);
    return signature.ok() ? *signature : hsm::Signature{};
  }

  // The three phases as a transaction runs them: validate at creation, prepare, HSM, assemble.
  Bytes sign(const std::string& xml, const TestCredential& c, DigestAlgorithm digest = DigestAlgorithm::sha256) {
    const DocumentRequest r = request(xml, digest);
    auto valid = validate(r);
    EXPECT_TRUE(valid.ok()) << (valid.ok() ? "" : valid.error().message);
    auto prepared = prepare(r, view(c), kSigningTime);
    EXPECT_TRUE(prepared.ok()) << (prepared.ok() ? "" : prepared.error().message);
    if (!prepared) return {};
    EXPECT_EQ(prepared->dtbs_digest.size(), hsm::digest_size(digest));
    auto assembled = assemble(r, *prepared, sign_digest(c, *prepared), view(c));
    EXPECT_TRUE(assembled.ok()) << (assembled.ok() ? "" : assembled.error().message);
    return assembled.ok() ? assembled->output : Bytes{};
  }

  // xmlsec1 --verify with the test CA as the only trust anchor: true when it exits 0 having checked both
  // references of SignedInfo (the document and the SignedProperties).
  bool xmlsec1_accepts(const TestCredential& c, const std::string& signed_xml, const std::string& name = "signed.xml") {
    const auto path = dir_.path() / name;
    firma::testing::write_file(path, signed_xml);
    auto result = run_command("xmlsec1 --verify --trusted-pem " + c.ca_pem.string() + " " + path.string());
    last_xmlsec1_output_ = result.output;
    return result.status == 0 && result.output.starts_with("OK\n") &&
           result.output.find("SignedInfo References (ok/all): 2/2") != std::string::npos;
  }

  // After a tampering: xmlsec1 refused because a reference's digest no longer matches. It stops at the
  // first bad reference: "0/1" when it is the document's, "1/2" when it is the SignedProperties'.
  bool xmlsec1_refuses_reference(const TestCredential& c, const std::string& signed_xml, const std::string& name,
                                 const std::string& ok_all) {
    if (xmlsec1_accepts(c, signed_xml, name)) return false;
    return last_xmlsec1_output_.find("data and digest do not match") != std::string::npos &&
           last_xmlsec1_output_.find("SignedInfo References (ok/all): " + ok_all) != std::string::npos;
  }

  SoftHsmToken hsm_;
  TempDir dir_;
  std::string last_xmlsec1_output_;
};

std::string between(const std::string& text, const std::string& open, const std::string& close) {
  auto a = text.find(open);
  if (a == std::string::npos) return {};
  a += open.size();
  auto b = text.find(close, a);
  return b == std::string::npos ? std::string() : text.substr(a, b - a);
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

TEST_F(Xades, EcP256SignatureVerifiesWithXmlsec1) {
  auto c = credential(KeyAlgorithm::ec_p256);
  const std::string out = text_of(sign(kInvoice, c));
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(xmlsec1_accepts(c, out)) << last_xmlsec1_output_ << "\n" << out;
  EXPECT_NE(out.find("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"), std::string::npos);
  // The document survives: content, comments and the CDATA section are still there.
  EXPECT_NE(out.find("Señor Núñez, ñandú á é ü €"), std::string::npos);
  EXPECT_NE(out.find("<!-- comentario: ñ á -->"), std::string::npos);
  EXPECT_NE(out.find("<![CDATA[ <no es marcado> & ]]>"), std::string::npos);
}

TEST_F(Xades, Rsa2048SignatureVerifiesWithXmlsec1) {
  auto c = credential(KeyAlgorithm::rsa2048);
  const std::string out = text_of(sign(kInvoice, c));
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(xmlsec1_accepts(c, out)) << last_xmlsec1_output_ << "\n" << out;
  EXPECT_NE(out.find("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"), std::string::npos);
}

TEST_F(Xades, OtherDigestsAndCurvesVerifyWithXmlsec1) {
  auto p384 = credential(KeyAlgorithm::ec_p384);
  const std::string a = text_of(sign(kInvoice, p384, DigestAlgorithm::sha384));
  EXPECT_TRUE(xmlsec1_accepts(p384, a, "p384.xml")) << last_xmlsec1_output_;
  EXPECT_NE(a.find("#ecdsa-sha384"), std::string::npos);
  const std::string b = text_of(sign(kInvoice, p384, DigestAlgorithm::sha512));
  EXPECT_TRUE(xmlsec1_accepts(p384, b, "p384-512.xml")) << last_xmlsec1_output_;
  EXPECT_NE(b.find("http://www.w3.org/2001/04/xmlenc#sha512"), std::string::npos);
}

TEST_F(Xades, TamperedTextFailsXmlsec1) {
  auto c = credential(KeyAlgorithm::ec_p256);
  std::string out = text_of(sign(kInvoice, c));
  ASSERT_TRUE(xmlsec1_accepts(c, out)) << last_xmlsec1_output_;
  std::string tampered = out;
  replace_once(tampered, "ñandú", "ñandu");
  EXPECT_TRUE(xmlsec1_refuses_reference(c, tampered, "tampered.xml", "0/1")) << last_xmlsec1_output_;
  tampered = out;
  replace_once(tampered, "precio=\"10.50\"", "precio=\"1.50\"");
  EXPECT_TRUE(xmlsec1_refuses_reference(c, tampered, "tampered-attribute.xml", "0/1")) << last_xmlsec1_output_;
  // Comments are outside the signed node-set (URI="" is without comments): changing one keeps it valid.
  tampered = out;
  replace_once(tampered, "<!-- comentario: ñ á -->", "<!-- otro comentario -->");
  EXPECT_TRUE(xmlsec1_accepts(c, tampered, "comment.xml")) << last_xmlsec1_output_;
}

TEST_F(Xades, SignedPropertiesAreCovered) {
  auto c = credential(KeyAlgorithm::ec_p256);
  std::string out = text_of(sign(kInvoice, c));
  ASSERT_TRUE(xmlsec1_accepts(c, out)) << last_xmlsec1_output_;
  ASSERT_EQ(between(out, "<xades:SigningTime>", "</xades:SigningTime>"), to_rfc3339(kSigningTime));
  std::string tampered = out;
  replace_once(tampered, "<xades:SigningTime>2026-", "<xades:SigningTime>2025-");
  EXPECT_TRUE(xmlsec1_refuses_reference(c, tampered, "tampered-time.xml", "1/2")) << last_xmlsec1_output_;
  tampered = out;
  replace_once(tampered, "<xades:MimeType>text/xml<", "<xades:MimeType>text/plain<");
  EXPECT_TRUE(xmlsec1_refuses_reference(c, tampered, "tampered-mime.xml", "1/2")) << last_xmlsec1_output_;
  // The signing certificate's digest is signed too.
  tampered = out;
  const std::string cert_digest = to_base64(sha256(c.certificate));
  replace_once(tampered, cert_digest, to_base64(sha256(c.ca_certificate)));
  EXPECT_TRUE(xmlsec1_refuses_reference(c, tampered, "tampered-certdigest.xml", "1/2")) << last_xmlsec1_output_;
}

// ETSI EN 319 132-1 6.3: the B-B elements and where they are; SigningCertificateV2 in the 1.3.2 namespace
// with the digest of the certificate and the RFC 5035 IssuerSerial of its issuer and serial number.
TEST_F(Xades, CarriesTheBaselineBProperties) {
  auto c = credential(KeyAlgorithm::ec_p256);
  const std::string out = text_of(sign(kInvoice, c));
  ASSERT_FALSE(out.empty());
  const std::string signature = out.substr(out.find("<ds:Signature "));
  // Appended as the last child of the document element.
  EXPECT_LT(out.find("<ds:Signature "), out.find("</fac:Factura>"));
  EXPECT_EQ(between(out, "</ds:Signature>", "</fac:Factura>"), "");
  const std::string id =
      between(signature, "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"", "\"");
  ASSERT_FALSE(id.empty()) << signature;
  EXPECT_NE(signature.find("<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"),
            std::string::npos);
  EXPECT_NE(signature.find("URI=\"\""), std::string::npos);
  EXPECT_NE(signature.find("http://www.w3.org/2000/09/xmldsig#enveloped-signature"), std::string::npos);
  EXPECT_NE(signature.find("Type=\"http://uri.etsi.org/01903#SignedProperties\" URI=\"#" + id + "-signedprops\""),
            std::string::npos);
  EXPECT_NE(signature.find("xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\" Target=\"#" + id + "\""),
            std::string::npos);
  EXPECT_NE(signature.find("<xades:DataObjectFormat ObjectReference=\"#" + id + "-ref-0\">"), std::string::npos);
  EXPECT_EQ(signature.find("<xades:SigningCertificate>"), std::string::npos);  // V2 only (6.3 Table 2)

  const std::string certificate = between(signature, "<ds:X509Certificate>", "</ds:X509Certificate>");
  EXPECT_EQ(certificate, to_base64(c.certificate));
  EXPECT_EQ(between(signature, "<xades:CertDigest>", "</xades:CertDigest>"),
            "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue>" +
                to_base64(sha256(c.certificate)) + "</ds:DigestValue>");

  auto issuer_serial = from_base64(between(signature, "<xades:IssuerSerialV2>", "</xades:IssuerSerialV2>"));
  ASSERT_TRUE(issuer_serial.has_value());
  const unsigned char* p = issuer_serial->data();
  ESS_ISSUER_SERIAL* parsed = d2i_ESS_ISSUER_SERIAL(nullptr, &p, static_cast<long>(issuer_serial->size()));
  EXPECT_NE(parsed, nullptr) << "IssuerSerialV2 is not a DER IssuerSerial";
  EXPECT_EQ(p, issuer_serial->data() + issuer_serial->size());
  ESS_ISSUER_SERIAL_free(parsed);
  const unsigned char* q = c.certificate.data();
  X509* cert = d2i_X509(nullptr, &q, static_cast<long>(c.certificate.size()));
  ASSERT_NE(cert, nullptr);
  unsigned char* name = nullptr;
  const int name_length = i2d_X509_NAME(X509_get_issuer_name(cert), &name);
  unsigned char* serial = nullptr;
  const int serial_length = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert), &serial);
  const std::string der = text_of(*issuer_serial);
  EXPECT_NE(der.find(std::string(reinterpret_cast<char*>(name), static_cast<std::size_t>(name_length))),
            std::string::npos);
  EXPECT_TRUE(der.ends_with(std::string(reinterpret_cast<char*>(serial), static_cast<std::size_t>(serial_length))));
  OPENSSL_free(name);
  OPENSSL_free(serial);
  X509_free(cert);
}

TEST_F(Xades, DocumentsThatBindDsOrUseOtherEncodingsVerify) {
  auto c = credential(KeyAlgorithm::ec_p256);
  // The prefix ds already bound to another namespace on the document element, a default namespace, and
  // the root element empty.
  const std::string rebinding = R"(<r xmlns="urn:default" xmlns:ds="urn:not-xmldsig"><ds:x ds:a="1"/></r>)";
  EXPECT_TRUE(xmlsec1_accepts(c, text_of(sign(rebinding, c)), "rebinding.xml")) << last_xmlsec1_output_;
  EXPECT_TRUE(xmlsec1_accepts(c, text_of(sign("<vacio/>", c)), "empty-root.xml")) << last_xmlsec1_output_;
  // ISO-8859-1 bytes (ñ is 0xF1): the output keeps the declared encoding and still verifies.
  std::string latin1 =
      "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<r>Espa\xF1"
      "a</r>\n";
  const std::string out = text_of(sign(latin1, c));
  EXPECT_NE(out.find("Espa\xF1"
                     "a"),
            std::string::npos);
  EXPECT_TRUE(xmlsec1_accepts(c, out, "latin1.xml")) << last_xmlsec1_output_;
  // A DOCTYPE that only declares elements is harmless.
  const std::string doctype = "<!DOCTYPE r [<!ELEMENT r (#PCDATA)>]>\n<r>x</r>";
  EXPECT_TRUE(xmlsec1_accepts(c, text_of(sign(doctype, c)), "doctype.xml")) << last_xmlsec1_output_;
}

// The largest document an application may send (8 MB by default), many elements deep and wide.
TEST_F(Xades, LargeDocumentVerifiesWithXmlsec1) {
  auto c = credential(KeyAlgorithm::ec_p256);
  std::string xml = "<lote xmlns=\"urn:example:lote\">\n";
  for (int i = 0; xml.size() < 8 * 1024 * 1024 - 200; ++i)
    xml += "  <factura n=\"" + std::to_string(i) + "\"><importe moneda=\"EUR\">" + std::to_string(i * 7) +
           ".00</importe><concepto>Señal ñ á " + std::to_string(i) + "</concepto></factura>\n";
  xml += "</lote>\n";
  const std::string out = text_of(sign(xml, c));
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(xmlsec1_accepts(c, out, "large.xml")) << last_xmlsec1_output_.substr(0, 2000);
}

// Several request threads prepare and assemble at once (libxml2's error capture is per thread).
TEST_F(Xades, ConcurrentSigningIsIndependent) {
  auto c = credential(KeyAlgorithm::ec_p256);
  std::vector<std::string> outputs(4);
  std::vector<std::string> errors(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < outputs.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        const std::string xml = "<r n=\"" + std::to_string(t) + "\">ñ " + std::to_string(round) + "</r>";
        const DocumentRequest r = request(xml);
        if (validate(request("<a><b></a>")).ok()) errors[t] = "malformed accepted";
        auto prepared = prepare(r, view(c), kSigningTime);
        if (!prepared) {
          errors[t] = prepared.error().message;
          return;
        }
        auto signature = hsm_.token().sign_digest(c.key, prepared->digest_algorithm, prepared->dtbs_digest);
        if (!signature) {
          errors[t] = signature.error().message;
          return;
        }
        auto assembled = assemble(r, *prepared, *signature, view(c));
        if (!assembled) {
          errors[t] = assembled.error().message;
          return;
        }
        outputs[t] = text_of(assembled->output);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (std::size_t t = 0; t < outputs.size(); ++t) {
    EXPECT_EQ(errors[t], "") << t;
    EXPECT_TRUE(xmlsec1_accepts(c, outputs[t], "thread" + std::to_string(t) + ".xml")) << last_xmlsec1_output_;
  }
}

// Prepare keeps nothing in the process: two preparations of one document differ (fresh ids) and each
// assembles from its own Prepared alone, in any order.
TEST_F(Xades, AssemblyNeedsOnlyThePreparedValue) {
  auto c = credential(KeyAlgorithm::ec_p256);
  const DocumentRequest r = request(kInvoice);
  auto first = prepare(r, view(c), kSigningTime);
  auto second = prepare(r, view(c), kSigningTime);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->dtbs_digest, second->dtbs_digest);
  const Prepared stored_first{first->dtbs_digest, first->digest_algorithm, first->padding, first->state};
  auto second_out = assemble(request(kInvoice), *second, sign_digest(c, *second), view(c));
  auto first_out = assemble(request(kInvoice), stored_first, sign_digest(c, stored_first), view(c));
  ASSERT_TRUE(first_out.ok() && second_out.ok());
  EXPECT_EQ(first_out->algorithm, "ecdsa-with-SHA256");
  EXPECT_TRUE(xmlsec1_accepts(c, text_of(first_out->output), "first.xml")) << last_xmlsec1_output_;
  EXPECT_TRUE(xmlsec1_accepts(c, text_of(second_out->output), "second.xml")) << last_xmlsec1_output_;
}

TEST_F(Xades, AssemblyRefusesWhatDoesNotMatchThePreparation) {
  auto c = credential(KeyAlgorithm::ec_p256);
  const DocumentRequest r = request(kInvoice);
  auto prepared = prepare(r, view(c), kSigningTime);
  ASSERT_TRUE(prepared.ok());
  const hsm::Signature good = sign_digest(c, *prepared);

  // The document changed between the phases.
  std::string changed = kInvoice;
  replace_once(changed, "ñandú", "ñandu");
  EXPECT_FALSE(assemble(request(changed), *prepared, good, view(c)).ok());

  // A signature over another digest, and one of the wrong length.
  Prepared other = *prepared;
  other.dtbs_digest = sha256(as_bytes("something else"));
  auto wrong = assemble(r, *prepared, sign_digest(c, other), view(c));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::internal) << "as every format: a signature that does not verify is ours";
  hsm::Signature truncated = good;
  truncated.raw.pop_back();
  EXPECT_FALSE(assemble(r, *prepared, truncated, view(c)).ok());

  // A state that is not ours.
  Prepared garbled = *prepared;
  garbled.state = bytes_of("firma-xades/1\n../../etc\n1\n");
  EXPECT_FALSE(assemble(r, garbled, good, view(c)).ok());

  EXPECT_TRUE(assemble(r, *prepared, good, view(c)).ok());
}

// Bad input is refused at validation and at preparation, as invalid_request with a message that says why.
void expect_refused(const std::string& xml, const std::string& words) {
  DocumentRequest r;
  r.format = Format::xades;
  r.content = bytes_of(xml);
  auto valid = validate(r);
  ASSERT_FALSE(valid.ok()) << xml.substr(0, 80);
  EXPECT_EQ(valid.error().code, ErrorCode::invalid_request);
  EXPECT_NE(valid.error().message.find(words), std::string::npos) << valid.error().message;
  EXPECT_EQ(valid.error().message.find("root:"), std::string::npos) << "file content leaked into the message";
  CredentialView nobody{Bytes{}, {}, KeyAlgorithm::ec_p256};
  auto prepared = prepare(r, nobody, kSigningTime);
  ASSERT_FALSE(prepared.ok());
  EXPECT_EQ(prepared.error().code, ErrorCode::invalid_request);
}

TEST(XadesInput, MalformedEmptyAndUndeclaredPrefixesAreRefused) {
  expect_refused("", "empty");
  expect_refused("<a><b></a>", "not well-formed");
  expect_refused("just text", "not well-formed");
  expect_refused("<a>&undeclared;</a>", "not well-formed");
  expect_refused("<a></a><b></b>", "not well-formed");
  expect_refused("<p:a>x</p:a>", "namespaces");
  expect_refused("<a xmlns:p=\"relative/uri\"><p:b/></a>", "canonicalised");
}

TEST(XadesInput, ACredentialWithoutADerCertificateIsRefused) {
  DocumentRequest r;
  r.format = Format::xades;
  r.content = bytes_of("<r/>");
  auto prepared = prepare(r, CredentialView{bytes_of("not a certificate"), {}, KeyAlgorithm::ec_p256}, kSigningTime);
  ASSERT_FALSE(prepared.ok());
  EXPECT_EQ(prepared.error().code, ErrorCode::invalid_request);
  EXPECT_NE(prepared.error().message.find("certificate"), std::string::npos) << prepared.error().message;
}

TEST(XadesInput, EntityDeclarationsAreRefused) {
  // Billion laughs: ten levels of ten references.
  std::string laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    laughs += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) laughs += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    laughs += "\">\n";
  }
  laughs += "]>\n<lolz>&lol9;</lolz>";
  expect_refused(laughs, "entit");
  expect_refused("<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>", "entit");
  expect_refused("<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r/>", "entit");
  expect_refused("<!DOCTYPE r [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]><r/>", "entit");
  expect_refused("<!DOCTYPE r SYSTEM \"file:///etc/passwd\"><r/>", "external DTD");
  expect_refused("<!DOCTYPE r [<!ATTLIST r a CDATA \"default\">]><r/>", "attribute lists");
  // Found by fuzz_xml: libxml2 reads UTF-7 but assembly could not read back what it wrote, after the HSM had
  // signed (tests/fuzz/regressions/xml/declared_utf7.xml).
  expect_refused("<?xml version=\"1.0\" encoding=\"UTF-7\"?>\n<factura><concepto>Tasa</concepto></factura>", "UTF-7");
}

// Past a limit of XmlLimits: refused at validation and at preparation with payload_too_large.
void expect_too_much(const Bytes& xml, const std::string& words, const XmlLimits& limits = {}) {
  DocumentRequest r;
  r.format = Format::xades;
  r.content = xml;
  r.xml_limits = limits;
  auto valid = validate(r);
  ASSERT_FALSE(valid.ok()) << text_of(xml).substr(0, 80);
  EXPECT_EQ(valid.error().code, ErrorCode::payload_too_large) << valid.error().message;
  EXPECT_NE(valid.error().message.find(words), std::string::npos) << valid.error().message;
  auto prepared = prepare(r, CredentialView{Bytes{}, {}, KeyAlgorithm::ec_p256}, kSigningTime);
  ASSERT_FALSE(prepared.ok());
  EXPECT_EQ(prepared.error().code, ErrorCode::payload_too_large) << prepared.error().message;
}

bool accepted(const std::string& xml, const XmlLimits& limits = {}) {
  DocumentRequest r;
  r.format = Format::xades;
  r.content = bytes_of(xml);
  r.xml_limits = limits;
  auto valid = validate(r);
  EXPECT_TRUE(valid.ok()) << valid.error().message;
  return valid.ok();
}

std::string nested(int depth) {
  std::string xml;
  for (int i = 0; i < depth; ++i) xml += "<a>";
  for (int i = 0; i < depth; ++i) xml += "</a>";
  return xml;
}

TEST(XadesInput, NestingBeyondTheLimitIsRefused) {
  EXPECT_TRUE(accepted(nested(128)));
  expect_too_much(bytes_of(nested(129)), "deeper than 128");
  expect_too_much(bytes_of(nested(300)), "deeper than 128");  // past libxml2's own limit (256)
  expect_too_much(bytes_of(nested(100000)), "deeper than 128");
}

// One element with `count` attributes, `prefix` text before it.
std::string many_attributes(std::size_t count, const std::string& prefix = {}) {
  std::string xml = prefix + "<r";
  for (std::size_t i = 0; i < count; ++i) xml += " a" + std::to_string(i) + "=\"v\"";
  return xml + "/>";
}

// The same text as UTF-16 with a byte order mark (markup is ASCII here).
Bytes utf16(const std::string& ascii, bool big_endian) {
  Bytes out = big_endian ? Bytes{0xFE, 0xFF} : Bytes{0xFF, 0xFE};
  for (char c : ascii) {
    const auto byte = static_cast<std::uint8_t>(c);
    if (big_endian) out.push_back(0);
    out.push_back(byte);
    if (!big_endian) out.push_back(0);
  }
  return out;
}

// libxml2 checks each attribute against all the earlier ones of its element: 200,000 attributes (2.2 MB) took
// 500 s to create a transaction, and sixteen documents of 30,000 stalled the server. Now the bytes are scanned
// before libxml2 sees them, whatever the encoding or what comes before the element.
TEST(XadesInput, AnElementWithTooManyAttributesIsRefusedBeforeParsing) {
  const std::string hostile = many_attributes(200000);
  ASSERT_GT(hostile.size(), 2u << 20);
  const auto started = std::chrono::steady_clock::now();
  expect_too_much(bytes_of(hostile), "more than 256 attributes");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));  // minutes before the scan
  expect_too_much(utf16(hostile, false), "more than 256 attributes");
  expect_too_much(utf16(hostile, true), "more than 256 attributes");
  expect_too_much(utf16("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + hostile, false), "more than 256");
  // Markup the scan must step over: a DOCTYPE whose comment holds a quote, a comment, a processing instruction
  // and CDATA with '<' and quotes, values holding '>' and the other quote.
  expect_too_much(bytes_of(many_attributes(200000, "<!DOCTYPE r [<!-- it's ]> -->]>")), "more than 256");
  expect_too_much(bytes_of(many_attributes(200000, "<?pi '\" <r?><!-- <r ' -->")), "more than 256");
  expect_too_much(bytes_of("<x><![CDATA[<a ' \"]]>" + many_attributes(300) + "</x>"), "more than 256");
  expect_too_much(bytes_of("<x b='>\"'" + many_attributes(300).substr(2)), "more than 256");
  // Namespace declarations are attributes too.
  std::string declarations = "<r";
  for (int i = 0; i < 300; ++i) declarations += " xmlns:p" + std::to_string(i) + "=\"urn:p" + std::to_string(i) + "\"";
  expect_too_much(bytes_of(declarations + "/>"), "more than 256 attributes");

  // A UTF-16 document short enough for its decoded markup to live inside the scan's string object (found by
  // fuzz_xml: the scan read it through a view left dangling when that object moved; ASan's use-after-scope).
  for (const bool big_endian : {false, true}) {
    DocumentRequest tiny;
    tiny.format = Format::xades;
    tiny.content = utf16("<r>x</r>", big_endian);
    EXPECT_TRUE(validate(tiny).ok()) << (big_endian ? "UTF-16BE" : "UTF-16LE");
  }

  // An encoding that would move the markup where the scan does not read it is refused.
  DocumentRequest ucs2;
  ucs2.format = Format::xades;
  ucs2.content = bytes_of("<?xml version=\"1.0\" encoding=\"UCS-2\"?><r/>");
  auto refused = validate(ucs2);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_request);
  EXPECT_NE(refused.error().message.find("UCS-2"), std::string::npos) << refused.error().message;

  // Up to the limit, and many attributes spread over many elements, are fine.
  EXPECT_TRUE(accepted(many_attributes(256)));
  EXPECT_TRUE(accepted(many_attributes(256, "<!DOCTYPE r [<!-- it's ]> -->]>")));
  std::string spread = "<r>";
  for (int i = 0; i < 2000; ++i) spread += many_attributes(100);
  EXPECT_TRUE(accepted(spread + "</r>"));
}

// A document at the default limits still signs, and xmlsec1 verifies it.
class XadesAtTheLimits : public Xades {};
TEST_F(XadesAtTheLimits, VerifiesWithXmlsec1) {
  auto c = credential(KeyAlgorithm::ec_p256);
  const std::string xml = "<doc xmlns:q=\"urn:q\">" + many_attributes(255) + nested(120) + "</doc>";
  EXPECT_TRUE(xmlsec1_accepts(c, text_of(sign(xml, c)), "limits.xml")) << last_xmlsec1_output_;
}

// The limits are the request's (signing.xml_* settings); each one refuses on its own.
TEST(XadesInput, EachXmlLimitIsTheRequests) {
  XmlLimits limits;
  limits.max_attributes = 3;
  limits.max_nodes = 12;
  limits.max_depth = 4;
  EXPECT_TRUE(accepted("<r a='1' b='2' c='3'><s/><!-- c --><?p?></r>", limits));
  expect_too_much(bytes_of("<r a='1' b='2' c='3' d='4'/>"), "more than 3 attributes", limits);
  expect_too_much(bytes_of("<r><s/><s/><s/><s/><s/><s/><s/><s/><s/><s/><s/><s/></r>"), "more than 12", limits);
  expect_too_much(
      bytes_of("<r><!----><!----><!----><!----><!----><!----><!----><!----><!----><!----><!----><!----></r>"),
      "more than 12", limits);
  EXPECT_TRUE(accepted(nested(4), limits));
  expect_too_much(bytes_of(nested(5)), "deeper than 4", limits);
  limits = XmlLimits{};
  limits.max_parse_time = std::chrono::milliseconds(0);
  expect_too_much(bytes_of("<r/>"), "took longer than 0 ms", limits);
}

// Exclusive C14N looks each qualified name up in a stack that grows with the qualified attributes of the
// ancestors: 128 levels of 200 such attributes over a few thousand leaves took minutes to canonicalise.
TEST(XadesInput, QualifiedAttributesInScopeAreBounded) {
  const auto chain = [](int levels, int per_level) {
    std::string xml = "<r xmlns:q=\"urn:q\" xmlns:z=\"urn:z\">";
    for (int l = 0; l < levels; ++l) {
      xml += "<e";
      for (int a = 0; a < per_level; ++a) xml += " q:a" + std::to_string(a) + "=\"1\"";
      xml += ">";
    }
    for (int leaf = 0; leaf < 100; ++leaf) xml += "<z:l z:b=\"1\"/>";
    for (int l = 0; l < levels; ++l) xml += "</e>";
    return xml + "</r>";
  };
  EXPECT_TRUE(accepted(chain(16, 15)));  // 241 in scope
  expect_too_much(bytes_of(chain(16, 17)), "qualified attributes");
  expect_too_much(bytes_of(chain(100, 200)), "qualified attributes");
}

// No file named by a document is ever opened: inotify sees every open of the watched file.
TEST(XadesInput, NoFileNamedByTheDocumentIsOpened) {
  TempDir dir;
  const auto secret = dir.path() / "secret.txt";
  firma::testing::write_file(secret, "TOPSECRET");
  const std::string url = "file://" + secret.string();
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_GE(inotify_add_watch(fd, secret.c_str(), IN_OPEN | IN_ACCESS), 0);

  for (const std::string& xml : {
           "<!DOCTYPE r [<!ENTITY x SYSTEM \"" + url + "\">]><r>&x;</r>",
           "<!DOCTYPE r [<!ENTITY % p SYSTEM \"" + url + "\"> %p;]><r/>",
           "<!DOCTYPE r [<!ENTITY % p SYSTEM \"" + url + "\"> %p; <!ENTITY y \"%p;\">]><r>&y;</r>",
           "<!DOCTYPE r SYSTEM \"" + url + "\"><r/>",
           "<!DOCTYPE r PUBLIC \"-//X//Y//EN\" \"" + url + "\"><r>&nbsp;</r>",
       }) {
    DocumentRequest r;
    r.format = Format::xades;
    r.content = bytes_of(xml);
    auto valid = validate(r);
    ASSERT_FALSE(valid.ok()) << xml;
    EXPECT_EQ(valid.error().message.find("TOPSECRET"), std::string::npos);
  }
  // XInclude is not processed: the element is ordinary content, accepted and never followed.
  DocumentRequest include;
  include.format = Format::xades;
  include.content =
      bytes_of("<r xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"" + url + "\" parse=\"text\"/></r>");
  EXPECT_TRUE(validate(include).ok());

  char events[4096];
  const ssize_t n = read(fd, events, sizeof events);
  const int error = errno;
  close(fd);
  EXPECT_EQ(n, -1) << "the secret file was opened";
  EXPECT_EQ(error, EAGAIN);
}

}  // namespace
}  // namespace firma::signer
