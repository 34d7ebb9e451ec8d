// Guarded libxml2 parsing, streamed exclusive C14N digests and serialisation for the XML signature format.
#include "formats/xml_document.h"

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlerror.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <cstring>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

Error too_much(const std::string& what) {
  return make_error(ErrorCode::payload_too_large, "XML document " + what + "; not accepted");
}

// ---- The scan of the bytes before libxml2 parses them.

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The markup as the scan reads it: the bytes themselves for encodings where every markup character is its
// ASCII byte and no byte of another character can be taken for one; for UTF-16, one character per code unit
// (those past ASCII as 'x', which is never markup).
// (The text of a UTF-16 document is read from `decoded` when asked for: a view kept into it would dangle once the
// MarkupView moves, as a short string's characters live inside the object.)
struct MarkupView {
  std::string_view bytes;                 // the markup of a document in a single- or multi-byte encoding
  std::string decoded;                    // the markup of a UTF-16 document
  std::optional<std::string_view> utf16;  // "UTF-16LE" or "UTF-16BE"
  std::string_view text() const { return utf16 ? std::string_view(decoded) : bytes; }
};

// XML 1.0 Appendix F: libxml2 tells the encoding family from the first bytes (xmlDetectCharEncoding).
Result<MarkupView> markup_view(std::span<const std::uint8_t> bytes) {
  const auto starts = [&](std::initializer_list<std::uint8_t> prefix) {
    return bytes.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), bytes.begin());
  };
  MarkupView view;
  bool big_endian = false;
  if (starts({0xFE, 0xFF}) || starts({0x00, 0x3C, 0x00, 0x3F}))
    big_endian = true;
  else if (!starts({0xFF, 0xFE}) && !starts({0x3C, 0x00, 0x3F, 0x00})) {
    if (starts({0x00, 0x00, 0x00, 0x3C}) || starts({0x3C, 0x00, 0x00, 0x00}) || starts({0x00, 0x00, 0x3C, 0x00}) ||
        starts({0x00, 0x3C, 0x00, 0x00}) || starts({0x4C, 0x6F, 0xA7, 0x94}))
      return invalid("XML in UCS-4 or EBCDIC is not accepted; send UTF-8 or UTF-16");
    view.bytes = std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (view.bytes.starts_with("\xEF\xBB\xBF")) view.bytes.remove_prefix(3);  // the UTF-8 byte order mark
    return view;
  }
  view.decoded.reserve(bytes.size() / 2);
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
    const unsigned unit = big_endian ? (bytes[i] << 8u) | bytes[i + 1] : (bytes[i + 1] << 8u) | bytes[i];
    view.decoded += unit < 0x80 ? static_cast<char>(unit) : 'x';
  }
  if (view.decoded.starts_with("x")) view.decoded.erase(0, 1);  // the byte order mark
  view.utf16 = big_endian ? "UTF-16BE" : "UTF-16LE";
  return view;
}

// The encoding named by the XML declaration (XML 1.0 [23], [80]), or empty.
std::string_view declared_encoding(std::string_view text) {
  if (!text.starts_with("<?xml")) return {};
  const std::string_view declaration = text.substr(0, text.find("?>"));
  std::size_t at = declaration.find("encoding");
  if (at == std::string_view::npos) return {};
  at += 8;
  while (at < declaration.size() && is_space(declaration[at])) ++at;
  if (at >= declaration.size() || declaration[at] != '=') return {};
  ++at;
  while (at < declaration.size() && is_space(declaration[at])) ++at;
  if (at >= declaration.size() || (declaration[at] != '"' && declaration[at] != '\'')) return {};
  const std::size_t close = declaration.find(declaration[at], at + 1);
  if (close == std::string_view::npos) return {};
  return declaration.substr(at + 1, close - at - 1);
}

// libxml2 switches its decoder to the declared encoding: the scan reads what libxml2 will only when that keeps
// every markup character where the scan sees it. Accepted: UTF-8, UTF-16 (as the first bytes tell), and the
// single- and multi-byte encodings whose bytes below 0x40 are always ASCII.
Status check_declared_encoding(const MarkupView& view) {
  const std::string_view name = declared_encoding(view.text());
  if (name.empty()) return {};
  const auto is = [&](std::string_view other) { return equal_ignoring_case(name, other); };
  const auto starts = [&](std::string_view prefix) {
    return name.size() > prefix.size() && equal_ignoring_case(name.substr(0, prefix.size()), prefix);
  };
  bool accepted = false;
  if (view.utf16)
    accepted = is("UTF-16") || is("UTF16") || is(*view.utf16);
  else
    accepted = is("UTF-8") || is("UTF8") || is("US-ASCII") || is("ASCII") || starts("ISO-8859-") ||
               starts("ISO8859-") || is("LATIN1") || is("ISO-LATIN-1") || starts("WINDOWS-125") || starts("CP125") ||
               is("SHIFT_JIS") || is("EUC-JP") || is("EUC-KR") || is("GB2312") || is("GBK") || is("GB18030") ||
               is("BIG5") || is("KOI8-R") || is("KOI8-U") || is("UTF-16") || is("UTF16");
  if (!accepted) return invalid("XML encoding '" + std::string(name) + "' is not accepted here");
  return {};
}

