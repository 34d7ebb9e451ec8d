// PKCS#11 return values: names for messages, and which ones a caller may recover from.
#include "pkcs11.h"

#include <cstdio>

namespace firma::hsm::p11 {

std::string rv_name(CK_RV rv) {
  switch (rv) {
#define FIRMA_RV(name) \
  case name: return #name;
    FIRMA_RV(CKR_OK)
    FIRMA_RV(CKR_CANCEL)
    FIRMA_RV(CKR_HOST_MEMORY)
    FIRMA_RV(CKR_SLOT_ID_INVALID)
    FIRMA_RV(CKR_GENERAL_ERROR)
    FIRMA_RV(CKR_FUNCTION_FAILED)
    FIRMA_RV(CKR_ARGUMENTS_BAD)
    FIRMA_RV(CKR_ATTRIBUTE_READ_ONLY)
    FIRMA_RV(CKR_ATTRIBUTE_SENSITIVE)
    FIRMA_RV(CKR_ATTRIBUTE_TYPE_INVALID)
    FIRMA_RV(CKR_ATTRIBUTE_VALUE_INVALID)
    FIRMA_RV(CKR_ACTION_PROHIBITED)
    FIRMA_RV(CKR_DATA_INVALID)
    FIRMA_RV(CKR_DATA_LEN_RANGE)
    FIRMA_RV(CKR_DEVICE_ERROR)
    FIRMA_RV(CKR_DEVICE_MEMORY)
    FIRMA_RV(CKR_DEVICE_REMOVED)
    FIRMA_RV(CKR_FUNCTION_CANCELED)
    FIRMA_RV(CKR_FUNCTION_NOT_SUPPORTED)
    FIRMA_RV(CKR_KEY_HANDLE_INVALID)
    FIRMA_RV(CKR_KEY_SIZE_RANGE)
    FIRMA_RV(CKR_KEY_TYPE_INCONSISTENT)
    FIRMA_RV(CKR_KEY_FUNCTION_NOT_PERMITTED)
    FIRMA_RV(CKR_KEY_UNEXTRACTABLE)
    FIRMA_RV(CKR_MECHANISM_INVALID)
    FIRMA_RV(CKR_MECHANISM_PARAM_INVALID)
    FIRMA_RV(CKR_OBJECT_HANDLE_INVALID)
    FIRMA_RV(CKR_OPERATION_ACTIVE)
    FIRMA_RV(CKR_OPERATION_NOT_INITIALIZED)
    FIRMA_RV(CKR_PIN_INCORRECT)
    FIRMA_RV(CKR_PIN_INVALID)
    FIRMA_RV(CKR_PIN_LEN_RANGE)
    FIRMA_RV(CKR_PIN_EXPIRED)
    FIRMA_RV(CKR_PIN_LOCKED)
    FIRMA_RV(CKR_SESSION_CLOSED)
    FIRMA_RV(CKR_SESSION_COUNT)
    FIRMA_RV(CKR_SESSION_HANDLE_INVALID)
    FIRMA_RV(CKR_SESSION_READ_ONLY)
    FIRMA_RV(CKR_SESSION_EXISTS)
    FIRMA_RV(CKR_SESSION_READ_ONLY_EXISTS)
    FIRMA_RV(CKR_SESSION_READ_WRITE_SO_EXISTS)
    FIRMA_RV(CKR_SIGNATURE_INVALID)
    FIRMA_RV(CKR_SIGNATURE_LEN_RANGE)
    FIRMA_RV(CKR_TEMPLATE_INCOMPLETE)
    FIRMA_RV(CKR_TEMPLATE_INCONSISTENT)
    FIRMA_RV(CKR_TOKEN_NOT_PRESENT)
    FIRMA_RV(CKR_TOKEN_NOT_RECOGNIZED)
    FIRMA_RV(CKR_TOKEN_WRITE_PROTECTED)
    FIRMA_RV(CKR_USER_ALREADY_LOGGED_IN)
    FIRMA_RV(CKR_USER_NOT_LOGGED_IN)
    FIRMA_RV(CKR_USER_PIN_NOT_INITIALIZED)
    FIRMA_RV(CKR_USER_TYPE_INVALID)
    FIRMA_RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN)
    FIRMA_RV(CKR_USER_TOO_MANY_TYPES)
    FIRMA_RV(CKR_DOMAIN_PARAMS_INVALID)
    FIRMA_RV(CKR_CURVE_NOT_SUPPORTED)
    FIRMA_RV(CKR_BUFFER_TOO_SMALL)
    FIRMA_RV(CKR_CRYPTOKI_NOT_INITIALIZED)
    FIRMA_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED)
    FIRMA_RV(CKR_CANT_LOCK)
    FIRMA_RV(CKR_PIN_TOO_WEAK)
    FIRMA_RV(CKR_PUBLIC_KEY_INVALID)
    FIRMA_RV(CKR_KEY_NOT_WRAPPABLE)
    FIRMA_RV(CKR_WRAPPED_KEY_INVALID)
    FIRMA_RV(CKR_WRAPPED_KEY_LEN_RANGE)
    FIRMA_RV(CKR_UNWRAPPING_KEY_HANDLE_INVALID)
    FIRMA_RV(CKR_WRAPPING_KEY_HANDLE_INVALID)
    FIRMA_RV(CKR_ENCRYPTED_DATA_INVALID)
#undef FIRMA_RV
    default: break;
  }
  char buf[48];
  if (rv >= CKR_VENDOR_DEFINED) {
    std::snprintf(buf, sizeof buf, "CKR_VENDOR_DEFINED+0x%lx", rv - CKR_VENDOR_DEFINED);
  } else {
    std::snprintf(buf, sizeof buf, "CKR_0x%lx", rv);
  }
  return buf;
}

