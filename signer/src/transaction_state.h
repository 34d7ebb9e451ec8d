// The lookups every step of a transaction starts with (internal to signer).
#pragma once

#include <optional>
#include <string_view>

#include "core/clock.h"
#include "core/ids.h"
#include "core/result.h"
#include "core/statuses.h"
#include "signer/applications.h"
#include "signer/transactions.h"
#include "store/applications.h"
#include "store/database.h"
#include "store/transactions.h"

namespace firma::signer {

// The transaction as it stands now: one still open past its expiry is marked expired (and purged) on the way.
Result<store::TransactionRecord> load_current(store::Tx& tx, const TransactionId& id, Instant now);

// How an RSA key pads, as the documents table stores it: "pkcs1v15" or "pss".
std::string_view padding_name(hsm::RsaPadding padding);
std::optional<hsm::RsaPadding> parse_padding(std::string_view name);
// How a SAD entry that lets the signing call choose its padding (SadEntry::any_padding) is stored.
inline constexpr std::string_view kAnyPadding = "any";

// Where the citizen's browser goes when the transaction ends: the application's return URL with
// `transaction=<id>&status=<status>` added to its query (API.md), before any fragment; or, for a transaction whose
// return URLs are used as given, the one for a signed transaction or the one for every other end, unchanged.
Outcome outcome_for(const store::TransactionRecord& record, TransactionStatus status);

Result<Application> find_application(store::Tx& tx, const AppId& id);

Application to_application(const store::ApplicationRecord& record);

}  // namespace firma::signer
