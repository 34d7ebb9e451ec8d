// Attribute templates, attribute reads and object searches.
#include "objects.h"

#include <cstring>

namespace firma::hsm::objects {

Template& Template::add(CK_ATTRIBUTE_TYPE type, bool value) {
  types_.push_back(type);
  values_.push_back(Bytes{static_cast<std::uint8_t>(value ? CK_TRUE : CK_FALSE)});
  return *this;
}

Template& Template::add(CK_ATTRIBUTE_TYPE type, CK_ULONG value) {
  Bytes bytes(sizeof value);
  std::memcpy(bytes.data(), &value, sizeof value);
  types_.push_back(type);
  values_.push_back(std::move(bytes));
  return *this;
}

Template& Template::add(CK_ATTRIBUTE_TYPE type, std::span<const std::uint8_t> value) {
  types_.push_back(type);
  values_.emplace_back(value.begin(), value.end());
  return *this;
}

Template& Template::add(CK_ATTRIBUTE_TYPE type, std::string_view value) {
  return add(type, std::span(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()));
}

CK_ATTRIBUTE* Template::data() {
  view_.clear();
  for (std::size_t i = 0; i < types_.size(); ++i) {
    view_.push_back(CK_ATTRIBUTE{types_[i], values_[i].empty() ? nullptr : values_[i].data(),
                                 static_cast<CK_ULONG>(values_[i].size())});
  }
  return view_.data();
}

const std::optional<Bytes>& Attributes::get(CK_ATTRIBUTE_TYPE type) const {
  static const std::optional<Bytes> absent;
  for (std::size_t i = 0; i < types_.size(); ++i) {
    if (types_[i] == type) return values_[i];
  }
  return absent;
}

Bytes Attributes::bytes(CK_ATTRIBUTE_TYPE type) const {
  const auto& v = get(type);
  return v ? *v : Bytes{};
}

std::string Attributes::text(CK_ATTRIBUTE_TYPE type) const {
  const auto& v = get(type);
  return v ? std::string(v->begin(), v->end()) : std::string();
}

std::optional<bool> Attributes::flag(CK_ATTRIBUTE_TYPE type) const {
  const auto& v = get(type);
  if (!v || v->size() != sizeof(CK_BBOOL)) return std::nullopt;
  return (*v)[0] != CK_FALSE;
}

std::optional<CK_ULONG> Attributes::ulong(CK_ATTRIBUTE_TYPE type) const {
  const auto& v = get(type);
  if (!v || v->size() != sizeof(CK_ULONG)) return std::nullopt;
  CK_ULONG out = 0;
  std::memcpy(&out, v->data(), sizeof out);
  return out;
}

Result<Attributes> read(CK_FUNCTION_LIST& f, p11::Call& call, CK_OBJECT_HANDLE object,
                        std::initializer_list<CK_ATTRIBUTE_TYPE> types) {
  const CK_SESSION_HANDLE session = call.session;
  std::vector<CK_ATTRIBUTE_TYPE> type_list(types);
  std::vector<CK_ATTRIBUTE> query;
  for (CK_ATTRIBUTE_TYPE t : type_list) query.push_back(CK_ATTRIBUTE{t, nullptr, 0});

  auto acceptable = [](CK_RV rv) {
    return rv == CKR_OK || rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE;
  };
  CK_RV rv = f.C_GetAttributeValue(session, object, query.data(), static_cast<CK_ULONG>(query.size()));
  if (!acceptable(rv)) return call.fail("C_GetAttributeValue", rv);

  std::vector<std::optional<Bytes>> values(type_list.size());
  for (std::size_t i = 0; i < query.size(); ++i) {
    if (query[i].ulValueLen == CK_UNAVAILABLE_INFORMATION) continue;
    values[i].emplace(query[i].ulValueLen);
    query[i].pValue = values[i]->empty() ? nullptr : values[i]->data();
  }
  // Only the attributes that exist are asked for their values.
  std::vector<CK_ATTRIBUTE> present;
  for (const CK_ATTRIBUTE& a : query) {
    if (a.ulValueLen != CK_UNAVAILABLE_INFORMATION && a.ulValueLen != 0) present.push_back(a);
  }
  if (!present.empty()) {
    rv = f.C_GetAttributeValue(session, object, present.data(), static_cast<CK_ULONG>(present.size()));
    if (!acceptable(rv)) return call.fail("C_GetAttributeValue", rv);
  }
  return Attributes(std::move(type_list), std::move(values));
}

Result<Attributes> read_bounded(CK_FUNCTION_LIST& f, p11::Call& call, CK_OBJECT_HANDLE object,
                                std::initializer_list<CK_ATTRIBUTE_TYPE> types, std::size_t capacity) {
  std::vector<CK_ATTRIBUTE_TYPE> type_list(types);
  std::vector<Bytes> buffers(type_list.size(), Bytes(capacity));
  std::vector<CK_ATTRIBUTE> query;
  for (std::size_t i = 0; i < type_list.size(); ++i) {
    query.push_back(CK_ATTRIBUTE{type_list[i], buffers[i].data(), static_cast<CK_ULONG>(capacity)});
  }
  CK_RV rv = f.C_GetAttributeValue(call.session, object, query.data(), static_cast<CK_ULONG>(query.size()));
  // PKCS#11 v2.40 5.7: each attribute that is missing, hidden or too large for its buffer is marked
  // CK_UNAVAILABLE_INFORMATION and the others are filled, whichever of those errors is returned.
  if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE && rv != CKR_BUFFER_TOO_SMALL) {
    return call.fail("C_GetAttributeValue", rv);
  }
  std::vector<std::optional<Bytes>> values(type_list.size());
  for (std::size_t i = 0; i < query.size(); ++i) {
    if (query[i].ulValueLen == CK_UNAVAILABLE_INFORMATION || query[i].ulValueLen > capacity) continue;
    buffers[i].resize(query[i].ulValueLen);
    values[i] = std::move(buffers[i]);
  }
  return Attributes(std::move(type_list), std::move(values));
}

Result<std::vector<CK_OBJECT_HANDLE>> find(CK_FUNCTION_LIST& f, p11::Call& call, Template& match) {
  const CK_SESSION_HANDLE session = call.session;
  CK_RV rv = f.C_FindObjectsInit(session, match.data(), match.size());
  if (rv != CKR_OK) return call.fail("C_FindObjectsInit", rv);
  std::vector<CK_OBJECT_HANDLE> out;
  CK_OBJECT_HANDLE batch[256];
  for (;;) {
    CK_ULONG n = 0;
    rv = f.C_FindObjects(session, batch, 256, &n);
    if (rv != CKR_OK || n == 0) break;
    out.insert(out.end(), batch, batch + n);
  }
  // Always end the search, or the session stays busy (CKR_OPERATION_ACTIVE).
  CK_RV final_rv = f.C_FindObjectsFinal(session);
  if (rv != CKR_OK) return call.fail("C_FindObjects", rv);
  if (final_rv != CKR_OK) return call.fail("C_FindObjectsFinal", final_rv);
  return out;
}

}  // namespace firma::hsm::objects
