// Slots and tokens of a module: finding a token by its label.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "hsm/module.h"
#include "pkcs11.h"

namespace firma::hsm::slots {

// The 32-byte blank-padded label field; nullopt when the label is empty or longer than 32 bytes.
std::optional<std::array<unsigned char, 32>> padded_label(std::string_view label);

struct SlotToken {
  CK_SLOT_ID slot;
  CK_TOKEN_INFO info;
};

// Every slot with a token present, with the token's information.
Result<std::vector<SlotToken>> tokens(const Module& module);

// The slot holding the initialised token labelled `label`: not_found when none, conflict when several.
Result<CK_SLOT_ID> find_token(const Module& module, std::string_view label);

}  // namespace firma::hsm::slots
