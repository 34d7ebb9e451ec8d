// PAdES's incremental update: qpdf reads the original (latest revision), the update is written here as text.
#include "formats/pdf_update.h"

// qpdf 11: use std::shared_ptr, not its deprecated PointerHolder (qpdf/PointerHolder.hh).
#define POINTERHOLDER_TRANSITION 4
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <exception>
#include <limits>
#include <new>
#include <optional>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjGen.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace firma::signer::formats::pdf {
namespace {

constexpr std::size_t kByteRangeWidth = 34;  // "0 " and three ten-digit numbers with their spaces

// ISO 32000-1 Annex C.2 (table C.1): at most 8,388,607 indirect objects, generation numbers up to 65,535 (the
// five digits of a cross-reference entry, the two bytes of our cross-reference stream's field). A number past
// them in the original would be carried into the update (a /Size of 2147483647 once numbered a new object
// -2147483648), and no reader could open the signed file.
constexpr int kMaxObjects = 8'388'607;
constexpr int kMaxGeneration = 65'535;
constexpr int kNewObjects = 4;  // signature, field, AcroForm, cross-reference stream

Error refuse(const std::string& why) {
  return make_error(ErrorCode::invalid_request, "not a signable PDF: " + why);
}

std::string ref(QPDFObjGen og) {
  return std::to_string(og.getObj()) + " " + std::to_string(og.getGen()) + " R";
}

// Where the original's last cross-reference section starts, and whether it is a stream (ISO 32000-1 7.5.5:
// "startxref", the offset, "%%EOF" close the file).
struct LastSection {
  std::uint64_t offset = 0;
  bool is_stream = false;
};

std::optional<LastSection> last_section(std::string_view file) {
  const auto at = file.rfind("startxref");
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t i = at + 9;
  // A keyword on its own ("startxref6" is another token to qpdf, which then reads an earlier startxref).
  if ((at > 0 && !std::isspace(static_cast<unsigned char>(file[at - 1]))) ||
      (i < file.size() && !std::isspace(static_cast<unsigned char>(file[i]))))
    return std::nullopt;
  while (i < file.size() && std::isspace(static_cast<unsigned char>(file[i]))) ++i;
  if (i >= file.size() || !std::isdigit(static_cast<unsigned char>(file[i]))) return std::nullopt;
  std::uint64_t offset = 0;
  for (; i < file.size() && std::isdigit(static_cast<unsigned char>(file[i])); ++i) {
    offset = offset * 10 + static_cast<std::uint64_t>(file[i] - '0');
    if (offset >= file.size()) return std::nullopt;
  }
  // The offset is a whole token ("19\x862" is not 19): qpdf might read another number than ours, and the
  // update's /Prev would lead nowhere.
  if (i < file.size() && !std::isspace(static_cast<unsigned char>(file[i]))) return std::nullopt;
  std::size_t o = static_cast<std::size_t>(offset);
  while (o < file.size() && std::isspace(static_cast<unsigned char>(file[o]))) ++o;
  return LastSection{offset, file.substr(o, 4) != "xref"};
}

// Whether the last section's trailer (its dictionary, or its cross-reference stream's) gives /Prev or /XRefStm as
// a reference ("/Prev 7 0 R") where ISO 32000-1 7.5.5 and 7.5.8.4 want an offset. qpdf reads a key whose value is
// a missing object as absent, so it opens such a file; once an update has created that object (ours, or the next
// signature's), qpdf refuses the chain. Read from the text: qpdf's trailer no longer holds those keys.
bool offset_given_by_reference(std::string_view file, const LastSection& last) {
  std::string_view section = file.substr(static_cast<std::size_t>(last.offset));
  section = section.substr(0, section.find(last.is_stream ? "stream" : "startxref"));
  const auto space = [&](std::size_t& i) {
    const std::size_t from = i;
    while (i < section.size() && std::isspace(static_cast<unsigned char>(section[i]))) ++i;
    return i > from;
  };
  const auto digits = [&](std::size_t& i) {
    const std::size_t from = i;
    while (i < section.size() && std::isdigit(static_cast<unsigned char>(section[i]))) ++i;
    return i > from;
  };
  for (const std::string_view key : {std::string_view("/Prev"), std::string_view("/XRefStm")}) {
    for (auto at = section.find(key); at != std::string_view::npos; at = section.find(key, at + 1)) {
      std::size_t i = at + key.size();
      if (space(i) && digits(i) && space(i) && digits(i) && space(i) && i < section.size() && section[i] == 'R')
        return true;
    }
  }
  return false;
}

// Whether `object`'s own text (its direct arrays and dictionaries, not the objects it refers to) refers to an
// object numbered `next` or above: one that does not exist, whose number the update would give to a new object.
bool refers_beyond(QPDFObjectHandle object, int next) {
  std::vector<QPDFObjectHandle> pending{std::move(object)};
  bool top = true;
  while (!pending.empty()) {
    QPDFObjectHandle item = std::move(pending.back());
    pending.pop_back();
    if (!top && item.isIndirect()) {
      if (item.getObjectID() >= next) return true;
      continue;
    }
    top = false;
    if (item.isArray()) {
      for (int i = 0; i < item.getArrayNItems(); ++i) pending.push_back(item.getArrayItem(i));
    } else if (item.isDictionary()) {
      for (const auto& key : item.getKeys()) pending.push_back(item.getKey(key));
    }
  }
  return false;
}

// A dictionary's unparsed text with `entries` added before its closing ">>".
std::string with_entries(QPDFObjectHandle dictionary, const std::vector<std::string>& remove,
                         const std::string& entries) {
  QPDFObjectHandle copy = dictionary.shallowCopy();
  for (const auto& key : remove) copy.removeKey(key);
  std::string text = copy.unparse();
  if (text.size() < 2 || text.compare(text.size() - 2, 2, ">>") != 0) throw std::runtime_error("bad dictionary text");
  text.resize(text.size() - 2);
  return text + entries + " >>";
}

// An array's items as PDF text (references stay references), followed by `extra`.
std::string array_with(QPDFObjectHandle array, const std::string& extra) {
  std::string text = "[";
  if (array.isArray()) {
    for (int i = 0; i < array.getArrayNItems(); ++i) text += " " + array.getArrayItem(i).unparse();
  }
  return text + " " + extra + " ]";
}

// D:YYYYMMDDHHmmSS+00'00' (ISO 32000-1 7.9.4), in UTC.
std::string pdf_date(Instant at) {
  const auto days = std::chrono::floor<std::chrono::days>(at);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{at - days};
  char text[40];
  std::snprintf(text, sizeof text, "D:%04d%02u%02u%02ld%02ld%02ld+00'00'", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()));
  return text;
}

