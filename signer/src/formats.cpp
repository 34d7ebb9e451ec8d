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

std::string_view to_string(Level level) noexcept {
  switch (level) {
    case Level::b: return "B";
    case Level::t: return "T";
    case Level::lt: return "LT";
    case Level::lta: return "LTA";
  }
  return "B";
}

std::optional<Level> parse_level(std::string_view text) noexcept {
  for (Level l : {Level::b, Level::t, Level::lt, Level::lta})
    if (text == to_string(l)) return l;
  return std::nullopt;
}

std::optional<Format> parse_format(std::string_view text) noexcept {
  for (Format f : {Format::raw, Format::cades, Format::pades, Format::xades})
    if (text == to_string(f)) return f;
  return std::nullopt;
}

Status validate(const DocumentRequest& r) {
  return guarded([&]() -> Status {
    if (Status s = cades_only_options(r); !s) return s;
    if (r.level != Level::b && r.format == Format::raw)
      return make_error(ErrorCode::invalid_request, "a raw signature has no levels: level must be B");
    // LTA for PAdES only (a document time stamp); CAdES's and XAdES's archive time stamps not yet.
    if (r.level == Level::lta && r.format != Format::pades)
      return make_error(ErrorCode::invalid_request,
                        "level LTA is not offered yet for " + std::string(to_string(r.format)) + ": use B, T or LT");
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
                           const CredentialView& c, const LongTermServices& t) {
  return guarded([&]() -> Result<Assembled> {
    switch (r.format) {
      case Format::raw: return formats::assemble_raw(r, p, s, c);
      case Format::cades: return formats::assemble_cades(r, p, s, c, t);
      case Format::pades: return formats::assemble_pades(r, p, s, c, t);
      case Format::xades: return formats::assemble_xades(r, p, s, c, t);
    }
    return make_error(ErrorCode::invalid_request, "unknown format");
  });
}

namespace formats {

Result<std::optional<Bytes>> signature_time_stamp(const DocumentRequest& request, const TimeStampFunction& timestamp,
                                                  std::span<const std::uint8_t> signed_digest) {
  if (request.level == Level::b) return std::optional<Bytes>();
  if (!timestamp) return make_error(ErrorCode::internal, "level T asked, but no time-stamping authority is wired");
  auto token = timestamp(request.digest_algorithm, signed_digest);
  if (!token) return make_error(token.error().code, "the signature time stamp: " + token.error().message);
  return std::optional<Bytes>(std::move(*token));
}

Result<std::optional<ValidationData>> validation_data(const DocumentRequest& request, const LongTermServices& long_term,
                                                      const CredentialView& credential) {
  if (request.level != Level::lt && request.level != Level::lta) return std::optional<ValidationData>();
  if (!long_term.validation_data)
    return make_error(ErrorCode::internal, "level LT asked, but no validation data is wired");
  auto gathered = long_term.validation_data(credential.certificate);
  if (!gathered) return make_error(gathered.error().code, "the validation data: " + gathered.error().message);
  return std::optional<ValidationData>(std::move(*gathered));
}

}  // namespace formats

}  // namespace firma::signer
