// xades: XAdES baseline B, T and LT (ETSI EN 319 132-1) enveloped signatures, built with libxml2, signed in the HSM.
//
// prepare: parse the document (no entity, no DTD ever loaded), digest its exclusive canonical form, build
// the ds:Signature with its SignedProperties in a document of its own, and return the digest of the
// canonical SignedInfo (the DTBS/R). The state is only the signature's id and the signing time: assembly
// rebuilds the same structure from the document and the credential and checks that it digests to the
// same DTBS/R, so any node can assemble and nothing large is stored twice.
// assemble: check the HSM's signature against the certificate, fill SignatureValue, append the
// ds:Signature as the last child of the document element, and re-read the output to check that both
// references and SignedInfo still digest to what was signed.
#include <libxml/tree.h>

#include <algorithm>
#include <charconv>
#include <new>
#include <string>
#include <string_view>

#include "core/random.h"
#include "formats/cms.h"
#include "formats/crypto.h"
#include "formats/format_impl.h"
#include "formats/xml_document.h"

namespace firma::signer::formats {
namespace {

constexpr const char* kDsNamespace = "http://www.w3.org/2000/09/xmldsig#";
// ETSI EN 319 132-1 4.2: SigningTime, SigningCertificateV2 and DataObjectFormat are defined in the
// 1.3.2 namespace (XAdES01903v132-201601.xsd); the 1.4.1 namespace only holds the archival properties.
constexpr const char* kXadesNamespace = "http://uri.etsi.org/01903/v1.3.2#";
constexpr const char* kExclusiveC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
constexpr const char* kEnvelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
constexpr const char* kSignedPropertiesType = "http://uri.etsi.org/01903#SignedProperties";
constexpr std::string_view kStateVersion = "firma-xades/1";
// What the ds:Signature adds to a document at most (with a chain of up to a hundred certificates): nodes, levels
// below the document element and attributes of one of its elements.
constexpr std::size_t kSignatureNodes = 200;
constexpr std::size_t kSignatureDepth = 12;
constexpr std::size_t kSignatureAttributes = 4;

const xmlChar* x(const char* text) {
  return reinterpret_cast<const xmlChar*>(text);
}
const xmlChar* x(const std::string& text) {
  return x(text.c_str());
}

// XML-DSig 1.1 6.2 and RFC 6931 2.1.
const char* digest_method(hsm::DigestAlgorithm digest) {
  switch (digest) {
    case hsm::DigestAlgorithm::sha256: return "http://www.w3.org/2001/04/xmlenc#sha256";
    case hsm::DigestAlgorithm::sha384: return "http://www.w3.org/2001/04/xmldsig-more#sha384";
    case hsm::DigestAlgorithm::sha512: return "http://www.w3.org/2001/04/xmlenc#sha512";
  }
  return "http://www.w3.org/2001/04/xmlenc#sha256";
}

// RFC 6931 2.3.2 (RSA PKCS#1 v1.5) and 2.3.6 (ECDSA).
std::string signature_method(hsm::KeyAlgorithm key, hsm::DigestAlgorithm digest) {
  const char* hash = digest == hsm::DigestAlgorithm::sha512   ? "sha512"
                     : digest == hsm::DigestAlgorithm::sha384 ? "sha384"
                                                              : "sha256";
  return std::string("http://www.w3.org/2001/04/xmldsig-more#") + (hsm::is_rsa(key) ? "rsa-" : "ecdsa-") + hash;
}

std::string algorithm_name(hsm::KeyAlgorithm key, hsm::DigestAlgorithm digest) {
  const char* bits = digest == hsm::DigestAlgorithm::sha512   ? "512"
                     : digest == hsm::DigestAlgorithm::sha384 ? "384"
                                                              : "256";
  return hsm::is_rsa(key) ? std::string("sha") + bits + "WithRSAEncryption" : std::string("ecdsa-with-SHA") + bits;
}

// What prepare decided and assembly must reproduce.
struct SignatureParameters {
  std::string id;  // the ds:Signature's Id; the other ids derive from it
  Instant signing_time;
};

std::string encode_state(const SignatureParameters& p) {
  return std::string(kStateVersion) + "\n" + p.id + "\n" + std::to_string(to_unix(p.signing_time)) + "\n";
}

Result<SignatureParameters> decode_state(const Bytes& state) {
  const std::string text(state.begin(), state.end());
  const auto bad = make_error(ErrorCode::internal, "xades: prepared state is not readable");
  const std::size_t a = text.find('\n');
  if (a == std::string::npos || std::string_view(text).substr(0, a) != kStateVersion) return bad;
  const std::size_t b = text.find('\n', a + 1);
  if (b == std::string::npos) return bad;
  const std::size_t c = text.find('\n', b + 1);
  if (c == std::string::npos || c + 1 != text.size()) return bad;
  SignatureParameters p;
  p.id = text.substr(a + 1, b - a - 1);
  if (p.id.empty() || p.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) return bad;
  std::int64_t seconds = 0;
  const char* first = text.data() + b + 1;
  const char* last = text.data() + c;
  auto [end, ec] = std::from_chars(first, last, seconds);
  if (ec != std::errc() || end != last) return bad;
  p.signing_time = from_unix(seconds);
  return p;
}

// libxml2 returns null only when out of memory; formats.cpp turns the exception into an internal error.
template <class T>
T* made(T* node) {
  if (node == nullptr) throw std::bad_alloc();
  return node;
}

xmlNode* element(xmlNode* parent, xmlNs* ns, const char* name) {
  return made(xmlNewChild(parent, ns, x(name), nullptr));
}

xmlNode* text_element(xmlNode* parent, xmlNs* ns, const char* name, const std::string& text) {
  return made(xmlNewTextChild(parent, ns, x(name), x(text)));
}

void attribute(xmlNode* node, const char* name, const std::string& value) {
  made(xmlNewProp(node, x(name), x(value)));
}

xmlNode* algorithm_element(xmlNode* parent, xmlNs* ns, const char* name, const std::string& uri) {
  xmlNode* node = element(parent, ns, name);
  attribute(node, "Algorithm", uri);
  return node;
}

// The ds:Signature alone in a document of its own (exclusive C14N of its parts does not depend on where
// it is later placed: only visibly used namespaces are emitted and xml:* attributes are not inherited).
struct SignatureTree {
  xml::DocPtr doc;
  xmlNode* signature = nullptr;
  xmlNode* signature_value = nullptr;
  xmlNode* qualifying = nullptr;  // xades:QualifyingProperties
  Bytes dtbs;                     // digest of the canonical SignedInfo
};

Result<SignatureTree> build_signature(const Bytes& document_digest, const CredentialView& credential,
                                      hsm::DigestAlgorithm digest, const SignatureParameters& p) {
  auto issuer_serial = cms::issuer_serial(credential.certificate);
  if (!issuer_serial) return std::move(issuer_serial).error();
  const Bytes certificate_digest = formats::digest(digest, credential.certificate);
  const std::string reference_id = p.id + "-ref-0";
  const std::string signed_properties_id = p.id + "-signedprops";

  SignatureTree tree;
  tree.doc.reset(made(xmlNewDoc(x("1.0"))));
  xmlNode* signature = made(xmlNewDocNode(tree.doc.get(), nullptr, x("Signature"), nullptr));
  xmlDocSetRootElement(tree.doc.get(), signature);
  xmlNs* ds = made(xmlNewNs(signature, x(kDsNamespace), x("ds")));
  xmlSetNs(signature, ds);
  attribute(signature, "Id", p.id);

  // XML-DSig 4.4 SignedInfo: exclusive C14N (EN 319 132-1 6.3 d), the document and the SignedProperties.
  xmlNode* signed_info = element(signature, ds, "SignedInfo");
  algorithm_element(signed_info, ds, "CanonicalizationMethod", kExclusiveC14n);
  algorithm_element(signed_info, ds, "SignatureMethod", signature_method(credential.algorithm, digest));

  xmlNode* document_reference = element(signed_info, ds, "Reference");
  attribute(document_reference, "Id", reference_id);
  attribute(document_reference, "URI", "");
  xmlNode* transforms = element(document_reference, ds, "Transforms");
  algorithm_element(transforms, ds, "Transform", kEnvelopedSignature);
  algorithm_element(transforms, ds, "Transform", kExclusiveC14n);
  algorithm_element(document_reference, ds, "DigestMethod", digest_method(digest));
  text_element(document_reference, ds, "DigestValue", to_base64(document_digest));

  // EN 319 132-1 4.3.1: the Reference to SignedProperties carries this Type.
  xmlNode* properties_reference = element(signed_info, ds, "Reference");
  attribute(properties_reference, "Type", kSignedPropertiesType);
  attribute(properties_reference, "URI", "#" + signed_properties_id);
  transforms = element(properties_reference, ds, "Transforms");
  algorithm_element(transforms, ds, "Transform", kExclusiveC14n);
  algorithm_element(properties_reference, ds, "DigestMethod", digest_method(digest));
  xmlNode* properties_digest = text_element(properties_reference, ds, "DigestValue", "");

  tree.signature_value = element(signature, ds, "SignatureValue");
  attribute(tree.signature_value, "Id", p.id + "-sigvalue");

  // EN 319 132-1 6.3 a) and b): the signing certificate, then the certificates for path building.
  xmlNode* x509_data = element(element(signature, ds, "KeyInfo"), ds, "X509Data");
  text_element(x509_data, ds, "X509Certificate", to_base64(credential.certificate));
  for (const Bytes& ca : credential.chain) text_element(x509_data, ds, "X509Certificate", to_base64(ca));

  // EN 319 132-1 4.4 direct incorporation: one ds:Object with one QualifyingProperties.
  xmlNode* object = element(signature, ds, "Object");
  xmlNode* qualifying = made(xmlNewChild(object, nullptr, x("QualifyingProperties"), nullptr));
  xmlNs* xades = made(xmlNewNs(qualifying, x(kXadesNamespace), x("xades")));
  xmlSetNs(qualifying, xades);
  attribute(qualifying, "Target", "#" + p.id);
  xmlNode* signed_properties = element(qualifying, xades, "SignedProperties");
  attribute(signed_properties, "Id", signed_properties_id);
  xmlNode* signature_properties = element(signed_properties, xades, "SignedSignatureProperties");
  text_element(signature_properties, xades, "SigningTime", to_rfc3339(p.signing_time));  // 5.2.1
  // 5.2.2: CertDigest over the DER certificate; IssuerSerialV2 = base64 of the RFC 5035 IssuerSerial.
  xmlNode* cert = element(element(signature_properties, xades, "SigningCertificateV2"), xades, "Cert");
  xmlNode* cert_digest = element(cert, xades, "CertDigest");
  algorithm_element(cert_digest, ds, "DigestMethod", digest_method(digest));
  text_element(cert_digest, ds, "DigestValue", to_base64(certificate_digest));
  text_element(cert, xades, "IssuerSerialV2", to_base64(*issuer_serial));
  // 6.3 k): one DataObjectFormat with a MimeType per signed data object but the SignedProperties.
  xmlNode* format = element(element(signed_properties, xades, "SignedDataObjectProperties"), xades, "DataObjectFormat");
  attribute(format, "ObjectReference", "#" + reference_id);
  text_element(format, xades, "MimeType", "text/xml");

  auto properties = xml::exclusive_c14n_digest(tree.doc.get(), signed_properties, nullptr, digest);
  if (!properties) return std::move(properties).error();
  xmlNodeSetContent(properties_digest, x(to_base64(*properties)));

  auto dtbs = xml::exclusive_c14n_digest(tree.doc.get(), signed_info, nullptr, digest);
  if (!dtbs) return std::move(dtbs).error();
  tree.dtbs = std::move(*dtbs);
  tree.signature = signature;
  tree.qualifying = qualifying;
  return tree;
}

std::string attribute_value(const xmlNode* node, const char* name) {
  xmlChar* value = xmlGetNoNsProp(node, x(name));
  if (value == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return out;
}

// The ds:Signature with this Id among the document element's children.
xmlNode* find_signature(xmlDoc* doc, const std::string& id) {
  xmlNode* root = xmlDocGetRootElement(doc);
  for (xmlNode* n = root != nullptr ? xmlGetLastChild(root) : nullptr; n != nullptr; n = n->prev) {
    if (n->type == XML_ELEMENT_NODE && n->ns != nullptr && xmlStrEqual(n->name, x("Signature")) &&
        xmlStrEqual(n->ns->href, x(kDsNamespace)) && attribute_value(n, "Id") == id)
      return n;
  }
  return nullptr;
}

xmlNode* first_child_element(xmlNode* parent, const char* name) {
  for (xmlNode* n = parent->children; n != nullptr; n = n->next)
    if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, x(name))) return n;
  return nullptr;
}

// Reads the output as a verifier would and recomputes what the signature covers: the document without
// the signature (the enveloped reference) and SignedInfo. The SignedProperties are inside SignedInfo's
// coverage through their digest, which is unchanged text in the same subtree.
Status check_output(const Bytes& output, const SignatureParameters& p, const Bytes& document_digest, const Bytes& dtbs,
                    hsm::DigestAlgorithm digest, const XmlLimits& limits) {
  const auto failed = [](const std::string& why) {
    return make_error(ErrorCode::internal, "xades: the signed document failed its own check: " + why);
  };
  // The document met the limits; the ds:Signature adds its own nodes, levels and qualified attributes.
  XmlLimits with_signature = limits;
  with_signature.max_nodes += kSignatureNodes;
  with_signature.max_depth = std::max(limits.max_depth, kSignatureDepth);
  with_signature.max_attributes = std::max(limits.max_attributes, kSignatureAttributes);
  auto doc = xml::parse_document(output, with_signature);
  if (!doc) return failed(doc.error().message);
  xmlNode* signature = find_signature(doc->get(), p.id);
  if (signature == nullptr) return failed("signature not found");
  xmlNode* signed_info = first_child_element(signature, "SignedInfo");
  if (signed_info == nullptr) return failed("SignedInfo not found");
  auto document = xml::exclusive_c14n_digest(doc->get(), nullptr, signature, digest);
  if (!document) return failed(document.error().message);
  if (*document != document_digest) return failed("document digest differs");
  auto info = xml::exclusive_c14n_digest(doc->get(), signed_info, nullptr, digest);
  if (!info) return failed(info.error().message);
  if (*info != dtbs) return failed("SignedInfo digest differs");
  return {};
}

Status check_request(const DocumentRequest& request) {
  if (request.format != Format::xades) return make_error(ErrorCode::internal, "xades: not a xades request");
  return {};
}

}  // namespace