struct Entry {
  int number;
  int generation;
  std::uint64_t offset;
  bool operator<(const Entry& other) const { return number < other.number; }
};

// Consecutive object numbers form one subsection (ISO 32000-1 7.5.4, 7.5.8.2 /Index).
std::vector<std::pair<int, int>> subsections(const std::vector<Entry>& sorted) {
  std::vector<std::pair<int, int>> out;
  for (const Entry& e : sorted) {
    if (!out.empty() && out.back().first + out.back().second == e.number)
      ++out.back().second;
    else
      out.emplace_back(e.number, 1);
  }
  return out;
}

// Everything read from the original that the update needs; built by one pass with qpdf.
struct Plan {
  LastSection last;
  int next_number = 0;
  std::string root_ref;
  std::string info;  // unparsed /Info, or empty
  std::string id;    // unparsed /ID, or empty
  std::string field_name;
  QPDFObjGen page;
  // Objects the update rewrites (same number and generation) and what they become, except the
  // references to new objects, which are only known when numbers are handed out.
  QPDFObjectHandle root;
  // (qpdf's default handle is "uninitialised", not null: every optional one starts as a PDF null.)
  QPDFObjectHandle acro_form = QPDFObjectHandle::newNull();    // the indirect AcroForm to rewrite, or null
  QPDFObjectHandle old_fields = QPDFObjectHandle::newNull();   // the existing /Fields array, or null
  QPDFObjectHandle form_source = QPDFObjectHandle::newNull();  // a direct AcroForm to copy, or null
  QPDFObjectHandle page_object;
  QPDFObjectHandle annots;  // the page's /Annots as it is (indirect, direct or null)
};

