// Why a SAD on record does not let a binding use it now: shared by the signer and the reissue of a SAD (internal).
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "signer/sad.h"
#include "store/sads.h"

namespace firma::signer {

// Why the SAD as a whole does not let this binding sign now; empty when it does.
std::string sad_refusal(const std::optional<store::SadRecord>& record, const SadBinding& binding, Instant now);

}  // namespace firma::signer
