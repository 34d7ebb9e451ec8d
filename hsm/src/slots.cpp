// Slot enumeration (C_GetSlotList, C_GetTokenInfo) and lookup of a token by label.
#include "slots.h"

#include <cstring>

#include "module_impl.h"

namespace firma::hsm::slots {

std::optional<std::array<unsigned char, 32>> padded_label(std::string_view label) {
  std::array<unsigned char, 32> field;
  if (label.empty() || label.size() > field.size()) return std::nullopt;
  field.fill(' ');
  std::memcpy(field.data(), label.data(), label.size());
  return field;
}

Result<std::vector<SlotToken>> tokens(const Module& module) {
  CK_FUNCTION_LIST& f = functions(module);
  // The list can change between the two calls (a token inserted, SoftHSM2 adding a fresh slot after
  // C_InitToken): retry while the buffer comes back too small.
  std::vector<CK_SLOT_ID> ids;
  for (int attempt = 0; attempt < 4; ++attempt) {
    CK_ULONG count = 0;
    if (CK_RV rv = f.C_GetSlotList(CK_TRUE, nullptr, &count); rv != CKR_OK) return p11::to_error("C_GetSlotList", rv);
    ids.resize(count);
    CK_RV rv = f.C_GetSlotList(CK_TRUE, ids.data(), &count);
    if (rv == CKR_BUFFER_TOO_SMALL) continue;
    if (rv != CKR_OK) return p11::to_error("C_GetSlotList", rv);
    ids.resize(count);
    break;
  }
  std::vector<SlotToken> out;
  for (CK_SLOT_ID id : ids) {
    SlotToken entry{id, {}};
    CK_RV rv = f.C_GetTokenInfo(id, &entry.info);
    if (rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_TOKEN_NOT_RECOGNIZED) continue;
    if (rv != CKR_OK) return p11::to_error("C_GetTokenInfo", rv);
    out.push_back(entry);
  }
  return out;
}

Result<CK_SLOT_ID> find_token(const Module& module, std::string_view label) {
  auto all = tokens(module);
  if (!all) return std::move(all).error();
  std::optional<CK_SLOT_ID> found;
  for (const SlotToken& t : *all) {
    if ((t.info.flags & CKF_TOKEN_INITIALIZED) == 0) continue;
    if (p11::trim_padded(t.info.label, sizeof t.info.label) != label) continue;
    if (found) {
      return make_error(ErrorCode::conflict, "several PKCS#11 tokens are labelled '" + std::string(label) + "'");
    }
    found = t.slot;
  }
  if (!found) {
    return make_error(ErrorCode::not_found,
                      "no PKCS#11 token labelled '" + std::string(label) + "' in module " + module.path());
  }
  return *found;
}

}  // namespace firma::hsm::slots