// Past the end of a declaration begun by "<!" (a DOCTYPE and its internal subset, XML 1.0 [28]): quoted
// literals, comments and processing instructions may hold '>' and ']'.
std::size_t past_declaration(std::string_view text, std::size_t p) {
  const auto past = [&](std::size_t from, std::string_view close) {
    const std::size_t at = text.find(close, from);
    return at == std::string_view::npos ? text.size() : at + close.size();
  };
  bool in_subset = false;
  while (p < text.size()) {
    const char c = text[p];
    if (c == '"' || c == '\'') {
      p = past(p + 1, std::string_view(&c, 1));
    } else if (in_subset && text.substr(p).starts_with("<!--")) {
      p = past(p + 4, "-->");
    } else if (in_subset && text.substr(p).starts_with("<?")) {
      p = past(p + 2, "?>");
    } else {
      if (c == '[') in_subset = true;
      if (c == ']') in_subset = false;
      if (c == '>' && !in_subset) return p + 1;
      ++p;
    }
  }
  return p;
}

// One linear pass over the markup counting what libxml2 will build: elements (and their depth), attributes
// (namespace declarations included; libxml2 checks each against all the earlier ones of its element),
// comments and processing instructions. Where the markup is not well-formed the scan stops that tag where
// libxml2 stops too, and goes on; libxml2 then refuses the document.
Status scan_markup(std::string_view text, const signer::XmlLimits& limits) {
  const std::size_t end = text.size();
  const auto past = [&](std::size_t from, std::string_view close) {
    const std::size_t at = text.find(close, from);
    return at == std::string_view::npos ? end : at + close.size();
  };
  std::size_t nodes = 0;
  std::size_t depth = 0;
  const auto counted = [&]() -> Status {
    if (++nodes > limits.max_nodes)
      return too_much("has more than " + std::to_string(limits.max_nodes) +
                      " elements, attributes, comments and processing instructions");
    return {};
  };
  const auto name_char = [](char c) {
    return !is_space(c) && c != '=' && c != '>' && c != '/' && c != '<' && c != '"' && c != '\'';
  };
  for (std::size_t i = text.find('<'); i != std::string_view::npos; i = text.find('<', i)) {
    const std::string_view at = text.substr(i);
    if (at.starts_with("<!--")) {
      if (Status s = counted(); !s) return s;
      i = past(i + 4, "-->");
    } else if (at.starts_with("<![CDATA[")) {
      i = past(i + 9, "]]>");
    } else if (at.starts_with("<?")) {
      if (Status s = counted(); !s) return s;
      i = past(i + 2, "?>");
    } else if (at.starts_with("<!")) {
      i = past_declaration(text, i + 2);
    } else if (at.starts_with("</")) {
      if (depth > 0) --depth;
      i = past(i + 2, ">");
    } else {
      // A start tag (XML 1.0 [40], [44]): Name (S Attribute)* S? '/'? '>', where Attribute is Name Eq AttValue.
      if (Status s = counted(); !s) return s;
      if (++depth > limits.max_depth)
        return too_much("nests elements deeper than " + std::to_string(limits.max_depth) + " levels");
      std::size_t p = i + 1;
      while (p < end && name_char(text[p])) ++p;
      std::size_t attributes = 0;
      while (true) {
        while (p < end && is_space(text[p])) ++p;
        if (p >= end) break;
        if (text[p] == '>') {
          ++p;
          break;
        }
        if (text[p] == '/') {
          if (p + 1 < end && text[p + 1] == '>') {
            --depth;
            p += 2;
          }
          break;
        }
        const std::size_t name = p;
        while (p < end && name_char(text[p])) ++p;
        if (p == name) break;
        while (p < end && is_space(text[p])) ++p;
        if (p >= end || text[p] != '=') break;
        ++p;
        while (p < end && is_space(text[p])) ++p;
        if (p >= end || (text[p] != '"' && text[p] != '\'')) break;
        const std::size_t close = std::min(text.find(text[p], p + 1), end);
        // libxml2 refuses '<' in an attribute value (XML 1.0 [10]) and goes on from there.
        const auto value = text.substr(p + 1, close - p - 1);
        if (const std::size_t lt = value.find('<'); lt != std::string_view::npos) {
          p += 1 + lt;
          break;
        }
        p = std::min(close + 1, end);
        if (++attributes > limits.max_attributes)
          return too_much("has an element with more than " + std::to_string(limits.max_attributes) + " attributes");
        if (Status s = counted(); !s) return s;
      }
      i = p;
    }
  }
  return {};
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

// Qualified attributes, as exclusive C14N pushes them on its stack of rendered namespaces (xml:* excepted).
std::size_t qualified_attributes(const xmlNode* element) {
  std::size_t count = 0;
  for (const xmlAttr* a = element->properties; a != nullptr; a = a->next)
    if (a->ns != nullptr && !xmlStrEqual(a->ns->prefix, reinterpret_cast<const xmlChar*>("xml"))) ++count;
  return count;
}

// Depth-first without recursion: the depth limit, the qualified attributes in scope, and no entity reference
// left in the tree.
Status check_tree(const xmlNode* root, const signer::XmlLimits& limits) {
  std::vector<std::size_t> in_scope{qualified_attributes(root)};  // per level, the ancestors' and its own
  const xmlNode* n = root;
  while (true) {
    if (n->type == XML_ENTITY_REF_NODE) return invalid("XML refers to an entity; not accepted");
    if (n->type == XML_ELEMENT_NODE) {
      if (in_scope.size() > limits.max_depth)
        return too_much("nests elements deeper than " + std::to_string(limits.max_depth) + " levels");
      if (in_scope.back() > kMaxQualifiedAttributesInScope)
        return too_much("has more than " + std::to_string(kMaxQualifiedAttributesInScope) +
                        " qualified attributes on an element and its ancestors");
    }
    if (n->type == XML_ELEMENT_NODE && n->children != nullptr) {
      n = n->children;
      in_scope.push_back(in_scope.back() + (n->type == XML_ELEMENT_NODE ? qualified_attributes(n) : 0));
      continue;
    }
    while (n != root && n->next == nullptr) {
      n = n->parent;
      in_scope.pop_back();
    }
    if (n == root) return {};
    n = n->next;
    in_scope.back() = (in_scope.size() > 1 ? in_scope[in_scope.size() - 2] : 0) +
                      (n->type == XML_ELEMENT_NODE ? qualified_attributes(n) : 0);
  }
}

// libxml2 reads the document through this, a chunk at a time as its parse advances (also within one long
// start tag): past the deadline the read fails and so does the parse.
struct DeadlineInput {
  std::string_view rest;
  std::chrono::steady_clock::time_point deadline;
  bool expired = false;
};

int read_before_deadline(void* context, char* buffer, int length) {
  auto* input = static_cast<DeadlineInput*>(context);
  if (std::chrono::steady_clock::now() >= input->deadline) {
    input->expired = true;
    return -1;
  }
  const std::size_t n = std::min(input->rest.size(), static_cast<std::size_t>(std::max(length, 0)));
  std::memcpy(buffer, input->rest.data(), n);
  input->rest.remove_prefix(n);
  return static_cast<int>(n);
}

int close_input(void*) {
  return 0;
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

Status check_limits(std::span<const std::uint8_t> bytes, const signer::XmlLimits& limits) {
  auto view = markup_view(bytes);
  if (!view) return std::move(view).error();
  if (Status s = check_declared_encoding(*view); !s) return s;
  return scan_markup(view->text(), limits);
}

Result<DocPtr> parse_document(std::span<const std::uint8_t> bytes, const signer::XmlLimits& limits) {
  initialise_once();
  if (bytes.empty()) return invalid("XML document is empty");
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return invalid("XML document is too large");
  // Before libxml2 sees a byte: its check of each attribute against the earlier ones of its element is
  // quadratic (200,000 attributes on one element took minutes).
  if (Status s = check_limits(bytes, limits); !s) return std::move(s).error();

  std::unique_ptr<xmlParserCtxt, ParserContextFree> ctxt(xmlNewParserCtxt());
  if (!ctxt) return make_error(ErrorCode::internal, "XML parser: out of memory");
  OurParse ours;
  ctxt->_private = &ours;

  // No XML_PARSE_NOENT (substitute entities), DTDLOAD, DTDATTR, DTDVALID or XINCLUDE: nothing outside the
  // given bytes is read. NOBLANKS stays off: whitespace is content and is signed as such.
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES;
  ErrorCapture errors;
  DeadlineInput input{std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                      std::chrono::steady_clock::now() + limits.max_parse_time};
  DocPtr doc(xmlCtxtReadIO(ctxt.get(), read_before_deadline, close_input, &input, nullptr, nullptr, options));
  if (ours.external_entity_refused) return invalid("XML refers to an external entity or DTD; not accepted");
  if (input.expired)
    return too_much("took longer than " + std::to_string(limits.max_parse_time.count()) + " ms to parse");
  if (!doc) {
    if (errors.any() && errors.code() == XML_ERR_INTERNAL_ERROR && errors.message().find("depth") != std::string::npos)
      return too_much("nests elements deeper than " + std::to_string(limits.max_depth) + " levels");
    return invalid("XML is not well-formed: " + (errors.any() ? errors.described() : std::string("parse failed")));
  }
  if (ctxt->nsWellFormed == 0)
    return invalid("XML namespaces are not well-formed: " +
                   (errors.any() ? errors.described() : std::string("namespace error")));
  if (auto s = check_doctype(doc.get()); !s) return std::move(s).error();
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return invalid("XML document has no document element");
  if (auto s = check_tree(root, limits); !s) return std::move(s).error();
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
