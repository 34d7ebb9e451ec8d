// The one place the PKCS#11 C header is included, with return-value names and their classification.
#pragma once

#include <p11-kit/pkcs11.h>

#include <string>
#include <string_view>

#include "core/result.h"

namespace firma::hsm::p11 {

// "CKR_PIN_INCORRECT"; "CKR_VENDOR_DEFINED+0x.." or "CKR_0x.." for values outside the table.
std::string rv_name(CK_RV rv);

// What a failed call means for the caller.
enum class Fault {
  pin,           // the PIN was refused: never retried (a real HSM counts the attempts)
  session,       // the session, the login, the device or the library went away: reopen (re-initialise) and retry
  stale_handle,  // an object handle no longer names an object: refresh it by CKA_ID
  argument,      // the request itself was wrong
  other,
};
Fault classify(CK_RV rv) noexcept;

// One line: "PKCS#11 C_Sign failed: CKR_DATA_LEN_RANGE (0x21)".
std::string describe(std::string_view function, CK_RV rv);

// The firma error for a failure that is final: pin -> unauthorized, session -> unavailable,
// stale_handle -> not_found, argument -> invalid_request, other -> internal.
Error to_error(std::string_view function, CK_RV rv);

// One attempt of an operation on one session. A failing PKCS#11 call is reported with fail(), which
// remembers the return value so that the caller can tell a broken session from a bad request.
struct Call {
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CK_RV rv = CKR_OK;

  Error fail(std::string_view function, CK_RV failed) {
    rv = failed;
    return to_error(function, failed);
  }
};

// Token and key labels are fixed 32-byte, blank-padded UTF-8 fields (PKCS#11 v2.40 3.2, CK_TOKEN_INFO).
std::string trim_padded(const unsigned char* field, std::size_t size);

}  // namespace firma::hsm::p11
