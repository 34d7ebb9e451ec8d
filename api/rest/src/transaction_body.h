// The body of POST /v1/transactions read into a signer::NewTransaction: apart from the handler so that the
// fuzz targets (tests/fuzz) reach it without a transaction service.
#pragma once

#include <string_view>

#include "core/result.h"
#include "signer/transactions.h"

namespace firma::api::detail {

// {nif, return_url, documents: [{name, format, content | digest {algorithm, value}, options}]}; every
// problem is invalid_request naming the field (documents[i]: ...). What the values mean is the service's.
Result<signer::NewTransaction> parse_new_transaction(std::string_view body);

}  // namespace firma::api::detail