Status validate_xades(const DocumentRequest& request) {
  if (auto s = check_request(request); !s) return s;
  auto doc = xml::parse_document(request.content, request.xml_limits);
  if (!doc) return std::move(doc).error();
  // Canonicalise once now, so that what passes validation can be prepared (C14N refuses, for example,
  // relative namespace URIs).
  auto digest = xml::exclusive_c14n_digest(doc->get(), nullptr, nullptr, request.digest_algorithm);
  if (!digest) return std::move(digest).error();
  return {};
}

Result<Prepared> prepare_xades(const DocumentRequest& request, const CredentialView& credential, Instant signing_time) {
  if (auto s = check_request(request); !s) return std::move(s).error();
  auto doc = xml::parse_document(request.content, request.xml_limits);
  if (!doc) return std::move(doc).error();
  auto document_digest = xml::exclusive_c14n_digest(doc->get(), nullptr, nullptr, request.digest_algorithm);
  if (!document_digest) return std::move(document_digest).error();

  SystemRandom random;
  SignatureParameters parameters{"xmldsig-" + random.hex_token(16), signing_time};
  auto tree = build_signature(*document_digest, credential, request.digest_algorithm, parameters);
  if (!tree) return std::move(tree).error();

  const std::string state = encode_state(parameters);
  Prepared prepared;
  prepared.dtbs_digest = std::move(tree->dtbs);
  prepared.digest_algorithm = request.digest_algorithm;
  prepared.padding = hsm::RsaPadding::pkcs1v15;  // XML-DSig has no PSS in RFC 6931 2.3.2's rsa-shaNNN
  prepared.state.assign(state.begin(), state.end());
  return prepared;
}

