// The baseline side of the HSM benchmarks: the PKCS#11 module's own C functions, called without the hsm layer.
#pragma once

#include <dlfcn.h>
#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/encoding.h"
#include "core/result.h"

namespace firma::bench {

// The value, or an exception naming what failed: benchmark set-up has no one to hand an error to.
template <class T>
T must(Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message);
  return std::move(r).value();
}

// DigestInfo for SHA-256 (RFC 8017 9.2 note 1): the layer adds it for CKM_RSA_PKCS, so a raw loop signs it too.
inline Bytes sha256_digest_info(const Bytes& digest) {
  static constexpr std::uint8_t kPrefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                             0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  Bytes out(sizeof kPrefix + digest.size());
  std::copy(digest.begin(), digest.end(), std::copy(std::begin(kPrefix), std::end(kPrefix), out.begin()));
  return out;
}

// The module instance the layer loaded (RTLD_NOLOAD), so the login is shared (PKCS#11 v2.40 5.6), and the slot of
// the token labelled `label`.
class RawModule {
 public:
  RawModule(const std::string& path, const std::string& label) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (handle == nullptr) throw std::runtime_error("module not loaded");
    void* symbol = dlsym(handle, "C_GetFunctionList");
    dlclose(handle);
    CK_C_GetFunctionList get = nullptr;
    std::memcpy(&get, &symbol, sizeof symbol);
    if (get == nullptr || get(&f_) != CKR_OK) throw std::runtime_error("no function list");
    CK_ULONG count = 0;
    f_->C_GetSlotList(CK_TRUE, nullptr, &count);
    std::vector<CK_SLOT_ID> slots(count);
    f_->C_GetSlotList(CK_TRUE, slots.data(), &count);
    for (CK_SLOT_ID s : slots) {
      CK_TOKEN_INFO info{};
      f_->C_GetTokenInfo(s, &info);
      if (std::strncmp(reinterpret_cast<const char*>(info.label), label.c_str(), label.size()) == 0) slot_ = s;
    }
  }
  CK_FUNCTION_LIST& f() { return *f_; }
  // A session of its own; the process is already logged in through the layer (login is per application).
  CK_SESSION_HANDLE open() {
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    if (f_->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &h) != CKR_OK)
      throw std::runtime_error("C_OpenSession");
    return h;
  }
  // C_FindObjects by CKA_ID: what a layer without an index does before each signature. CK_INVALID_HANDLE when
  // there is no such key.
  CK_OBJECT_HANDLE find_private_key(CK_SESSION_HANDLE session, const std::string& id) {
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE match[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, const_cast<char*>(id.data()), id.size()}};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_ULONG n = 0;
    f_->C_FindObjectsInit(session, match, 2);
    f_->C_FindObjects(session, &h, 1, &n);
    f_->C_FindObjectsFinal(session);
    return n == 1 ? h : CK_INVALID_HANDLE;
  }

 private:
  CK_FUNCTION_LIST* f_ = nullptr;
  CK_SLOT_ID slot_ = 0;
};

}  // namespace firma::bench
