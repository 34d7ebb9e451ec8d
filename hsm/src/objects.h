// Typed attribute templates and object searches: the only code that fills CK_ATTRIBUTE arrays.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding.h"
#include "core/result.h"
#include "pkcs11.h"

namespace firma::hsm::objects {

// An attribute template that owns its values, so a CK_ATTRIBUTE array never points at a temporary.
class Template {
 public:
  Template& add(CK_ATTRIBUTE_TYPE type, bool value);
  Template& add(CK_ATTRIBUTE_TYPE type, CK_ULONG value);
  Template& add(CK_ATTRIBUTE_TYPE type, std::span<const std::uint8_t> value);
  Template& add(CK_ATTRIBUTE_TYPE type, std::string_view value);

  // Valid until the template changes.
  CK_ATTRIBUTE* data();
  CK_ULONG size() const noexcept { return static_cast<CK_ULONG>(types_.size()); }

 private:
  std::vector<CK_ATTRIBUTE_TYPE> types_;
  std::vector<Bytes> values_;
  std::vector<CK_ATTRIBUTE> view_;
};

// Attribute values read back from one object; an attribute the object lacks or hides is absent.
class Attributes {
 public:
  Attributes(std::vector<CK_ATTRIBUTE_TYPE> types, std::vector<std::optional<Bytes>> values)
      : types_(std::move(types)), values_(std::move(values)) {}

  const std::optional<Bytes>& get(CK_ATTRIBUTE_TYPE type) const;
  Bytes bytes(CK_ATTRIBUTE_TYPE type) const;       // empty when absent
  std::string text(CK_ATTRIBUTE_TYPE type) const;  // the same bytes as text (CKA_LABEL, CKA_ID)
  std::optional<bool> flag(CK_ATTRIBUTE_TYPE type) const;
  std::optional<CK_ULONG> ulong(CK_ATTRIBUTE_TYPE type) const;

 private:
  std::vector<CK_ATTRIBUTE_TYPE> types_;
  std::vector<std::optional<Bytes>> values_;
};

// C_GetAttributeValue for `types` (sizes first, then values). Unknown or sensitive attributes come back
// absent (PKCS#11 v2.40 5.7: the call still fills the others).
Result<Attributes> read(CK_FUNCTION_LIST& f, p11::Call& call, CK_OBJECT_HANDLE object,
                        std::initializer_list<CK_ATTRIBUTE_TYPE> types);

// The same in one C_GetAttributeValue call, with `capacity` bytes per attribute: for scans, where the
// two-call form doubles the cost. An attribute larger than `capacity` comes back absent.
Result<Attributes> read_bounded(CK_FUNCTION_LIST& f, p11::Call& call, CK_OBJECT_HANDLE object,
                                std::initializer_list<CK_ATTRIBUTE_TYPE> types, std::size_t capacity);

// C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal: every object matching the template.
// SoftHSM2 walks the whole token for each search: never on a request path.
Result<std::vector<CK_OBJECT_HANDLE>> find(CK_FUNCTION_LIST& f, p11::Call& call, Template& match);

}  // namespace firma::hsm::objects
