// XML documents from untrusted bytes: a guarded libxml2 parse, exclusive C14N digests and serialisation.
#pragma once

#include <libxml/tree.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "core/encoding.h"
#include "core/result.h"
#include "hsm/algorithms.h"
#include "signer/formats.h"

namespace firma::signer::xml {

struct DocFree {
  void operator()(xmlDoc* doc) const noexcept { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

// Exclusive C14N looks each qualified name up in a stack of the namespaces rendered by the ancestors (libxml2's
// xmlExcC14NVisibleNsStackFind, linear): bounding the qualified attributes in scope bounds that work per node.
inline constexpr std::size_t kMaxQualifiedAttributesInScope = 256;

// Parses a document to sign. Never resolves an entity or loads a DTD (XML_PARSE_NONET, no NOENT, no
// DTDLOAD, and the entity resolver of this parser refuses anyway). Refused with invalid_request: an empty
// input, XML that is not well-formed, no document element, a DOCTYPE that declares entities or attribute
// defaults or refers to an external DTD (either would make what a verifier reads differ from what we
// signed). Refused with payload_too_large: a document past `limits` (found by a scan of the bytes before
// libxml2 parses them, by the parse's deadline, or by the check of the tree), or with more than
// kMaxQualifiedAttributesInScope qualified attributes on an element and its ancestors.
Result<DocPtr> parse_document(std::span<const std::uint8_t> bytes, const signer::XmlLimits& limits);

// The byte scan on its own: attributes per element, nodes and depth as libxml2 will count them, in one linear
// pass and without building anything. (What is not well-formed is left for libxml2 to refuse.)
Status check_limits(std::span<const std::uint8_t> bytes, const signer::XmlLimits& limits);

// Digest of the exclusive canonical form without comments (Exclusive XML Canonicalization 1.0,
// http://www.w3.org/2001/10/xml-exc-c14n#) of:
//  - the whole document when `apex` is null, leaving out the subtree at `excluded` when it is not null
//    (XML-DSig 1.1 6.6.4 enveloped-signature over URI="", XML-DSig 4.4.3.3: "" means without comments);
//  - the subtree at `apex` otherwise (a same-document reference "#id", or SignedInfo itself).
// Streams into the hash: the canonical bytes are never held in memory.
Result<Bytes> exclusive_c14n_digest(xmlDoc* doc, const xmlNode* apex, const xmlNode* excluded,
                                    hsm::DigestAlgorithm algorithm);

// The document as bytes in its own declared encoding (UTF-8 when none), without reformatting.
Result<Bytes> serialize(xmlDoc* doc);

}  // namespace firma::signer::xml
