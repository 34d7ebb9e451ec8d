// Guarded libxml2 parsing, streamed exclusive C14N digests and serialisation for the XML signature format.
#include "formats/xml_document.h"

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlerror.h>
#include <openssl/evp.h>

#include <climits>
#include <mutex>
#include <string>

namespace firma::signer::xml {
namespace {

// The error argument of xmlStructuredErrorFunc changed from xmlErrorPtr to const xmlError* in libxml2 2.12.
template <class F>
struct SecondArgument;
template <class R, class A, class B>
struct SecondArgument<R (*)(A, B)> {
  using type = B;
};
using ErrorArgument = SecondArgument<xmlStructuredErrorFunc>::type;

// Marks the parser contexts this file creates, so that the process-wide entity loader refuses for them.
struct OurParse {
  bool external_entity_refused = false;
};

xmlExternalEntityLoader previous_loader = nullptr;

// libxml2 only loads an external entity or DTD when asked to (options we never set), but the route from a
// parameter entity to the loader bypasses the per-parser resolver: refusing here too makes "never read a
// file named by the document" hold whatever the parser decides. Other users of libxml2 in the process keep
// the loader they had.
xmlParserInputPtr refusing_loader(const char* url, const char* id, xmlParserCtxtPtr ctxt) {
  if (ctxt != nullptr && ctxt->_private != nullptr) {
    static_cast<OurParse*>(ctxt->_private)->external_entity_refused = true;
    return nullptr;
  }
  return previous_loader != nullptr ? previous_loader(url, id, ctxt) : nullptr;
}

void initialise_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    previous_loader = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(refusing_loader);
  });
}

// Collects libxml2's first error of this thread (its error state is per thread) instead of printing it.
class ErrorCapture {
 public:
  ErrorCapture() : previous_(xmlStructuredError), previous_context_(xmlStructuredErrorContext) {
    xmlSetStructuredErrorFunc(this, &ErrorCapture::record);
  }
  ~ErrorCapture() { xmlSetStructuredErrorFunc(previous_context_, previous_); }
  ErrorCapture(const ErrorCapture&) = delete;
  ErrorCapture& operator=(const ErrorCapture&) = delete;

  bool any() const { return recorded_; }
  int code() const { return code_; }
  const std::string& message() const { return message_; }
  // "line N: message" or just the message.
  std::string described() const { return line_ > 0 ? "line " + std::to_string(line_) + ": " + message_ : message_; }

 private:
  static void record(void* self, ErrorArgument error) {
    auto* capture = static_cast<ErrorCapture*>(self);
    if (capture->recorded_ || error == nullptr || error->level < XML_ERR_ERROR) return;
    capture->recorded_ = true;
    capture->code_ = error->code;
    capture->line_ = error->line;
    capture->message_ = error->message != nullptr ? error->message : "unknown error";
    while (!capture->message_.empty() && (capture->message_.back() == '\n' || capture->message_.back() == ' '))
      capture->message_.pop_back();
  }

  xmlStructuredErrorFunc previous_;
  void* previous_context_;
  bool recorded_ = false;
  int code_ = 0;
  int line_ = 0;
  std::string message_;
};

struct XmlFree {
  void operator()(xmlChar* p) const noexcept { xmlFree(p); }
};

struct ParserContextFree {
  void operator()(xmlParserCtxt* ctxt) const noexcept { xmlFreeParserCtxt(ctxt); }
};

Error invalid(std::string message) {
  return make_error(ErrorCode::invalid_request, std::move(message));
}

// The internal subset may name elements; anything that changes the tree a reader builds is refused:
// entities (expansion, external content) and attribute-list declarations (default values, ID typing).
Status check_doctype(const xmlDoc* doc) {
  if (doc->extSubset != nullptr) return invalid("XML DOCTYPE refers to an external DTD; not accepted");
  const xmlDtd* dtd = doc->intSubset;
  if (dtd == nullptr) return {};
  if (dtd->ExternalID != nullptr || dtd->SystemID != nullptr)
    return invalid("XML DOCTYPE refers to an external DTD; not accepted");
  for (const xmlNode* n = dtd->children; n != nullptr; n = n->next) {
    if (n->type == XML_ENTITY_DECL) return invalid("XML DOCTYPE declares entities; not accepted");
    if (n->type == XML_ATTRIBUTE_DECL) return invalid("XML DOCTYPE declares attribute lists; not accepted");
  }
  return {};
}

// Depth-first without recursion: the depth limit, and no entity reference left in the tree.
Status check_tree(const xmlNode* root) {
  std::size_t depth = 1;
  const xmlNode* n = root;
  while (true) {
    if (n->type == XML_ENTITY_REF_NODE) return invalid("XML refers to an entity; not accepted");
    if (n->type == XML_ELEMENT_NODE && depth > kMaxNesting)
      return invalid("XML nesting deeper than " + std::to_string(kMaxNesting) + " levels; not accepted");
    if (n->type == XML_ELEMENT_NODE && n->children != nullptr) {
      n = n->children;
      ++depth;
      continue;
    }
    while (n != root && n->next == nullptr) {
      n = n->parent;
      --depth;
    }
    if (n == root) return {};
    n = n->next;
  }
}

struct Visibility {
  const xmlNode* apex;
  const xmlNode* excluded;
};

bool within(const xmlNode* node, const xmlNode* root) {
  for (const xmlNode* p = node; p != nullptr; p = p->parent)
    if (p == root) return true;
  return false;
}

