// A fake-of-faults PKCS#11 module for tests: it wraps a real module (SoftHSM2) and fails on command.
//
// Interface (kept stable: other tests drive it only through these two variables and one file):
//   FIRMA_FAULT_REAL_MODULE  path of the real module to wrap (default /usr/lib/softhsm/libsofthsm2.so).
//   FIRMA_FAULT_CONTROL      path of a control file, looked at on every call (one stat(); the file is read
//                            again only when it changed). A missing or empty file means no fault.
// The control file holds one word:
//   none             every call passes through to the real module;
//   device_error     calls return CKR_DEVICE_ERROR;
//   session_invalid  calls on a session return CKR_SESSION_HANDLE_INVALID, calls on a slot
//                    CKR_DEVICE_ERROR; the real module's sessions are really closed (C_CloseAllSessions
//                    on every slot, so the login is gone too) when the fault is first seen;
//   token_removed    C_GetSlotList(tokenPresent = TRUE) lists no slot, C_GetSlotInfo clears
//                    CKF_TOKEN_PRESENT, every other call returns CKR_TOKEN_NOT_PRESENT; the real
//                    sessions are closed as for session_invalid (removing a token ends its sessions);
//   general_error    calls (C_Login among them) return CKR_GENERAL_ERROR.
// Any other word is reported on stderr and treated as device_error. While a fault is on, every function
// fails except C_GetFunctionList, C_GetInfo and C_Finalize (and C_Initialize for token_removed, which
// concerns a slot, not the library). When the word is `none` again, calls pass through.
//
// The module exports C_GetFunctionList only; its CK_FUNCTION_LIST forwards to the real module's.
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

namespace {

enum class Fault { none, device_error, session_invalid, token_removed, general_error };

// Which calls a function is: on a slot (or the library) or on a session.
enum class Target { slot, session };

struct Wrapper {
  CK_FUNCTION_LIST* real = nullptr;
  CK_FUNCTION_LIST own{};
  // Forwarded calls hold it shared; closing the real sessions holds it exclusively, so that no session
  // is closed while another thread is inside a call on it (SoftHSM2 crashes then).
  std::shared_mutex calls;