namespace {

// Level T (ETSI EN 319 132-1 5.3): UnsignedProperties / UnsignedSignatureProperties / SignatureTimeStamp, a time
// stamp over the exclusive canonical form of ds:SignatureValue (its CanonicalizationMethod says which). Level LT
// (5.5.1, 5.5.2): after it, CertificateValues (the chain and the validation data's certificates, the TSA's) and
// RevocationValues (CRLValues, then OCSPValues, the order of XAdES01903v132-201601.xsd), each value base64 DER.
Status add_unsigned_properties(const DocumentRequest& request, const LongTermServices& long_term,
                               const CredentialView& credential, SignatureTree& tree, const std::string& id) {
  if (request.level == Level::b) return {};
  auto signed_digest =
      xml::exclusive_c14n_digest(tree.doc.get(), tree.signature_value, nullptr, request.digest_algorithm);
  if (!signed_digest) return std::move(signed_digest).error();
  auto token = signature_time_stamp(request, long_term.timestamp, *signed_digest);
  if (!token) return std::move(token).error();
  auto validation = validation_data(request, long_term, credential);
  if (!validation) return std::move(validation).error();
  xmlNs* xades = tree.qualifying->ns;
  xmlNode* unsigned_properties =
      element(element(tree.qualifying, xades, "UnsignedProperties"), xades, "UnsignedSignatureProperties");
  xmlNode* stamp = element(unsigned_properties, xades, "SignatureTimeStamp");
  attribute(stamp, "Id", id + "-signature-timestamp");
  algorithm_element(stamp, tree.signature->ns, "CanonicalizationMethod", kExclusiveC14n);
  text_element(stamp, xades, "EncapsulatedTimeStamp", to_base64(**token));
  if (!*validation) return {};

  xmlNode* certificates = element(unsigned_properties, xades, "CertificateValues");
  attribute(certificates, "Id", id + "-certificate-values");
  for (const Bytes& ca : credential.chain)
    text_element(certificates, xades, "EncapsulatedX509Certificate", to_base64(ca));
  for (const Bytes& other : (*validation)->certificates)
    text_element(certificates, xades, "EncapsulatedX509Certificate", to_base64(other));
  xmlNode* revocation = element(unsigned_properties, xades, "RevocationValues");
  attribute(revocation, "Id", id + "-revocation-values");
  if (!(*validation)->crls.empty()) {
    xmlNode* crls = element(revocation, xades, "CRLValues");
    for (const Bytes& crl : (*validation)->crls) text_element(crls, xades, "EncapsulatedCRLValue", to_base64(crl));
  }
  if (!(*validation)->ocsp_responses.empty()) {
    xmlNode* responses = element(revocation, xades, "OCSPValues");
    for (const Bytes& ocsp : (*validation)->ocsp_responses)
      text_element(responses, xades, "EncapsulatedOCSPValue", to_base64(ocsp));
  }
  return {};
}

}  // namespace