// XPath node-set semantics for libxml2's C14N: a namespace node is judged by the element it belongs to.
int is_visible(void* data, xmlNodePtr node, xmlNodePtr parent) {
  const auto* v = static_cast<const Visibility*>(data);
  const xmlNode* subject = node->type == XML_NAMESPACE_DECL ? parent : node;
  if (subject == nullptr) return v->apex == nullptr;
  if (v->excluded != nullptr && within(subject, v->excluded)) return 0;
  if (v->apex != nullptr && !within(subject, v->apex)) return 0;
  return 1;
}

const EVP_MD* message_digest(hsm::DigestAlgorithm algorithm) {
  switch (algorithm) {
    case hsm::DigestAlgorithm::sha256: return EVP_sha256();
    case hsm::DigestAlgorithm::sha384: return EVP_sha384();
    case hsm::DigestAlgorithm::sha512: return EVP_sha512();
  }
  return EVP_sha256();
}

struct DigestContextFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

struct HashSink {
  EVP_MD_CTX* ctx;
  bool failed = false;
};

int hash_write(void* context, const char* buffer, int length) {
  auto* sink = static_cast<HashSink*>(context);
  if (length > 0 && EVP_DigestUpdate(sink->ctx, buffer, static_cast<std::size_t>(length)) != 1) {
    sink->failed = true;
    return -1;
  }
  return length;
}

int hash_close(void*) {
  return 0;
}

}  // namespace

Result<DocPtr> parse_document(std::span<const std::uint8_t> bytes) {
  initialise_once();
  if (bytes.empty()) return invalid("XML document is empty");
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return invalid("XML document is too large");

  std::unique_ptr<xmlParserCtxt, ParserContextFree> ctxt(xmlNewParserCtxt());
  if (!ctxt) return make_error(ErrorCode::internal, "XML parser: out of memory");
  OurParse ours;
  ctxt->_private = &ours;

  // No XML_PARSE_NOENT (substitute entities), DTDLOAD, DTDATTR, DTDVALID or XINCLUDE: nothing outside the
  // given bytes is read. NOBLANKS stays off: whitespace is content and is signed as such.
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES;
  ErrorCapture errors;
  DocPtr doc(xmlCtxtReadMemory(ctxt.get(), reinterpret_cast<const char*>(bytes.data()), static_cast<int>(bytes.size()),
                               nullptr, nullptr, options));
  if (ours.external_entity_refused) return invalid("XML refers to an external entity or DTD; not accepted");
  if (!doc) {
    if (errors.any() && errors.code() == XML_ERR_INTERNAL_ERROR && errors.message().find("depth") != std::string::npos)
      return invalid("XML nesting deeper than " + std::to_string(kMaxNesting) + " levels; not accepted");
    return invalid("XML is not well-formed: " + (errors.any() ? errors.described() : std::string("parse failed")));
  }
  if (ctxt->nsWellFormed == 0)
    return invalid("XML namespaces are not well-formed: " +
                   (errors.any() ? errors.described() : std::string("namespace error")));
  if (auto s = check_doctype(doc.get()); !s) return std::move(s).error();
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return invalid("XML document has no document element");
  if (auto s = check_tree(root); !s) return std::move(s).error();
  return doc;
}

Result<Bytes> exclusive_c14n_digest(xmlDoc* doc, const xmlNode* apex, const xmlNode* excluded,
                                    hsm::DigestAlgorithm algorithm) {
  initialise_once();
  std::unique_ptr<EVP_MD_CTX, DigestContextFree> md(EVP_MD_CTX_new());
  if (!md || EVP_DigestInit_ex(md.get(), message_digest(algorithm), nullptr) != 1)
    return make_error(ErrorCode::internal, "XML canonicalisation: digest unavailable");
  HashSink sink{md.get()};
  xmlOutputBufferPtr out = xmlOutputBufferCreateIO(hash_write, hash_close, &sink, nullptr);
  if (out == nullptr) return make_error(ErrorCode::internal, "XML canonicalisation: out of memory");

  Visibility visibility{apex, excluded};
  const bool whole = apex == nullptr && excluded == nullptr;
  ErrorCapture errors;
  const int written = xmlC14NExecute(doc, whole ? nullptr : is_visible, whole ? nullptr : &visibility,
                                     XML_C14N_EXCLUSIVE_1_0, nullptr, /*with_comments=*/0, out);
  const int closed = xmlOutputBufferClose(out);  // flushes the rest into the hash
  if (written < 0 || closed < 0 || sink.failed) {
    // The usual cause is a relative namespace URI, which C14N refuses (Canonical XML 1.0 section 2).
    return invalid("XML cannot be canonicalised: " + (errors.any() ? errors.message() : std::string("C14N failed")));
  }
  Bytes digest(static_cast<std::size_t>(EVP_MD_size(message_digest(algorithm))));
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(md.get(), digest.data(), &length) != 1)
    return make_error(ErrorCode::internal, "XML canonicalisation: digest failed");
  digest.resize(length);
  return digest;
}

Result<Bytes> serialize(xmlDoc* doc) {
  xmlChar* memory = nullptr;
  int size = 0;
  xmlDocDumpMemory(doc, &memory, &size);
  if (memory == nullptr || size < 0) return make_error(ErrorCode::internal, "XML serialisation failed");
  std::unique_ptr<xmlChar, XmlFree> owned(memory);
  return Bytes(memory, memory + size);
}

}  // namespace firma::signer::xml
