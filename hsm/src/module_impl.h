// The C side of a Module: the dlopen handle and the function list every PKCS#11 call goes through.
#pragma once

#include <memory>
#include <string>

#include "hsm/module.h"
#include "pkcs11.h"

namespace firma::hsm {

struct LibraryCloser {
  void operator()(void* handle) const noexcept;
};

struct Module::Impl {
  std::string path;
  std::unique_ptr<void, LibraryCloser> library;
  CK_FUNCTION_LIST* functions = nullptr;
  bool finalize = true;  // false when someone else in the process had already initialised the library
};

// The function list of a loaded module.
inline CK_FUNCTION_LIST& functions(const Module& module) noexcept { return *module.impl().functions; }

}  // namespace firma::hsm