Result<Assembled> assemble_xades(const DocumentRequest& request, const Prepared& prepared,
                                 const hsm::Signature& signature, const CredentialView& credential,
                                 const LongTermServices& long_term) {
  if (auto s = check_request(request); !s) return std::move(s).error();
  auto parameters = decode_state(prepared.state);
  if (!parameters) return std::move(parameters).error();
  const hsm::DigestAlgorithm digest = prepared.digest_algorithm;
  if (signature.raw.size() != hsm::signature_size(credential.algorithm))
    return make_error(ErrorCode::invalid_request, "xades: the signature has the wrong length for the key");

  auto doc = xml::parse_document(request.content, request.xml_limits);
  if (!doc) return std::move(doc).error();
  auto document_digest = xml::exclusive_c14n_digest(doc->get(), nullptr, nullptr, digest);
  if (!document_digest) return std::move(document_digest).error();
  auto tree = build_signature(*document_digest, credential, digest, *parameters);
  if (!tree) return std::move(tree).error();
  if (tree->dtbs != prepared.dtbs_digest)
    return make_error(ErrorCode::internal,
                      "xades: the document or the credential changed between preparation and assembly");
  // The document leaves only with a signature that verifies (the same check as every format's).
  if (auto checked = checked_signature_value(credential, digest, tree->dtbs, signature); !checked)
    return std::move(checked).error();

  // XML-DSig 4.3: SignatureValue is the base64 of the signature (r || s for ECDSA, RFC 4051 3.3).
  xmlNodeSetContent(tree->signature_value, x(to_base64(signature.raw)));
  if (Status s = add_unsigned_properties(request, long_term, credential, *tree, parameters->id); !s)
    return std::move(s).error();
  xmlNode* copy = made(xmlDocCopyNode(tree->signature, doc->get(), 1));
  if (xmlAddChild(xmlDocGetRootElement(doc->get()), copy) == nullptr) {
    xmlFreeNode(copy);
    return make_error(ErrorCode::internal, "xades: could not append the signature");
  }
  auto output = xml::serialize(doc->get());
  if (!output) return std::move(output).error();
  if (auto s = check_output(*output, *parameters, *document_digest, tree->dtbs, digest, request.xml_limits); !s)
    return std::move(s).error();
  return Assembled{std::move(*output), algorithm_name(credential.algorithm, digest)};
}

}  // namespace firma::signer::formats
