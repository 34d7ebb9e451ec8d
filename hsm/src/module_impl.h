// The C side of a Module: the dlopen handle and the function list every PKCS#11 call goes through.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "hsm/module.h"
#include "pkcs11.h"

namespace firma::hsm {

struct LibraryCloser {
  void operator()(void* handle) const noexcept;
};

// The pace of re-initialisations (see reinitialize below): seconds, never the minutes a long doubling
// would reach, so that readiness follows the token closely once it works again.
inline constexpr std::chrono::seconds kReinitFirstDelay{2};
inline constexpr std::chrono::seconds kReinitMaxDelay{8};
inline constexpr std::chrono::seconds kReinitCalmSpell{30};  // no attempt for this long: start from the first delay

struct Module::Impl {
  std::string path;
  std::unique_ptr<void, LibraryCloser> library;
  CK_FUNCTION_LIST* functions = nullptr;
  bool finalize = true;  // false when someone else in the process had already initialised the library

  // Every sequence of calls on the module's sessions holds `calls` shared; re-initialising the library
  // holds it exclusively, so that C_Finalize never pulls a session from under a call in flight.
  std::shared_mutex calls;
  std::atomic<std::uint64_t> generation{0};  // bumped by each re-initialisation: older sessions are gone
  std::mutex reinit_mutex;                   // one re-initialisation at a time; guards the three below
  std::chrono::steady_clock::time_point reinit_last{};
  std::chrono::steady_clock::time_point reinit_not_before{};
  std::chrono::seconds reinit_delay{kReinitFirstDelay};
};

// The function list of a loaded module.
inline CK_FUNCTION_LIST& functions(const Module& module) noexcept {
  return *module.impl().functions;
}

// Re-initialises the library (C_Finalize then C_Initialize, PKCS#11 v2.40 5.4) when a fresh session could
// not cure a failure: a module that lost its state (a device reset, CKR_CRYPTOKI_NOT_INITIALIZED, a login
// answering CKR_GENERAL_ERROR) comes back only this way. Every session of the process ends with it.
// Nothing is done (and Status{} returned) when the generation moved past `seen_generation`: another
// caller re-initialised since. Rate-limited, the answer within a pause being unavailable: after a
// re-initialisation the next waits kReinitFirstDelay, doubled each time up to kReinitMaxDelay (reloading
// a working library is costly); after a C_Initialize that failed, the library is down and trying again
// costs nothing, so the next comes after kReinitFirstDelay.
Status reinitialize(Module& module, std::uint64_t seen_generation);

}  // namespace firma::hsm