// Opens `file` without warnings on stderr and with recovery off: a PDF qpdf must repair is one whose offsets we
// cannot append to faithfully, and one a verifier may read otherwise than we did.
Status open_strictly(QPDF& qpdf, const char* name, std::string_view file, const std::string& failure) {
  try {
    qpdf.setSuppressWarnings(true);
    qpdf.setAttemptRecovery(false);
    qpdf.processMemoryFile(name, file.data(), file.size());
  } catch (const std::exception& e) {
    return refuse(failure + " (" + e.what() + ")");
  }
  return {};
}

Result<Plan> read_original(QPDF& qpdf, std::span<const std::uint8_t> original) {
  const std::string_view file(reinterpret_cast<const char*>(original.data()), original.size());
  // The header at byte 0: qpdf counts offsets from wherever it finds "%PDF-", the update counts them from the
  // file's first byte, so bytes before the header would make the signed file's offsets wrong for qpdf.
  if (file.size() < 8 || !file.starts_with("%PDF-") || !std::isdigit(static_cast<unsigned char>(file[5])) ||
      file[6] != '.' || !std::isdigit(static_cast<unsigned char>(file[7])))
    return refuse("it does not begin with a %PDF-n.n header");
  if (original.size() >= std::numeric_limits<std::uint32_t>::max()) return refuse("larger than 4 GB");
  if (Status opened = open_strictly(qpdf, "document", file, "qpdf cannot open it"); !opened)
    return std::move(opened).error();
  // Warnings about the file as a whole (a /Size larger than needed...) were always tolerated; from here on, a
  // warning comes from reading an object the update uses or rewrites (see the end of this function).
  (void)qpdf.getWarnings();
  if (qpdf.isEncrypted()) return refuse("it is encrypted");
  auto last = last_section(file);
  if (!last) return refuse("no startxref at its end");

  Plan plan;
  plan.last = *last;
  QPDFObjectHandle trailer = qpdf.getTrailer();
  // Every number taken from the original is checked before it is used (ISO 32000-1 7.5.5: /Size is one past
  // the highest object number).
  QPDFObjectHandle size = trailer.getKey("/Size");
  if (!size.isInteger() || size.getIntValue() < 1 || size.getIntValue() > kMaxObjects - kNewObjects)
    return refuse("its trailer's /Size is not an object count from 1 to " + std::to_string(kMaxObjects - kNewObjects));
  if (offset_given_by_reference(file, *last)) return refuse("its trailer's /Prev or /XRefStm is not an offset");
  int next = static_cast<int>(size.getIntValue());
  for (const auto& [og, entry] : qpdf.getXRefTable()) {
    if (og.getObj() < 0 || og.getObj() >= kMaxObjects - kNewObjects)
      return refuse("object number " + std::to_string(og.getObj()) + " is out of range");
    if (og.getGen() < 0 || og.getGen() > kMaxGeneration)
      return refuse("generation number " + std::to_string(og.getGen()) + " is out of range");
    next = std::max(next, og.getObj() + 1);
  }
  // New objects take numbers no revision has used.
  plan.next_number = next;

  plan.root = qpdf.getRoot();
  if (!plan.root.isIndirect() || !plan.root.isDictionary()) return refuse("its catalog is not an indirect dictionary");
  plan.root_ref = ref(plan.root.getObjGen());
  if (QPDFObjectHandle info = trailer.getKey("/Info"); info.isIndirect()) plan.info = info.unparse();
  if (QPDFObjectHandle id = trailer.getKey("/ID"); id.isArray()) plan.id = id.unparse();

  const auto& pages = qpdf.getAllPages();
  if (pages.empty()) return refuse("it has no pages");
  plan.page_object = pages.front();
  plan.page = plan.page_object.getObjGen();
  if (!plan.page_object.isIndirect() || plan.page.getObj() >= plan.next_number)
    return refuse("its page tree needs repair");
  plan.annots = plan.page_object.getKey("/Annots");
  if (!plan.annots.isNull() && !plan.annots.isArray()) return refuse("its first page's /Annots is not an array");

  // AcroForm: extend the existing one (ISO 32000-1 12.7.2) or make one; either way /SigFlags 3
  // (SignaturesExist, AppendOnly: 12.7.2 table 219).
  QPDFObjectHandle form = plan.root.getKey("/AcroForm");
  if (form.isDictionary()) {
    if (form.isIndirect())
      plan.acro_form = form;
    else
      plan.form_source = form;
    plan.old_fields = form.getKey("/Fields");
    if (!plan.old_fields.isNull() && !plan.old_fields.isArray()) return refuse("its /AcroForm /Fields is not an array");
  }
  // What the update writes again (or refers to from its trailer) must not refer to a missing object at or past
  // /Size: the update would give that number to one of its new objects (a page's /Annots would become the
  // signature dictionary).
  for (const QPDFObjectHandle& written : {plan.root, plan.page_object, plan.annots, plan.acro_form, plan.form_source,
                                          plan.old_fields, trailer.getKey("/Info"), trailer.getKey("/ID")}) {
    if ((written.isIndirect() && written.getObjectID() >= plan.next_number) || refers_beyond(written, plan.next_number))
      return refuse("it refers to object " + std::to_string(plan.next_number) + " or above, which does not exist");
  }
  std::set<std::string> names;
  if (plan.old_fields.isArray()) {
    for (int i = 0; i < plan.old_fields.getArrayNItems(); ++i) {
      QPDFObjectHandle field = plan.old_fields.getArrayItem(i);
      if (field.isDictionary()) {
        if (QPDFObjectHandle t = field.getKey("/T"); t.isString()) names.insert(t.getUTF8Value());
      }
    }
  }
  for (int n = 1;; ++n) {
    plan.field_name = "Signature" + std::to_string(n);
    if (!names.contains(plan.field_name)) break;
  }
  // A warning now means qpdf repaired or left out part of an object it read (an unreadable object, a structure
  // nested too deeply): the update would rewrite objects from that partial reading.
  if (qpdf.anyWarnings()) {
    const auto warnings = qpdf.getWarnings();
    return refuse("qpdf had to repair it" +
                  (warnings.empty() ? std::string() : std::string(" (") + warnings.front().what() + ")"));
  }
  return plan;
}

