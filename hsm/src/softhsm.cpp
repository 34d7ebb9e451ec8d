// The embedded default: a private SoftHSM2 configuration and the initialisation of its token.
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "core/log.h"
#include "hsm/module.h"
#include "module_impl.h"
#include "session.h"
#include "slots.h"

namespace firma::hsm {

Result<std::string> prepare_softhsm(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path root = fs::absolute(dir, ec);
  if (ec) return make_error(ErrorCode::invalid_request, "bad SoftHSM2 directory " + dir + ": " + ec.message());
  const fs::path tokens = root / "tokens";
  fs::create_directories(tokens, ec);
  if (ec) return make_error(ErrorCode::unavailable, "cannot create " + tokens.string() + ": " + ec.message());
  // Token files hold key material (encrypted under the PINs): owner only.
  fs::permissions(tokens, fs::perms::owner_all, fs::perm_options::replace, ec);

  const fs::path conf = root / "softhsm2.conf";
  {
    std::ofstream out(conf, std::ios::trunc);
    out << "# SoftHSM2 configuration of firma's embedded default (written at start-up).\n"
        << "directories.tokendir = " << tokens.string() << "\n"
        << "objectstore.backend = file\n"
        << "log.level = ERROR\n"
        << "slots.removable = false\n";
    if (!out) return make_error(ErrorCode::unavailable, "cannot write " + conf.string());
  }
  // SoftHSM2 reads SOFTHSM2_CONF in C_Initialize.
  if (setenv("SOFTHSM2_CONF", conf.c_str(), 1) != 0) {
    return make_error(ErrorCode::internal, "cannot set SOFTHSM2_CONF");
  }
  return conf.string();
}

bool token_exists(Module& module, std::string_view label) {
  return slots::find_token(module, label).ok();
}

Result<bool> token_present(Module& module, std::string_view label) {
  auto slot = slots::find_token(module, label);
  if (slot) return true;
  if (slot.error().code == ErrorCode::not_found) return false;
  return std::move(slot).error();
}

Status initialize_token(Module& module, std::string_view label, const Secret& so_pin, const Secret& user_pin) {
  auto field = slots::padded_label(label);
  if (!field) return make_error(ErrorCode::invalid_request, "a token label has 1 to 32 bytes");
  if (so_pin.empty() || user_pin.empty()) return make_error(ErrorCode::invalid_request, "empty PIN");
  if (token_exists(module, label)) {
    return make_error(ErrorCode::conflict, "a PKCS#11 token labelled '" + std::string(label) + "' already exists");
  }
  auto all = slots::tokens(module);
  if (!all) return std::move(all).error();
  const slots::SlotToken* free_slot = nullptr;
  for (const auto& t : *all) {
    if ((t.info.flags & CKF_TOKEN_INITIALIZED) == 0) {
      free_slot = &t;
      break;
    }
  }
  if (free_slot == nullptr) {
    return make_error(ErrorCode::unavailable, "no uninitialised token left in module " + module.path());
  }

  CK_FUNCTION_LIST& f = functions(module);
  std::string_view so = so_pin.reveal();
  CK_RV rv = f.C_InitToken(free_slot->slot, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(so.data())), so.size(),
                           field->data());
  if (rv != CKR_OK) return p11::to_error("C_InitToken", rv);

  // SoftHSM2 moves an initialised token to a new slot id: look it up again.
  auto slot = slots::find_token(module, label);
  if (!slot) return std::move(slot).error();
  auto session = Session::open(f, *slot);
  if (!session) return std::move(session).error();
  const std::string what = "token '" + std::string(label) + "'";
  if (auto st = login(f, session->handle(), CKU_SO, so_pin, what); !st) return st;
  std::string_view user = user_pin.reveal();
  rv = f.C_InitPIN(session->handle(), reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(user.data())), user.size());
  f.C_Logout(session->handle());
  if (rv != CKR_OK) return p11::to_error("C_InitPIN", rv);
  log::info("hsm_token_initialized", {{"label", label}});
  return {};
}

}  // namespace firma::hsm