Fault classify(CK_RV rv) noexcept {
  switch (rv) {
    case CKR_PIN_INCORRECT:
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_EXPIRED:
    case CKR_PIN_LOCKED:
    case CKR_USER_PIN_NOT_INITIALIZED: return Fault::pin;
    // A fresh, logged-in session is the cure for each of these (PKCS#11 v2.40 5.6: closing the last
    // session logs the application out; a removed or failed device invalidates every session), or, when
    // a fresh session fails the same way, re-initialising the library (CKR_CRYPTOKI_NOT_INITIALIZED: the
    // library lost its state; CKR_SLOT_ID_INVALID: the slot went with it).
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
    case CKR_DEVICE_ERROR:
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_TOKEN_NOT_RECOGNIZED:
    case CKR_USER_NOT_LOGGED_IN:
    case CKR_OPERATION_ACTIVE:
    case CKR_GENERAL_ERROR:
    case CKR_CRYPTOKI_NOT_INITIALIZED:
    case CKR_SLOT_ID_INVALID: return Fault::session;
    case CKR_OBJECT_HANDLE_INVALID:
    case CKR_KEY_HANDLE_INVALID: return Fault::stale_handle;
    case CKR_ARGUMENTS_BAD:
    case CKR_ATTRIBUTE_VALUE_INVALID:
    case CKR_ATTRIBUTE_TYPE_INVALID:
    case CKR_DATA_INVALID:
    case CKR_DATA_LEN_RANGE:
    case CKR_KEY_TYPE_INCONSISTENT:
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
    case CKR_KEY_SIZE_RANGE:
    case CKR_MECHANISM_INVALID:
    case CKR_MECHANISM_PARAM_INVALID:
    case CKR_TEMPLATE_INCOMPLETE:
    case CKR_TEMPLATE_INCONSISTENT:
    case CKR_CURVE_NOT_SUPPORTED:
    case CKR_DOMAIN_PARAMS_INVALID: return Fault::argument;
    default: return Fault::other;
  }
}

std::string describe(std::string_view function, CK_RV rv) {
  char code[24];
  std::snprintf(code, sizeof code, " (0x%lx)", rv);
  return "PKCS#11 " + std::string(function) + " failed: " + rv_name(rv) + code;
}

Error to_error(std::string_view function, CK_RV rv) {
  ErrorCode code = ErrorCode::internal;
  switch (classify(rv)) {
    case Fault::pin: code = ErrorCode::unauthorized; break;
    case Fault::session: code = ErrorCode::unavailable; break;
    case Fault::stale_handle: code = ErrorCode::not_found; break;
    case Fault::argument: code = ErrorCode::invalid_request; break;
    case Fault::other:
      code = (rv == CKR_DEVICE_MEMORY || rv == CKR_HOST_MEMORY || rv == CKR_SESSION_COUNT) ? ErrorCode::unavailable
                                                                                           : ErrorCode::internal;
      break;
  }
  return make_error(code, describe(function, rv));
}

std::string trim_padded(const unsigned char* field, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(field), size);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.pop_back();
  return text;
}

}  // namespace firma::hsm::p11
