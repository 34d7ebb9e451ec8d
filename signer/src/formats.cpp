// Dispatch from a document's format to its three phases; library exceptions stop here.
#include "signer/formats.h"

#include <exception>

#include "formats/format_impl.h"

namespace firma::signer {
namespace {

template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return make_error(ErrorCode::internal, std::string("signature format: ") + e.what());
  }
}

// A digest in place of the document, or a CMS for a PDF's /Contents, is a CAdES structure only.
Status cades_only_options(const DocumentRequest& r) {
  if ((r.content_is_digest || r.for_pdf) && r.format != Format::cades)
    return make_error(ErrorCode::invalid_request, "only a CAdES signature is made over a document digest");
  return {};
}

}  // namespace

std::string_view to_string(Format format) noexcept {
  switch (format) {
    case Format::raw: return "raw";
    case Format::cades: return "cades";
    case Format::pades: return "pades";
    case Format::xades: return "xades";
  }
  return "raw";
}

std::optional<Format> parse_format(std::string_view text) noexcept {
  for (Format f : {Format::raw, Format::cades, Format::pades, Format::xades})
    if (text == to_string(f)) return f;
  return std::nullopt;
}

Status validate(const DocumentRequest& r) {
  return guarded([&]() -> Status {
    if (Status s = cades_only_options(r); !s) return s;
    switch (r.format) {
      case Format::raw: return formats::validate_raw(r);
      case Format::cades: return formats::validate_cades(r);
      case Format::pades: return formats::validate_pades(r);
      case Format::xades: return formats::validate_xades(r);
    }
    return make_error(ErrorCode::invalid_request, "unknown format");
  });
}

Result<Prepared> prepare(const DocumentRequest& r, const CredentialView& c, Instant at) {
  return guarded([&]() -> Result<Prepared> {
    if (Status s = cades_only_options(r); !s) return std::move(s).error();
    switch (r.format) {
      case Format::raw: return formats::prepare_raw(r, c, at);
      case Format::cades: return formats::prepare_cades(r, c, at);
      case Format::pades: return formats::prepare_pades(r, c, at);
      case Format::xades: return formats::prepare_xades(r, c, at);
    }
    return make_error(ErrorCode::invalid_request, "unknown format");
  });
}

Result<Assembled> assemble(const DocumentRequest& r, const Prepared& p, const hsm::Signature& s,
                           const CredentialView& c) {
  return guarded([&]() -> Result<Assembled> {
    switch (r.format) {
      case Format::raw: return formats::assemble_raw(r, p, s, c);
      case Format::cades: return formats::assemble_cades(r, p, s, c);
      case Format::pades: return formats::assemble_pades(r, p, s, c);
      case Format::xades: return formats::assemble_xades(r, p, s, c);
    }
    return make_error(ErrorCode::invalid_request, "unknown format");
  });
}

}  // namespace firma::signer
