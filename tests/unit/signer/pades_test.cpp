// PAdES: PDFs signed on a SoftHSM2 token, checked by poppler's pdfsig (NSS), openssl cms and a strict qpdf read.
#include <gtest/gtest.h>

// qpdf 11: std::shared_ptr instead of the deprecated PointerHolder (qpdf/PointerHolder.hh).
#define POINTERHOLDER_TRANSITION 4
#include <algorithm>
#include <map>
#include <qpdf/Buffer.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <qpdf/QPDFWriter.hh>
#include <string>
#include <vector>

#include "cades_support.h"
#include "signer/formats.h"

namespace firma::signer {
namespace {

using test::openssl_cades_verifies;
using test::quoted;
using test::run;
using test::TokenSigner;
using test::write_bytes;

constexpr std::string_view kPageText = "Documento de prueba";

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

Bytes bytes_of(const std::string& text) {
  return Bytes(text.begin(), text.end());
}
std::string text_of(const Bytes& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// A PDF written by hand with exact offsets and a classic cross-reference table: the objects (numbered from 1, in
// generation `generation`), and the trailer's /Size as given (by default one past the last object).
Bytes pdf_of(const std::map<int, std::string>& objects, std::string size = {}, int generation = 0) {
  std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
  const int count = objects.rbegin()->first + 1;
  if (size.empty()) size = std::to_string(count);
  std::vector<std::size_t> offsets(static_cast<std::size_t>(count), 0);
  for (const auto& [number, body] : objects) {
    offsets[static_cast<std::size_t>(number)] = pdf.size();
    pdf += std::to_string(number) + " " + std::to_string(generation) + " obj\n" + body + "\nendobj\n";
  }
  const std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(count) + "\n0000000000 65535 f\r\n";
  for (int n = 1; n < count; ++n) {
    char line[24];
    std::snprintf(line, sizeof line, "%010zu %05d n\r\n", offsets[static_cast<std::size_t>(n)], generation);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + size + " /Root 1 " + std::to_string(generation) +
         " R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return bytes_of(pdf);
}

// The shapes of an unsigned PDF's form: none, a direct AcroForm and /Annots with a text field, or both
// as indirect objects (each is extended differently by the update).
enum class Form { none, direct, indirect };

// A one-page PDF with a classic cross-reference table, written by hand with exact offsets.
Bytes classic_pdf(Form form) {
  std::map<int, std::string> objects;
  std::string catalog = "<< /Type /Catalog /Pages 2 0 R";
  std::string page =
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
      "/Resources << /Font << /F1 5 0 R >> >>";
  if (form == Form::direct) {
    catalog += " /AcroForm << /Fields [6 0 R] /DA (/F1 0 Tf 0 g) >>";
    page += " /Annots [6 0 R]";
  } else if (form == Form::indirect) {
    catalog += " /AcroForm 8 0 R";
    page += " /Annots 7 0 R";
    objects[7] = "[6 0 R]";
    objects[8] = "<< /Fields [6 0 R] /DA (/F1 0 Tf 0 g) >>";
  }
  objects[1] = catalog + " >>";
  objects[2] = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
  objects[3] = page + " >>";
  const std::string content = "BT /F1 24 Tf 72 720 Td (" + std::string(kPageText) + ") Tj ET";
  objects[4] = "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream";
  objects[5] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";
  if (form != Form::none)
    objects[6] = "<< /Type /Annot /Subtype /Widget /FT /Tx /T (Nombre) /V (Juan) /Rect [72 600 300 620] /P 3 0 R >>";

  return pdf_of(objects);
}

// How the unsigned PDF's cross-reference information is laid out.
enum class Layout {
  table,         // a classic table, written by hand
  table_no_eol,  // the same without an end-of-line after %%EOF
  stream,        // rewritten by qpdf with object streams: a cross-reference stream (PDF 1.5)
  linearized,    // rewritten by qpdf, linearized: startxref names the first-page section
};

Bytes rewritten(const Bytes& classic, bool object_streams, bool linearize) {
  QPDF qpdf;
  qpdf.processMemoryFile("classic", reinterpret_cast<const char*>(classic.data()), classic.size());
  QPDFWriter writer(qpdf);
  writer.setOutputMemory();
  writer.setObjectStreamMode(object_streams ? qpdf_o_generate : qpdf_o_disable);
  writer.setLinearization(linearize);
  writer.setCompressStreams(false);  // keeps the page text findable for the tampering test
  writer.write();
  auto buffer = writer.getBufferSharedPointer();
  return Bytes(buffer->getBuffer(), buffer->getBuffer() + buffer->getSize());
}

Bytes make_pdf(Layout layout, Form form) {
  Bytes classic = classic_pdf(form);
  switch (layout) {
    case Layout::table: return classic;
    case Layout::table_no_eol: classic.pop_back(); return classic;
    case Layout::stream: return rewritten(classic, true, false);
    case Layout::linearized: return rewritten(classic, false, true);
  }
  return classic;
}

Bytes encrypted_pdf() {
  const Bytes classic = classic_pdf(Form::none);
  QPDF qpdf;
  qpdf.processMemoryFile("classic", reinterpret_cast<const char*>(classic.data()), classic.size());
  QPDFWriter writer(qpdf);
  writer.setOutputMemory();
  writer.setR6EncryptionParameters("", "owner-password", true, true, true, true, true, true, qpdf_r3p_full, true);
  writer.write();
  auto buffer = writer.getBufferSharedPointer();
  return Bytes(buffer->getBuffer(), buffer->getBuffer() + buffer->getSize());
}

// What a strict reader (qpdf with recovery off: every offset must be right) finds in a signed PDF.
struct StrictRead {
  bool warnings = true;
  std::vector<std::string> field_names;
  std::vector<std::string> field_types;
  long long sig_flags = 0;
  int first_page_annots = 0;
  bool ends_with_xref_stream = false;
};

StrictRead read_strictly(const Bytes& pdf) {
  QPDF qpdf;
  qpdf.setSuppressWarnings(true);
  qpdf.setAttemptRecovery(false);
  qpdf.processMemoryFile("signed", reinterpret_cast<const char*>(pdf.data()), pdf.size());
  StrictRead read;
  QPDFObjectHandle form = qpdf.getRoot().getKey("/AcroForm");
  for (auto& field : form.getKey("/Fields").getArrayAsVector()) {
    read.field_names.push_back(field.getKey("/T").getUTF8Value());
    read.field_types.push_back(field.getKey("/FT").getName());
    field.getKey("/V").unparseResolved();  // resolves the signature dictionary: its offset must be right
  }
  read.sig_flags = form.getKey("/SigFlags").isInteger() ? form.getKey("/SigFlags").getIntValue() : 0;
  QPDFObjectHandle page = qpdf.getAllPages().front();
  read.first_page_annots = page.getKey("/Annots").getArrayNItems();
  read.ends_with_xref_stream = qpdf.getTrailer().getKey("/Type").isNameAndEquals("/XRef");
  read.warnings = qpdf.anyWarnings();
  return read;
}

// The last signature's /ByteRange and /Contents, read from the bytes as a verifier does.
struct LastSignature {
  std::size_t ranges[4] = {};
  Bytes cms;
  Bytes signed_bytes;
};

LastSignature last_signature(const Bytes& pdf) {
  const std::string text = text_of(pdf);
  LastSignature sig;
  auto at = text.rfind("/ByteRange [");
  if (at == std::string::npos) return sig;
  at += 12;
  for (auto& n : sig.ranges) {
    while (text[at] == ' ') ++at;
    n = 0;
    while (text[at] >= '0' && text[at] <= '9') n = n * 10 + static_cast<std::size_t>(text[at++] - '0');
  }
  const auto hex = from_hex(text.substr(sig.ranges[1] + 1, sig.ranges[2] - sig.ranges[1] - 2));
  if (!hex || hex->size() < 4) return sig;
  // DER SEQUENCE with a long-form length: the zeros after it are padding.
  const Bytes& der = *hex;
  std::size_t length = 0, header = 2;
  if (der[1] & 0x80) {
    const std::size_t octets = der[1] & 0x7f;
    for (std::size_t i = 0; i < octets; ++i) length = (length << 8) | der[2 + i];
    header += octets;
  } else {
    length = der[1];
  }
  sig.cms.assign(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(header + length));
  sig.signed_bytes.assign(pdf.begin(), pdf.begin() + static_cast<std::ptrdiff_t>(sig.ranges[1]));
  sig.signed_bytes.insert(sig.signed_bytes.end(), pdf.begin() + static_cast<std::ptrdiff_t>(sig.ranges[2]),
                          pdf.begin() + static_cast<std::ptrdiff_t>(sig.ranges[2] + sig.ranges[3]));
  return sig;
}

class PadesTest : public ::testing::Test {
 protected:
  // pdfsig's report, with the test CA trusted in a fresh NSS database.
  std::string pdfsig(TokenSigner& signer, const Bytes& pdf, const std::string& name = "signed.pdf") {
    const auto db = signer.dir() / "nss";
    if (!std::filesystem::exists(db)) {
      std::filesystem::create_directory(db);
      auto created = run("certutil -N -d sql:" + quoted(db) + " --empty-password");
      EXPECT_EQ(created.status, 0) << created.output;
      auto added =
          run("certutil -A -d sql:" + quoted(db) + " -n ca -t CT,C,C -i " + quoted(signer.credential().ca_pem));
      EXPECT_EQ(added.status, 0) << added.output;
    }
    const auto file = write_bytes(signer.dir() / name, pdf);
    return run("pdfsig -nssdir sql:" + quoted(db) + " " + quoted(file)).output;
  }

  static DocumentRequest pades_request(Bytes pdf, hsm::DigestAlgorithm digest = hsm::DigestAlgorithm::sha256) {
    DocumentRequest request;
    request.format = Format::pades;
    request.content = std::move(pdf);
    request.digest_algorithm = digest;
    return request;
  }

  // Signs and checks what holds for every PAdES output: the original is a prefix, a strict reader opens
  // it, pdfsig says the last signature is valid over the whole file, and openssl verifies its CMS as
  // CAdES over the byte ranges, with no signing-time attribute (the time is in /M).
  Bytes sign_and_check(TokenSigner& signer, const Bytes& original,
                       hsm::DigestAlgorithm digest = hsm::DigestAlgorithm::sha256) {
    auto signed_pdf = signer.sign(pades_request(original, digest), test::now_seconds());
    EXPECT_TRUE(signed_pdf.ok()) << signed_pdf.error().message;
    if (!signed_pdf.ok()) return {};
    const Bytes& out = signed_pdf->output;
    EXPECT_TRUE(std::equal(original.begin(), original.end(), out.begin())) << "the original bytes stay a prefix";

    const StrictRead read = read_strictly(out);
    EXPECT_FALSE(read.warnings);
    EXPECT_EQ(read.sig_flags, 3);
    EXPECT_EQ(read.field_types.back(), "/Sig");

    const std::string report = pdfsig(signer, out);
    EXPECT_NE(report.find("Signature is Valid."), std::string::npos) << report;
    EXPECT_NE(report.find("ETSI.CAdES.detached"), std::string::npos) << report;
    const auto last = report.rfind("Signature #");
    EXPECT_NE(report.find("Total document signed", last), std::string::npos) << report;
    EXPECT_EQ(report.find("Not total document signed", last), std::string::npos) << report;

    const LastSignature sig = last_signature(out);
    EXPECT_EQ(sig.ranges[0], 0u);
    EXPECT_EQ(sig.ranges[2] + sig.ranges[3], out.size());
    const auto cms = write_bytes(signer.dir() / "contents.p7s", sig.cms);
    const auto ranges = write_bytes(signer.dir() / "ranges.bin", sig.signed_bytes);
    std::string output;
    EXPECT_TRUE(openssl_cades_verifies(cms, ranges, signer.credential().ca_pem, &output)) << output;
    const std::string print = run("openssl cms -cmsout -print -inform DER -in " + quoted(cms)).output;
    EXPECT_NE(print.find("id-smime-aa-signingCertificateV2"), std::string::npos) << print;
    EXPECT_EQ(print.find("signingTime"), std::string::npos) << "PAdES puts the time in /M, not in the CMS";
    EXPECT_EQ(count(print, "cert_info:"), 2u) << "the chain travels in the CMS";
    return out;
  }
};

struct PadesCase {
  hsm::KeyAlgorithm key;
  Layout layout;
  Form form;
};

std::string case_name(const ::testing::TestParamInfo<PadesCase>& info) {
  const char* layouts[] = {"_xref_table_", "_xref_table_no_eol_", "_xref_stream_", "_linearized_"};
  const char* forms[] = {"no_form", "direct_form", "indirect_form"};
  return std::string(hsm::is_rsa(info.param.key) ? "rsa2048" : "p256") + layouts[static_cast<int>(info.param.layout)] +
         forms[static_cast<int>(info.param.form)];
}

class PadesSignatures : public PadesTest, public ::testing::WithParamInterface<PadesCase> {};

TEST_P(PadesSignatures, PdfsigFindsAValidSignatureOverTheWholeFile) {
  const PadesCase c = GetParam();
  TokenSigner signer(c.key);
  const Bytes original = make_pdf(c.layout, c.form);
  const bool xref_stream = c.layout == Layout::stream;
  const Bytes signed_pdf = sign_and_check(signer, original);
  ASSERT_FALSE(signed_pdf.empty());

  // The update's cross-reference section is of the original's kind.
  const StrictRead read = read_strictly(signed_pdf);
  EXPECT_EQ(read.ends_with_xref_stream, xref_stream);
  const std::string appended =
      text_of(Bytes(signed_pdf.begin() + static_cast<std::ptrdiff_t>(original.size()), signed_pdf.end()));
  EXPECT_EQ(appended.find("/Type /XRef") != std::string::npos, xref_stream);
  EXPECT_NE(appended.find("/Prev "), std::string::npos);
  // An existing form keeps its field next to the signature's, on the page too.
  const std::size_t expected_fields = c.form == Form::none ? 1 : 2;
  EXPECT_EQ(read.field_names.size(), expected_fields);
  EXPECT_EQ(static_cast<std::size_t>(read.first_page_annots), expected_fields);
  EXPECT_EQ(read.field_names.back(), "Signature1");

  // A byte of the page's text changed: pdfsig no longer finds the signature valid.
  const std::string text = text_of(signed_pdf);
  const auto at = text.find(kPageText);
  ASSERT_NE(at, std::string::npos);
  const std::string report = pdfsig(signer, test::tampered(signed_pdf, at + 2), "tampered.pdf");
  EXPECT_NE(report.find("Signature #1"), std::string::npos) << report;
  EXPECT_EQ(report.find("Signature is Valid."), std::string::npos) << report;
  // And so does a byte of the update outside /Contents (the /M date).
  const auto m = text.rfind("/M (D:");
  ASSERT_NE(m, std::string::npos);
  const std::string report_m = pdfsig(signer, test::tampered(signed_pdf, m + 8), "tampered-m.pdf");
  EXPECT_EQ(report_m.find("Signature is Valid."), std::string::npos) << report_m;
}

INSTANTIATE_TEST_SUITE_P(Documents, PadesSignatures,
                         ::testing::Values(PadesCase{hsm::KeyAlgorithm::ec_p256, Layout::table, Form::none},
                                           PadesCase{hsm::KeyAlgorithm::rsa2048, Layout::table, Form::none},
                                           PadesCase{hsm::KeyAlgorithm::ec_p256, Layout::stream, Form::none},
                                           PadesCase{hsm::KeyAlgorithm::rsa2048, Layout::stream, Form::direct},
                                           PadesCase{hsm::KeyAlgorithm::ec_p256, Layout::table, Form::direct},
                                           PadesCase{hsm::KeyAlgorithm::ec_p256, Layout::table, Form::indirect},
                                           PadesCase{hsm::KeyAlgorithm::ec_p256, Layout::stream, Form::indirect},
                                           PadesCase{hsm::KeyAlgorithm::ec_p256, Layout::table_no_eol, Form::none},
                                           PadesCase{hsm::KeyAlgorithm::ec_p256, Layout::linearized, Form::direct}),
                         case_name);

class PadesTwice : public PadesTest, public ::testing::WithParamInterface<bool> {};

TEST_P(PadesTwice, SigningASignedPdfKeepsTheFirstSignatureValid) {
  TokenSigner signer(hsm::KeyAlgorithm::ec_p256);
  const Bytes original = GetParam() ? make_pdf(Layout::stream, Form::direct) : make_pdf(Layout::table, Form::none);
  const Bytes once = sign_and_check(signer, original);
  ASSERT_FALSE(once.empty());
  const Bytes twice = sign_and_check(signer, once, hsm::DigestAlgorithm::sha384);
  ASSERT_FALSE(twice.empty());

  const std::string report = pdfsig(signer, twice, "twice.pdf");
  EXPECT_NE(report.find("Signature #2"), std::string::npos) << report;
  EXPECT_EQ(count(report, "Signature is Valid."), 2u) << report;
  // The first signature covers its own revision, no longer the whole file; the second covers it all.
  const auto second = report.find("Signature #2");
  EXPECT_NE(report.substr(0, second).find("Not total document signed"), std::string::npos) << report;
  EXPECT_NE(report.find("Total document signed", second), std::string::npos) << report;

  const StrictRead read = read_strictly(twice);
  ASSERT_GE(read.field_names.size(), 2u);
  EXPECT_EQ(read.field_names[read.field_names.size() - 2], "Signature1");
  EXPECT_EQ(read.field_names.back(), "Signature2");
}

INSTANTIATE_TEST_SUITE_P(Documents, PadesTwice, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "xref_stream" : "xref_table"; });

// Levels LT and LTA with stand-ins for the TSA and the validation data (their contents are the integration test's
// concern, signature_levels_test): what matters here is the PDF's structure over both kinds of cross-reference.
class PadesLongTerm : public PadesTest, public ::testing::WithParamInterface<bool> {
 protected:
  // A token that parses as DER (the CA's certificate): the CMS and the PDF stay readable; nobody verifies it here.
  LongTermServices stand_ins(TokenSigner& signer) {
    const Bytes token = signer.credential().ca_certificate;
    return {[token](hsm::DigestAlgorithm, std::span<const std::uint8_t>) -> Result<Bytes> { return token; },
            [token](std::span<const std::uint8_t>) -> Result<ValidationData> {
              return ValidationData{{token}, {bytes_of("crl-1"), bytes_of("crl-2")}, {bytes_of("ocsp-1")}};
            }};
  }

  Bytes sign_at(TokenSigner& signer, const Bytes& pdf, Level level) {
    DocumentRequest request = pades_request(pdf);
    request.level = level;
    EXPECT_TRUE(validate(request).ok());
    auto prepared = prepare(request, signer.view(), test::now_seconds());
    EXPECT_TRUE(prepared.ok());
    if (!prepared) return {};
    auto assembled = assemble(request, *prepared, signer.signature_for(*prepared), signer.view(), stand_ins(signer));
    EXPECT_TRUE(assembled.ok()) << assembled.error().message;
    return assembled ? assembled->output : Bytes{};
  }

  static int dss_count(const Bytes& pdf, const char* key) {
    QPDF qpdf;
    qpdf.setSuppressWarnings(true);
    qpdf.setAttemptRecovery(false);
    qpdf.processMemoryFile("signed", reinterpret_cast<const char*>(pdf.data()), pdf.size());
    QPDFObjectHandle array = qpdf.getRoot().getKey("/DSS").getKey(key);
    int streams = 0;
    for (int i = 0; array.isArray() && i < array.getArrayNItems(); ++i) streams += array.getArrayItem(i).isStream();
    return streams;
  }
};

TEST_P(PadesLongTerm, DssAndDocumentTimeStampKeepThePdfReadableAndSignableAgain) {
  TokenSigner signer(hsm::KeyAlgorithm::ec_p256);
  const Bytes original = GetParam() ? make_pdf(Layout::stream, Form::direct) : make_pdf(Layout::table, Form::none);
  const Bytes lta = sign_at(signer, original, Level::lta);
  ASSERT_FALSE(lta.empty());
  EXPECT_TRUE(std::equal(original.begin(), original.end(), lta.begin()));

  // A strict reader opens it; the last section is of the original's kind; the time stamp is the last field.
  const StrictRead read = read_strictly(lta);
  EXPECT_FALSE(read.warnings);
  EXPECT_EQ(read.ends_with_xref_stream, GetParam());
  ASSERT_GE(read.field_names.size(), 2u);
  EXPECT_EQ(read.field_names.back(), "Signature2");
  // The signer's certificate and chain, and the stand-ins' certificate; their OCSP answer and CRLs.
  const int certificates = 1 + static_cast<int>(signer.view().chain.size()) + 1;
  EXPECT_EQ(dss_count(lta, "/Certs"), certificates);
  EXPECT_EQ(dss_count(lta, "/OCSPs"), 1);
  EXPECT_EQ(dss_count(lta, "/CRLs"), 2);
  const std::string report = pdfsig(signer, lta, "lta.pdf");
  const auto second = report.find("Signature #2");
  ASSERT_NE(second, std::string::npos) << report;
  EXPECT_NE(report.substr(0, second).find("Signature is Valid."), std::string::npos) << report;
  EXPECT_NE(report.substr(0, second).find("Not total document signed"), std::string::npos) << report;
  EXPECT_NE(report.find("Total document signed", second), std::string::npos) << report;

  // Signed again at LT: the earlier DSS keeps its values and gains the new ones; the first signature stays valid.
  const Bytes again = sign_at(signer, lta, Level::lt);
  ASSERT_FALSE(again.empty());
  EXPECT_FALSE(read_strictly(again).warnings);
  EXPECT_EQ(dss_count(again, "/Certs"), 2 * certificates);
  EXPECT_EQ(dss_count(again, "/OCSPs"), 2);
  EXPECT_EQ(dss_count(again, "/CRLs"), 4);
  const std::string report_again = pdfsig(signer, again, "again.pdf");
  EXPECT_NE(report_again.find("Signature #3"), std::string::npos) << report_again;
  EXPECT_GE(count(report_again, "Signature is Valid."), 2u) << report_again;
}

INSTANTIATE_TEST_SUITE_P(Documents, PadesLongTerm, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "xref_stream" : "xref_table"; });

TEST_F(PadesTest, RefusesWhatIsNotASignablePdf) {
  const Bytes classic = classic_pdf(Form::none);
  const std::vector<std::pair<std::string, Bytes>> bad = {
      {"empty", {}},
      {"not a PDF", bytes_of("hello, this is not a PDF\n")},
      {"header only", bytes_of("%PDF-1.7\n1 0 obj\n<< >>\nendobj\n")},
      {"truncated", Bytes(classic.begin(), classic.begin() + static_cast<std::ptrdiff_t>(classic.size() / 2))},
      {"without its last bytes", Bytes(classic.begin(), classic.end() - 30)},
      {"encrypted", encrypted_pdf()},
  };
  const CredentialView nobody{};
  for (const auto& [what, pdf] : bad) {
    auto valid = validate(pades_request(pdf));
    ASSERT_FALSE(valid.ok()) << what;
    EXPECT_EQ(valid.error().code, ErrorCode::invalid_request) << what;
    auto prepared = prepare(pades_request(pdf), nobody, test::now_seconds());
    ASSERT_FALSE(prepared.ok()) << what;
    EXPECT_EQ(prepared.error().code, ErrorCode::invalid_request) << what << ": " << prepared.error().message;
  }
  auto encrypted = validate(pades_request(encrypted_pdf()));
  ASSERT_FALSE(encrypted.ok());
  EXPECT_NE(encrypted.error().message.find("encrypted"), std::string::npos) << encrypted.error().message;
  EXPECT_TRUE(validate(pades_request(classic)).ok());
  EXPECT_TRUE(validate(pades_request(make_pdf(Layout::stream, Form::none))).ok());
}

// The smallest signable PDF, every reference in generation `generation`; `kids` is the page tree's /Kids.
std::map<int, std::string> one_page(const std::string& generation, const std::string& kids = "[3 G R]") {
  const auto in_generation = [&](std::string text) {
    for (auto at = text.find(" G R"); at != std::string::npos; at = text.find(" G R", at))
      text.replace(at + 1, 1, generation);
    return text;
  };
  return {{1, in_generation("<< /Type /Catalog /Pages 2 G R >>")},
          {2, in_generation("<< /Type /Pages /Kids " + kids + " /Count 1 >>")},
          {3, in_generation("<< /Type /Page /Parent 2 G R /MediaBox [0 0 595 842] >>")}};
}

// Refused at validation (when a transaction is created) and at preparation, as invalid_request: before any
// SAD or HSM signature is spent on a document no reader could open.
void expect_unsignable(TokenSigner& signer, const Bytes& pdf, const std::string& what, const std::string& words) {
  DocumentRequest request;
  request.format = Format::pades;
  request.content = pdf;
  auto valid = validate(request);
  ASSERT_FALSE(valid.ok()) << what;
  EXPECT_EQ(valid.error().code, ErrorCode::invalid_request) << what << ": " << valid.error().message;
  EXPECT_NE(valid.error().message.find(words), std::string::npos) << what << ": " << valid.error().message;
  auto prepared = prepare(request, signer.view(), test::now_seconds());
  ASSERT_FALSE(prepared.ok()) << what;
  EXPECT_EQ(prepared.error().code, ErrorCode::invalid_request) << what << ": " << prepared.error().message;
}

// ISO 32000-1 Annex C (table C.1): at most 8,388,607 indirect objects, generations up to 65,535. A /Size of
// 2147483647 once gave the new objects the number -2147483648.
TEST_F(PadesTest, RefusesNumbersBeyondWhatAPdfMayHold) {
  TokenSigner signer(hsm::KeyAlgorithm::ec_p256);
  expect_unsignable(signer, pdf_of(one_page("0"), "2147483647"), "/Size 2147483647", "/Size");
  expect_unsignable(signer, pdf_of(one_page("0"), "8388607"), "/Size 8388607 (no number left)", "/Size");
  expect_unsignable(signer, pdf_of(one_page("0"), "99999999999999999999"), "/Size past 64 bits", "");
  expect_unsignable(signer, pdf_of(one_page("0"), "-4"), "/Size -4", "/Size");
  expect_unsignable(signer, pdf_of(one_page("0"), "4.5"), "/Size 4.5", "/Size");
  expect_unsignable(signer, pdf_of(one_page("70000"), "", 70000), "generation 70000", "generation");
  // What is within the limits is signed.
  for (const Bytes& fine : {pdf_of(one_page("0"), "8388000"), pdf_of(one_page("65535"), "", 65535)}) {
    auto valid = validate(pades_request(fine));
    EXPECT_TRUE(valid.ok()) << valid.error().message;
    auto signed_pdf = signer.sign(pades_request(fine), test::now_seconds());
    ASSERT_TRUE(signed_pdf.ok()) << signed_pdf.error().message;
    EXPECT_EQ(read_strictly(signed_pdf->output).field_names.size(), 1u)
        << text_of(signed_pdf->output).substr(fine.size());
  }
}

// What makes qpdf throw while it reads is the document's fault: invalid_request, never an internal error.
TEST_F(PadesTest, RefusesWhatQpdfCannotReadWithoutFailing) {
  TokenSigner signer(hsm::KeyAlgorithm::ec_p256);
  std::map<int, std::string> nested = one_page("0");
  nested[3] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Deep " + std::string(100000, '[') +
              std::string(100000, ']') + " >>";
  expect_unsignable(signer, pdf_of(nested), "100,000 nested arrays", "not a signable PDF");
  expect_unsignable(signer, pdf_of(one_page("0", "[2 0 R]")), "a page tree whose /Kids is itself",
                    "not a signable PDF");
  expect_unsignable(signer, pdf_of(one_page("0", "[2 0 R 3 0 R]")), "a page tree that loops", "not a signable PDF");
}

// Found by fuzz_pdf (tests/fuzz/regressions/pdf): documents qpdf opens, whose signed form no reader could have
// opened (or whose reading threw after opening); each is refused when the transaction is created.
TEST_F(PadesTest, RefusesWhatWouldNotReopenOnceSigned) {
  TokenSigner signer(hsm::KeyAlgorithm::ec_p256);
  std::map<int, std::string> no_catalog = one_page("0");
  no_catalog[1] = "42";
  expect_unsignable(signer, pdf_of(no_catalog), "a /Root that is not a dictionary", "not a signable PDF");

  // qpdf counts offsets from the header, the update from the file's first byte.
  Bytes junk = bytes_of("junk before the header\n");
  const Bytes plain = pdf_of(one_page("0"));
  junk.insert(junk.end(), plain.begin(), plain.end());
  expect_unsignable(signer, junk, "bytes before %PDF-", "%PDF-n.n");

  // Object 4 does not exist (/Size 4): the update would number its signature dictionary 4.
  std::map<int, std::string> dangling = one_page("0");
  dangling[3] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots 4 0 R >>";
  expect_unsignable(signer, pdf_of(dangling), "/Annots 4 0 R with /Size 4", "does not exist");
  dangling[3] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [5 0 R] >>";
  expect_unsignable(signer, pdf_of(dangling), "/Annots [5 0 R] with /Size 4", "does not exist");

  // "startxref 19\x862": the offset we would read is not the one qpdf reads.
  std::string garbled = text_of(plain);
  const std::size_t digits = garbled.rfind("\n%%EOF");
  garbled.insert(digits,
                 "\x86"
                 "2");
  expect_unsignable(signer, bytes_of(garbled), "startxref's offset followed by other bytes", "not a signable PDF");
  // "startxref6" after the real startxref: not the keyword to qpdf, which reads the one before.
  expect_unsignable(signer, bytes_of(text_of(plain) + "startxref6"), "startxref glued to its offset",
                    "not a signable PDF");

  // qpdf skips a /Prev that is not an offset in the last trailer, not once the update's /Prev leads there.
  expect_unsignable(signer, pdf_of(one_page("0"), "4 /Prev 7 0 R"), "a trailer's /Prev 7 0 R", "/Prev");
}

TEST_F(PadesTest, AssemblyRefusesAnotherDocumentThanThePreparedOne) {
  TokenSigner signer(hsm::KeyAlgorithm::ec_p256);
  const DocumentRequest request = pades_request(classic_pdf(Form::none));
  auto prepared = prepare(request, signer.view(), test::now_seconds());
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  const hsm::Signature signature = signer.signature_for(*prepared);

  const DocumentRequest other = pades_request(classic_pdf(Form::direct));
  auto changed = assemble(other, *prepared, signature, signer.view());
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.error().code, ErrorCode::invalid_request);

  Prepared forged = *prepared;
  // A state changed in the database (here: inside the room kept for the CMS) is refused.
  forged.state = test::tampered(prepared->state, prepared->state.size() / 2);
  auto bad_state = assemble(request, forged, signature, signer.view());
  ASSERT_FALSE(bad_state.ok());
  EXPECT_EQ(bad_state.error().code, ErrorCode::invalid_request);

  EXPECT_TRUE(assemble(request, *prepared, signature, signer.view()).ok());
}

}  // namespace
}  // namespace firma::signer
