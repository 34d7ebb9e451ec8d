// A PKCS#11 session as an RAII value (C_OpenSession / C_CloseSession), and logging in on it.
#pragma once

#include "core/result.h"
#include "core/secret.h"
#include "pkcs11.h"

namespace firma::hsm {

class Session {
 public:
  // A read-write serial session (PKCS#11 v2.40 5.6: CKF_SERIAL_SESSION is mandatory).
  static Result<Session> open(CK_FUNCTION_LIST& functions, CK_SLOT_ID slot);

  Session(Session&& other) noexcept;
  Session& operator=(Session&& other) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  CK_SESSION_HANDLE handle() const noexcept { return handle_; }
  // Gives up ownership: the caller closes the session.
  CK_SESSION_HANDLE release() noexcept;

 private:
  Session(CK_FUNCTION_LIST& functions, CK_SESSION_HANDLE handle) : functions_(&functions), handle_(handle) {}
  CK_FUNCTION_LIST* functions_;
  CK_SESSION_HANDLE handle_;
};

// Logs `user` in unless the application already is (login state is per application, not per session:
// PKCS#11 v2.40 5.6). A refused PIN is ErrorCode::unauthorized, worded for `what` ("token 'firma'").
Status login(CK_FUNCTION_LIST& functions, CK_SESSION_HANDLE session, CK_USER_TYPE user, const Secret& pin,
             std::string_view what);

// True when the session's application is logged in as the normal user.
Result<bool> is_user_session(CK_FUNCTION_LIST& functions, p11::Call& call);

}  // namespace firma::hsm
