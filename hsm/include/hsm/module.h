// A loaded PKCS#11 module (dlopen + C_Initialize), and the set-up steps of the embedded SoftHSM2 default.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret.h"

namespace firma::hsm {

// One PKCS#11 library, initialised for this process. Cryptoki is initialised once per process
// (PKCS#11 v2.40 section 5.4, C_Initialize), so load() hands out the same Module for the same path
// while one is alive. The destructor calls C_Finalize and dlclose.
class Module {
 public:
  // Loads the library at `path`, finds C_GetFunctionList and initialises it with CKF_OS_LOCKING_OK.
  // A missing file, a library that is not a PKCS#11 module or a failing C_Initialize is an Error
  // (ErrorCode::unavailable) whose message is one line naming the path.
  static Result<std::shared_ptr<Module>> load(const std::string& path);

  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::string& path() const noexcept;
  // "manufacturer library-description version", from C_GetInfo.
  std::string description() const;

  // The C boundary, defined in hsm/src/module_impl.h; only hsm/src can use it.
  struct Impl;
  Impl& impl() const noexcept { return *impl_; }

 private:
  explicit Module(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Embedded default: writes DIR/softhsm2.conf (tokens in DIR/tokens, file backend, log level ERROR),
// creates DIR/tokens and points SOFTHSM2_CONF at the file. SOFTHSM2_CONF is process-wide and read by
// SoftHSM2's C_Initialize, so call this before Module::load. Returns the configuration file's path.
Result<std::string> prepare_softhsm(const std::string& dir);

// Initialises the first uninitialised token with `label` (at most 32 bytes) and the SO PIN (C_InitToken),
// then sets its user PIN (C_InitPIN as the security officer). A token already labelled `label` is
// ErrorCode::conflict.
Status initialize_token(Module& module, std::string_view label, const Secret& so_pin, const Secret& user_pin);

// True when an initialised token labelled `label` is present.
bool token_exists(Module& module, std::string_view label);

// Whether the one initialised token labelled `label` is present: false when none is; an error when the module
// cannot list its tokens or several tokens carry the label (which a caller must not read as "none").
Result<bool> token_present(Module& module, std::string_view label);

}  // namespace firma::hsm