// What qpdf throws while it reads (a damaged object, a loop in the page tree) is the document's fault, known
// when the transaction is created: invalid_request, never an internal error. Only memory exhaustion is ours.
template <class F>
auto reading(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    return refuse(std::string("qpdf cannot read it (") + e.what() + ")");
  }
}

// An update and where it put what a reader must find again.
struct Written {
  SignatureUpdate update;
  QPDFObjGen root;
  QPDFObjGen page;
  int signature_number = 0;
  int field_number = 0;
};

// What the update's signature dictionary is: a signature (its time, /M, given) or a document time stamp.
enum class Kind { signature, document_time_stamp };

Result<Written> write_update(std::span<const std::uint8_t> original, Instant signing_time, std::size_t cms_capacity,
                             Kind kind = Kind::signature);

bool holds(QPDFObjectHandle array, QPDFObjGen item) {
  if (!array.isArray()) return false;
  for (int i = 0; i < array.getArrayNItems(); ++i) {
    if (array.getArrayItem(i).getObjGen() == item) return true;
  }
  return false;
}

// Opens original + update as a verifier will (qpdf, recovery off) and checks that it reads what the update
// wrote: the catalog, the first page, the field on that page and in the AcroForm, its signature dictionary.
// What the original's reading cannot tell (an offset qpdf reads from elsewhere than we do, a /Prev chain qpdf
// only follows from the update) shows here, when the transaction is created, not after the HSM has signed.
Status reads_back(std::span<const std::uint8_t> original, const Written& written) {
  std::string file(original.begin(), original.end());
  file.append(written.update.bytes.begin(), written.update.bytes.end());
  QPDF qpdf;
  if (Status opened = open_strictly(qpdf, "signed", file, "once signed, qpdf could not open it"); !opened)
    return opened;
  const QPDFObjGen signature(written.signature_number, 0);
  const QPDFObjGen field(written.field_number, 0);
  QPDFObjectHandle root = qpdf.getRoot();
  const auto& pages = qpdf.getAllPages();
  QPDFObjectHandle first_page = pages.empty() ? QPDFObjectHandle::newNull() : pages.front();
  QPDFObjectHandle dictionary = qpdf.getObjectByObjGen(signature);
  QPDFObjectHandle widget = qpdf.getObjectByObjGen(field);
  const bool as_written = root.getObjGen() == written.root && first_page.getObjGen() == written.page &&
                          holds(first_page.getKey("/Annots"), field) && root.getKey("/AcroForm").isDictionary() &&
                          holds(root.getKey("/AcroForm").getKey("/Fields"), field) && widget.isDictionary() &&
                          widget.getKey("/V").getObjGen() == signature && dictionary.isDictionary() &&
                          dictionary.getKey("/Type").isNameAndEquals("/Sig") &&
                          dictionary.getKey("/Contents").isString();
  if (!as_written) return refuse("once signed, qpdf would not read the signature where it was written");
  return {};
}

}  // namespace

