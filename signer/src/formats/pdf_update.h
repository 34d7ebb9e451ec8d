// PAdES's incremental update (ISO 32000-1 7.5.6): a signature field, its widget and its signature dictionary
// appended after the original bytes, which stay untouched so that earlier signatures stay valid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/result.h"
#include "signer/formats.h"

namespace firma::signer::formats::pdf {

// Refuses (invalid_request, naming the problem) what cannot be signed: not a PDF, a PDF qpdf cannot open
// without repairing it (truncated, broken cross-reference), an encrypted PDF, a PDF without pages, bytes before
// its %PDF-n.n header, a reference to a missing object at or past /Size, and a PDF whose signed form qpdf would
// not read back as written (the update is written with a placeholder signature and reopened, recovery off).
Status check_signable(std::span<const std::uint8_t> original);

// What to append to the original: the new and rewritten objects, a cross-reference section of the same
// kind as the original's last one (a table after a table, a stream after a stream: ISO 32000-1 7.5.8.4)
// and a trailer with /Prev. /ByteRange is already final; /Contents holds `contents_size` hex zeros.
struct SignatureUpdate {
  Bytes bytes;
  std::size_t contents_offset = 0;  // in `bytes`: the first hex digit of /Contents (after '<')
  std::size_t contents_size = 0;    // hex digits reserved: twice the bytes the CMS may take
};

// The update for a PAdES signature (ETSI EN 319 142-1 5.4: SubFilter ETSI.CAdES.detached, /M the claimed
// signing time) with room for a CMS of up to `cms_capacity` bytes. The field is invisible (Rect [0 0 0 0])
// and sits on the first page.
Result<SignatureUpdate> signature_update(std::span<const std::uint8_t> original, Instant signing_time,
                                         std::size_t cms_capacity);

// Level LTA (ETSI EN 319 142-1, PAdES-B-LTA): the update for a document time stamp (ISO 32000-2 12.8.5): a field like
// the signature's whose dictionary is /Type /DocTimeStamp, /SubFilter /ETSI.RFC3161, with room in /Contents for a
// TimeStampToken of up to `token_capacity` bytes over the byte ranges.
Result<SignatureUpdate> document_time_stamp_update(std::span<const std::uint8_t> pdf, std::size_t token_capacity);

// The signed byte ranges of original + update: everything but /Contents's hex string and its brackets.
struct ByteRanges {
  std::size_t first_length;  // [0, first_length)
  std::size_t second_start;  // [second_start, end of file)
};
ByteRanges byte_ranges(std::size_t original_size, const SignatureUpdate& update);

// Level LT (ETSI EN 319 142-1 5.4.2): what to append to a signed PDF so that it carries `data` in a Document
// Security Store (ISO 32000-2 12.8.4.3, ETSI EN 319 142-1 5.4.2.2): a further incremental update with one stream
// per certificate, OCSP response and CRL (DER), the DSS with /Certs, /OCSPs and /CRLs referring to them (added to
// an existing DSS's), and the catalog with /DSS. The signed revision is left as it is, so its signature stays valid.
Result<Bytes> security_store_update(std::span<const std::uint8_t> signed_pdf, const ValidationData& data);

}  // namespace firma::signer::formats::pdf
