// Session lifetime and login.
#include "session.h"

#include <string>
#include <utility>

namespace firma::hsm {

Result<Session> Session::open(CK_FUNCTION_LIST& functions, CK_SLOT_ID slot) {
  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  CK_RV rv = functions.C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &handle);
  if (rv != CKR_OK) return p11::to_error("C_OpenSession", rv);
  return Session(functions, handle);
}

Session::Session(Session&& other) noexcept
    : functions_(other.functions_), handle_(std::exchange(other.handle_, CK_INVALID_HANDLE)) {}

Session& Session::operator=(Session&& other) noexcept {
  if (this != &other) {
    if (handle_ != CK_INVALID_HANDLE) functions_->C_CloseSession(handle_);
    functions_ = other.functions_;
    handle_ = std::exchange(other.handle_, CK_INVALID_HANDLE);
  }
  return *this;
}

Session::~Session() {
  if (handle_ != CK_INVALID_HANDLE) functions_->C_CloseSession(handle_);
}

CK_SESSION_HANDLE Session::release() noexcept {
  return std::exchange(handle_, CK_INVALID_HANDLE);
}

Status login(CK_FUNCTION_LIST& functions, CK_SESSION_HANDLE session, CK_USER_TYPE user, const Secret& pin,
             std::string_view what) {
  std::string_view clear = pin.reveal();
  // C_Login takes a non-const pointer; conforming modules do not write through it.
  auto* bytes = reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(clear.data()));
  CK_RV rv = functions.C_Login(session, user, bytes, clear.size());
  if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) return {};
  const char* role = user == CKU_SO ? "SO" : "user";
  if (p11::classify(rv) == p11::Fault::pin) {
    return make_error(ErrorCode::unauthorized, "the " + std::string(role) + " PIN for " + std::string(what) +
                                                   " was refused (" + p11::rv_name(rv) + ")");
  }
  return p11::to_error("C_Login", rv);
}

Result<bool> is_user_session(CK_FUNCTION_LIST& functions, p11::Call& call) {
  CK_SESSION_INFO info{};
  if (CK_RV rv = functions.C_GetSessionInfo(call.session, &info); rv != CKR_OK)
    return call.fail("C_GetSessionInfo", rv);
  return info.state == CKS_RW_USER_FUNCTIONS || info.state == CKS_RO_USER_FUNCTIONS;
}

}  // namespace firma::hsm