Status check_signable(std::span<const std::uint8_t> original) {
  return reading([&]() -> Status {
    // The smallest room for the CMS: the structure, not the signature, is checked.
    auto written = write_update(original, Instant{}, 1);
    if (!written) return std::move(written).error();
    return reads_back(original, *written);
  });
}

Result<SignatureUpdate> signature_update(std::span<const std::uint8_t> original, Instant signing_time,
                                         std::size_t cms_capacity) {
  return reading([&]() -> Result<SignatureUpdate> {
    auto written = write_update(original, signing_time, cms_capacity);
    if (!written) return std::move(written).error();
    return std::move(written->update);
  });
}

Result<SignatureUpdate> document_time_stamp_update(std::span<const std::uint8_t> pdf, std::size_t token_capacity) {
  return reading([&]() -> Result<SignatureUpdate> {
    auto written = write_update(pdf, Instant{}, token_capacity, Kind::document_time_stamp);
    if (!written) return std::move(written).error();
    return std::move(written->update);
  });
}

ByteRanges byte_ranges(std::size_t original_size, const SignatureUpdate& update) {
  return ByteRanges{original_size + update.contents_offset - 1,
                    original_size + update.contents_offset + update.contents_size + 1};
}

namespace {

// The cross-reference section and trailer of the revision whose objects `entries` lists (written in `out`, which
// follows `base` bytes of earlier revisions): of the same kind as the last one (ISO 32000-1 7.5.8.4), with /Prev.
// `next` is the first unused object number; a cross-reference stream takes it. Returns the section's offset.
std::uint64_t append_cross_reference(std::string& out, std::vector<Entry>& entries, std::size_t base, const Plan& plan,
                                     int& next) {
  std::string trailer_entries = " /Root " + plan.root_ref;
  if (!plan.info.empty()) trailer_entries += " /Info " + plan.info;
  if (!plan.id.empty()) trailer_entries += " /ID " + plan.id;
  trailer_entries += " /Prev " + std::to_string(plan.last.offset);

  std::uint64_t xref_offset = 0;
  if (!plan.last.is_stream) {
    std::sort(entries.begin(), entries.end());
    xref_offset = base + out.size();
    out += "xref\n";
    auto entry = entries.begin();
    for (auto [first, count] : subsections(entries)) {
      out += std::to_string(first) + " " + std::to_string(count) + "\n";
      for (int i = 0; i < count; ++i, ++entry) {
        char line[24];
        // Exactly 20 bytes per entry, the end-of-line included (ISO 32000-1 7.5.4).
        std::snprintf(line, sizeof line, "%010llu %05d n\r\n", static_cast<unsigned long long>(entry->offset),
                      entry->generation);
        out += line;
      }
    }
    out += "trailer\n<< /Size " + std::to_string(next) + trailer_entries + " >>\n";
  } else {
    // A cross-reference stream (7.5.8): uncompressed, W [1 4 2], with its own entry.
    const int xref_number = next++;
    xref_offset = base + out.size();
    entries.push_back(Entry{xref_number, 0, xref_offset});
    std::sort(entries.begin(), entries.end());
    std::string data;
    for (const Entry& e : entries) {
      data += static_cast<char>(1);
      for (int shift = 24; shift >= 0; shift -= 8) data += static_cast<char>((e.offset >> shift) & 0xff);
      data += static_cast<char>((e.generation >> 8) & 0xff);
      data += static_cast<char>(e.generation & 0xff);
    }
    std::string index;
    for (auto [first, count] : subsections(entries)) index += " " + std::to_string(first) + " " + std::to_string(count);
    out += std::to_string(xref_number) + " 0 obj\n<< /Type /XRef /Size " + std::to_string(next) +
           " /W [1 4 2] /Index [" + index + " ]" + trailer_entries + " /Length " + std::to_string(data.size()) +
           " >>\nstream\n" + data + "\nendstream\nendobj\n";
  }
  return xref_offset;
}

Result<Written> write_update(std::span<const std::uint8_t> original, Instant signing_time, std::size_t cms_capacity,
                             Kind kind) {
  QPDF qpdf;
  auto read = read_original(qpdf, original);
  if (!read) return std::move(read).error();
  Plan& plan = *read;

  const std::size_t base = original.size();
  std::string out;
  // The original may end without an end-of-line after %%EOF; new objects start on a line of their own.
  if (base > 0 && original.back() != '\n' && original.back() != '\r') out += "\n";
  std::vector<Entry> entries;
  const auto begin_object = [&](int number, int generation) {
    entries.push_back(Entry{number, generation, base + out.size()});
    out += std::to_string(number) + " " + std::to_string(generation) + " obj\n";
  };
  const auto end_object = [&] { out += "\nendobj\n"; };

  int next = plan.next_number;
  const int signature_number = next++;
  const int field_number = next++;
  const int form_number = plan.acro_form.isNull() ? next++ : plan.acro_form.getObjectID();
  const std::string field_ref = std::to_string(field_number) + " 0 R";

  // The signature dictionary (ISO 32000-1 12.8.1 table 252; ETSI EN 319 142-1 5.4).
  begin_object(signature_number, 0);
  // A document time stamp (ISO 32000-2 12.8.5) has no /M: its time is the token's.
  out += kind == Kind::signature
             ? "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M (" + pdf_date(signing_time) +
                   ") /ByteRange ["
             : "<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange [";
  const std::size_t byte_range_at = out.size();
  out += std::string(kByteRangeWidth, ' ') + "] /Contents <";
  SignatureUpdate update;
  update.contents_offset = out.size();
  update.contents_size = 2 * cms_capacity;
  out += std::string(update.contents_size, '0') + "> >>";
  end_object();

  // The field merged with its widget (12.5.6.19, 12.7.4.5): invisible, printable and locked (/F 132).
  begin_object(field_number, 0);
  out += "<< /Type /Annot /Subtype /Widget /FT /Sig /T (" + plan.field_name + ") /V " +
         std::to_string(signature_number) + " 0 R /F 132 /Rect [0 0 0 0] /P " + ref(plan.page) + " >>";
  end_object();

  // The AcroForm with the new field.
  const std::string fields = array_with(plan.old_fields, field_ref);
  if (!plan.acro_form.isNull()) {
    begin_object(form_number, plan.acro_form.getGeneration());
    out += with_entries(plan.acro_form, {"/Fields", "/SigFlags"}, " /Fields " + fields + " /SigFlags 3");
  } else {
    begin_object(form_number, 0);
    if (!plan.form_source.isNull())
      out += with_entries(plan.form_source, {"/Fields", "/SigFlags"}, " /Fields " + fields + " /SigFlags 3");
    else
      out += "<< /Fields " + fields + " /SigFlags 3 >>";
    end_object();
    // The catalog now points at the new AcroForm.
    begin_object(plan.root.getObjectID(), plan.root.getGeneration());
    out += with_entries(plan.root, {"/AcroForm"}, " /AcroForm " + std::to_string(form_number) + " 0 R");
  }
  end_object();

  // The widget on the first page: extend an indirect /Annots array in place, else rewrite the page.
  if (plan.annots.isIndirect()) {
    begin_object(plan.annots.getObjectID(), plan.annots.getGeneration());
    out += array_with(plan.annots, field_ref);
  } else {
    begin_object(plan.page.getObj(), plan.page.getGen());
    out += with_entries(plan.page_object, {"/Annots"}, " /Annots " + array_with(plan.annots, field_ref));
  }
  end_object();

  const std::uint64_t xref_offset = append_cross_reference(out, entries, base, plan, next);
  out += "startxref\n" + std::to_string(xref_offset) + "\n%%EOF\n";
  if (base + out.size() >= std::numeric_limits<std::uint32_t>::max()) return refuse("larger than 4 GB once signed");

  // /ByteRange [0 a b c]: all but "<...>" of /Contents (ISO 32000-1 12.8.1).
  const ByteRanges ranges = byte_ranges(base, SignatureUpdate{{}, update.contents_offset, update.contents_size});
  const std::size_t total = base + out.size();
  const std::string byte_range = "0 " + std::to_string(ranges.first_length) + " " +
                                 std::to_string(ranges.second_start) + " " +
                                 std::to_string(total - ranges.second_start);
  out.replace(byte_range_at, byte_range.size(), byte_range);

  update.bytes.assign(out.begin(), out.end());
  return Written{std::move(update), plan.root.getObjGen(), plan.page, signature_number, field_number};
}

}  // namespace

