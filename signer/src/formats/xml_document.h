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

namespace firma::signer::xml {

struct DocFree {
  void operator()(xmlDoc* doc) const noexcept { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

// Deeper nesting is refused before anything else happens: libxml2's C14N and serialiser recurse per level.
inline constexpr std::size_t kMaxNesting = 128;

// Parses a document to sign. Never resolves an entity or loads a DTD (XML_PARSE_NONET, no NOENT, no
// DTDLOAD, and the entity resolver of this parser refuses anyway). Refused with invalid_request: an empty
// input, XML that is not well-formed, no document element, a DOCTYPE that declares entities or attribute
// defaults or refers to an external DTD (either would make what a verifier reads differ from what we
// signed), nesting deeper than kMaxNesting.
Result<DocPtr> parse_document(std::span<const std::uint8_t> bytes);

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
