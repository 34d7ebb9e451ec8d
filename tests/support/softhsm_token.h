// A fresh SoftHSM2 token in a private directory, opened through the hsm layer, for one test.
#pragma once

#include <memory>
#include <string>

#include "core/secret.h"
#include "hsm/module.h"
#include "hsm/token.h"
#include "support/temp_dir.h"

namespace firma::testing {

// Writes a SoftHSM2 configuration under a TempDir, points SOFTHSM2_CONF at it, loads the module,
// initialises a token with random SO and user PINs and opens it. SOFTHSM2_CONF and C_Initialize are
// process-wide: one SoftHsmToken per test process (CTest runs each case in its own process).
// Throws std::runtime_error when any step fails. `module_path` may name a module that wraps SoftHSM2
// (FIRMA_FAULTY_PKCS11_MODULE).
class SoftHsmToken {
 public:
  explicit SoftHsmToken(std::size_t sessions = 4, std::string label = "firma-test",
                        std::string module_path = FIRMA_SOFTHSM_MODULE);
  ~SoftHsmToken();
  SoftHsmToken(const SoftHsmToken&) = delete;
  SoftHsmToken& operator=(const SoftHsmToken&) = delete;

  hsm::Module& module() { return *module_; }
  const std::shared_ptr<hsm::Module>& module_ptr() const { return module_; }
  hsm::Token& token() { return *token_; }
  // Closes the open Token: its sessions close, so the process is logged out of the token.
  void close() { token_.reset(); }
  // Closes the open Token and opens a new one on the same token (e.g. to check what a restart sees).
  hsm::Token& reopen(std::size_t sessions = 4);

  const Secret& user_pin() const { return user_pin_; }
  const Secret& so_pin() const { return so_pin_; }
  const std::string& label() const { return label_; }
  const std::string& config_path() const { return config_path_; }
  const std::string& module_path() const { return module_path_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::string label_;
  std::string module_path_;
  Secret so_pin_;
  Secret user_pin_;
  std::string config_path_;
  std::shared_ptr<hsm::Module> module_;
  std::unique_ptr<hsm::Token> token_;
};

}  // namespace firma::testing