Result<Bytes> security_store_update(std::span<const std::uint8_t> signed_pdf, const ValidationData& data) {
  return reading([&]() -> Result<Bytes> {
    QPDF qpdf;
    auto read = read_original(qpdf, signed_pdf);
    if (!read) return std::move(read).error();
    Plan& plan = *read;
    const std::size_t base = signed_pdf.size();
    std::string out;
    if (base > 0 && signed_pdf.back() != '\n' && signed_pdf.back() != '\r') out += "\n";
    std::vector<Entry> entries;
    int next = plan.next_number;
    // Each value in a stream of its own, as it is (DER; no filter), referred to from the DSS's arrays.
    const auto streams = [&](const std::vector<Bytes>& values) {
      std::string refs;
      for (const Bytes& value : values) {
        const int number = next++;
        entries.push_back(Entry{number, 0, base + out.size()});
        out += std::to_string(number) + " 0 obj\n<< /Length " + std::to_string(value.size()) + " >>\nstream\n";
        out.append(value.begin(), value.end());
        out += "\nendstream\nendobj\n";
        refs += " " + std::to_string(number) + " 0 R";
      }
      return refs;
    };
    // A DSS already there (an earlier signature's) keeps what it holds; ours is added to its arrays.
    QPDFObjectHandle old = plan.root.getKey("/DSS");
    const auto array = [&](const char* key, const std::vector<Bytes>& values) {
      return array_with(old.isDictionary() ? old.getKey(key) : QPDFObjectHandle::newNull(), streams(values));
    };
    const std::string entries_text = " /Type /DSS /Certs " + array("/Certs", data.certificates) + " /OCSPs " +
                                     array("/OCSPs", data.ocsp_responses) + " /CRLs " + array("/CRLs", data.crls);
    const int dss_number = next++;
    entries.push_back(Entry{dss_number, 0, base + out.size()});
    out += std::to_string(dss_number) + " 0 obj\n" +
           (old.isDictionary() ? with_entries(old, {"/Type", "/Certs", "/OCSPs", "/CRLs"}, entries_text)
                               : "<<" + entries_text + " >>") +
           "\nendobj\n";
    // The catalog, rewritten with /DSS (ISO 32000-2 12.8.4.3: a catalog entry).
    entries.push_back(Entry{plan.root.getObjectID(), plan.root.getGeneration(), base + out.size()});
    out += plan.root_ref.substr(0, plan.root_ref.size() - 2) + " obj\n" +
           with_entries(plan.root, {"/DSS"}, " /DSS " + std::to_string(dss_number) + " 0 R") + "\nendobj\n";
    const std::uint64_t xref_offset = append_cross_reference(out, entries, base, plan, next);
    out += "startxref\n" + std::to_string(xref_offset) + "\n%%EOF\n";
    if (base + out.size() >= std::numeric_limits<std::uint32_t>::max())
      return refuse("larger than 4 GB with its validation data");
    return Bytes(out.begin(), out.end());
  });
}

}  // namespace firma::signer::formats::pdf