  // The control file as last seen, so that an unchanged file costs one stat().
  std::mutex control_mutex;
  bool seen = false;
  struct stat seen_stat {};
  Fault fault = Fault::none;
};

Wrapper& wrapper() {
  static auto* w = new Wrapper();  // never destroyed: the real module may be called until exit
  return *w;
}

Fault parse(std::string word) {
  while (!word.empty() && std::strchr(" \t\r\n", word.back()) != nullptr) word.pop_back();
  while (!word.empty() && std::strchr(" \t\r\n", word.front()) != nullptr) word.erase(0, 1);
  if (word.empty() || word == "none") return Fault::none;
  if (word == "device_error") return Fault::device_error;
  if (word == "session_invalid") return Fault::session_invalid;
  if (word == "token_removed") return Fault::token_removed;
  if (word == "general_error") return Fault::general_error;
  std::fprintf(stderr, "firma_faulty_pkcs11: unknown fault '%s' in FIRMA_FAULT_CONTROL, using device_error\n",
               word.c_str());
  return Fault::device_error;
}

bool same_file_version(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

// Closes every session of the real module, waiting for calls in flight.
void close_real_sessions() {
  Wrapper& w = wrapper();
  std::unique_lock exclusive(w.calls);
  CK_ULONG count = 0;
  if (w.real->C_GetSlotList(CK_FALSE, nullptr, &count) != CKR_OK) return;
  std::vector<CK_SLOT_ID> slots(count);
  if (w.real->C_GetSlotList(CK_FALSE, slots.data(), &count) != CKR_OK) return;
  for (CK_ULONG i = 0; i < count; ++i) w.real->C_CloseAllSessions(slots[i]);
}

Fault current_fault() {
  const char* path = std::getenv("FIRMA_FAULT_CONTROL");
  if (path == nullptr || *path == '\0') return Fault::none;
  struct stat now {};
  const bool exists = ::stat(path, &now) == 0;
  Wrapper& w = wrapper();
  bool closes = false;
  Fault fault = Fault::none;
  {
    std::lock_guard lock(w.control_mutex);
    if (!exists) {
      w.seen = false;
      w.fault = Fault::none;
      return Fault::none;
    }
    if (w.seen && same_file_version(w.seen_stat, now)) return w.fault;
    std::ifstream in(path);
    std::string word;
    std::getline(in, word);
    const Fault before = w.fault;
    w.fault = parse(word);
    w.seen = true;
    w.seen_stat = now;
    fault = w.fault;
    closes = fault != before && (fault == Fault::session_invalid || fault == Fault::token_removed);
  }
  if (closes) close_real_sessions();
  return fault;
}

CK_RV injected(Fault fault, Target target) {
  switch (fault) {
    case Fault::none: return CKR_OK;
    case Fault::device_error: return CKR_DEVICE_ERROR;
    case Fault::session_invalid: return target == Target::session ? CKR_SESSION_HANDLE_INVALID : CKR_DEVICE_ERROR;
    case Fault::token_removed: return CKR_TOKEN_NOT_PRESENT;
    case Fault::general_error: return CKR_GENERAL_ERROR;
  }
  return CKR_GENERAL_ERROR;
}

// One forwarding function per member of CK_FUNCTION_LIST, made from its pointer type.
template <class Fn>
struct Forward;
template <class... Args>
struct Forward<CK_RV (*)(Args...)> {
  template <auto Member, Target target>
  static CK_RV call(Args... args) {
    if (CK_RV rv = injected(current_fault(), target); rv != CKR_OK) return rv;
    Wrapper& w = wrapper();
    std::shared_lock shared(w.calls);
    return (w.real->*Member)(args...);
  }
};

CK_RV faulty_initialize(void* args) {
  if (Fault fault = current_fault(); fault != Fault::token_removed) {
    if (CK_RV rv = injected(fault, Target::slot); rv != CKR_OK) return rv;
  }
  return wrapper().real->C_Initialize(args);
}

CK_RV faulty_finalize(void* reserved) {
  Wrapper& w = wrapper();
  std::unique_lock exclusive(w.calls);
  return w.real->C_Finalize(reserved);
}

CK_RV faulty_get_info(CK_INFO* info) {
  return wrapper().real->C_GetInfo(info);
}

CK_RV faulty_get_slot_list(CK_BBOOL token_present, CK_SLOT_ID* slots, CK_ULONG* count) {
  const Fault fault = current_fault();
  if (fault == Fault::token_removed && token_present == CK_TRUE) {
    if (count == nullptr) return CKR_ARGUMENTS_BAD;
    *count = 0;
    return CKR_OK;
  }
  if (fault != Fault::token_removed) {
    if (CK_RV rv = injected(fault, Target::slot); rv != CKR_OK) return rv;
  }
  Wrapper& w = wrapper();
  std::shared_lock shared(w.calls);
  return w.real->C_GetSlotList(token_present, slots, count);
}

CK_RV faulty_get_slot_info(CK_SLOT_ID slot, CK_SLOT_INFO* info) {
  const Fault fault = current_fault();
  if (fault != Fault::token_removed) {
    if (CK_RV rv = injected(fault, Target::slot); rv != CKR_OK) return rv;
  }
  Wrapper& w = wrapper();
  std::shared_lock shared(w.calls);
  CK_RV rv = w.real->C_GetSlotInfo(slot, info);
  if (rv == CKR_OK && fault == Fault::token_removed) info->flags &= ~CKF_TOKEN_PRESENT;
  return rv;
}

CK_RV faulty_get_function_list(CK_FUNCTION_LIST** list);

// Loads the real module once and fills our function list.
CK_RV load() {
  static CK_RV loaded = [] {
    Wrapper& w = wrapper();
    const char* path = std::getenv("FIRMA_FAULT_REAL_MODULE");
    if (path == nullptr || *path == '\0') path = "/usr/lib/softhsm/libsofthsm2.so";
    void* library = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (library == nullptr) {
      std::fprintf(stderr, "firma_faulty_pkcs11: cannot load %s: %s\n", path, dlerror());
      return static_cast<CK_RV>(CKR_GENERAL_ERROR);
    }
    void* symbol = dlsym(library, "C_GetFunctionList");
    if (symbol == nullptr) return static_cast<CK_RV>(CKR_GENERAL_ERROR);
    CK_C_GetFunctionList get = nullptr;
    std::memcpy(&get, &symbol, sizeof symbol);
    if (CK_RV rv = get(&w.real); rv != CKR_OK || w.real == nullptr) return static_cast<CK_RV>(CKR_GENERAL_ERROR);

    CK_FUNCTION_LIST& f = w.own;
    f.version = w.real->version;
    f.C_Initialize = faulty_initialize;
    f.C_Finalize = faulty_finalize;
    f.C_GetInfo = faulty_get_info;
    f.C_GetFunctionList = faulty_get_function_list;
    f.C_GetSlotList = faulty_get_slot_list;
    f.C_GetSlotInfo = faulty_get_slot_info;
#define FIRMA_FORWARD(name, target) f.name = &Forward<CK_##name>::call<&CK_FUNCTION_LIST::name, Target::target>;
    FIRMA_FORWARD(C_GetTokenInfo, slot)
    FIRMA_FORWARD(C_WaitForSlotEvent, slot)
    FIRMA_FORWARD(C_GetMechanismList, slot)
    FIRMA_FORWARD(C_GetMechanismInfo, slot)
    FIRMA_FORWARD(C_InitToken, slot)
    FIRMA_FORWARD(C_OpenSession, slot)
    FIRMA_FORWARD(C_CloseAllSessions, slot)
    FIRMA_FORWARD(C_InitPIN, session)
    FIRMA_FORWARD(C_SetPIN, session)
    FIRMA_FORWARD(C_CloseSession, session)
    FIRMA_FORWARD(C_GetSessionInfo, session)
    FIRMA_FORWARD(C_GetOperationState, session)
    FIRMA_FORWARD(C_SetOperationState, session)
    FIRMA_FORWARD(C_Login, session)
    FIRMA_FORWARD(C_Logout, session)
    FIRMA_FORWARD(C_CreateObject, session)
    FIRMA_FORWARD(C_CopyObject, session)
    FIRMA_FORWARD(C_DestroyObject, session)
    FIRMA_FORWARD(C_GetObjectSize, session)
    FIRMA_FORWARD(C_GetAttributeValue, session)
    FIRMA_FORWARD(C_SetAttributeValue, session)
    FIRMA_FORWARD(C_FindObjectsInit, session)
    FIRMA_FORWARD(C_FindObjects, session)
    FIRMA_FORWARD(C_FindObjectsFinal, session)
    FIRMA_FORWARD(C_EncryptInit, session)
    FIRMA_FORWARD(C_Encrypt, session)
    FIRMA_FORWARD(C_EncryptUpdate, session)
    FIRMA_FORWARD(C_EncryptFinal, session)
    FIRMA_FORWARD(C_DecryptInit, session)
    FIRMA_FORWARD(C_Decrypt, session)
    FIRMA_FORWARD(C_DecryptUpdate, session)
    FIRMA_FORWARD(C_DecryptFinal, session)
    FIRMA_FORWARD(C_DigestInit, session)
    FIRMA_FORWARD(C_Digest, session)
    FIRMA_FORWARD(C_DigestUpdate, session)
    FIRMA_FORWARD(C_DigestKey, session)
    FIRMA_FORWARD(C_DigestFinal, session)
    FIRMA_FORWARD(C_SignInit, session)
    FIRMA_FORWARD(C_Sign, session)
    FIRMA_FORWARD(C_SignUpdate, session)
    FIRMA_FORWARD(C_SignFinal, session)
    FIRMA_FORWARD(C_SignRecoverInit, session)
    FIRMA_FORWARD(C_SignRecover, session)
    FIRMA_FORWARD(C_VerifyInit, session)
    FIRMA_FORWARD(C_Verify, session)
    FIRMA_FORWARD(C_VerifyUpdate, session)
    FIRMA_FORWARD(C_VerifyFinal, session)
    FIRMA_FORWARD(C_VerifyRecoverInit, session)
    FIRMA_FORWARD(C_VerifyRecover, session)
    FIRMA_FORWARD(C_DigestEncryptUpdate, session)
    FIRMA_FORWARD(C_DecryptDigestUpdate, session)
    FIRMA_FORWARD(C_SignEncryptUpdate, session)
    FIRMA_FORWARD(C_DecryptVerifyUpdate, session)
    FIRMA_FORWARD(C_GenerateKey, session)
    FIRMA_FORWARD(C_GenerateKeyPair, session)
    FIRMA_FORWARD(C_WrapKey, session)
    FIRMA_FORWARD(C_UnwrapKey, session)
    FIRMA_FORWARD(C_DeriveKey, session)
    FIRMA_FORWARD(C_SeedRandom, session)
    FIRMA_FORWARD(C_GenerateRandom, session)
    FIRMA_FORWARD(C_GetFunctionStatus, session)
    FIRMA_FORWARD(C_CancelFunction, session)
#undef FIRMA_FORWARD
    return static_cast<CK_RV>(CKR_OK);
  }();
  return loaded;
}

CK_RV faulty_get_function_list(CK_FUNCTION_LIST** list) {
  if (list == nullptr) return CKR_ARGUMENTS_BAD;
  if (CK_RV rv = load(); rv != CKR_OK) return rv;
  *list = &wrapper().own;
  return CKR_OK;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST** list) {
  return faulty_get_function_list(list);
}
