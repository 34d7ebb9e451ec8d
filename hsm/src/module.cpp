// Loading a PKCS#11 module: dlopen, C_GetFunctionList, C_Initialize; C_Finalize and dlclose on the way out.
#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include "core/log.h"
#include "module_impl.h"

namespace firma::hsm {
namespace {

// Cryptoki may be initialised once per process (PKCS#11 v2.40 5.4): live modules are shared by path.
std::mutex g_registry_mutex;
std::map<std::string, std::weak_ptr<Module>>& registry() {
  static auto* modules = new std::map<std::string, std::weak_ptr<Module>>();  // never destroyed: used until exit
  return *modules;
}

Error load_error(const std::string& path, const std::string& why) {
  return make_error(ErrorCode::unavailable, "cannot load PKCS#11 module " + path + ": " + why);
}

}  // namespace

void LibraryCloser::operator()(void* handle) const noexcept {
  if (handle != nullptr) dlclose(handle);
}

Module::Module(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Module::~Module() {
  std::lock_guard lock(g_registry_mutex);  // a concurrent load() of the same path waits for C_Finalize
  if (impl_ && impl_->functions != nullptr && impl_->finalize) impl_->functions->C_Finalize(nullptr);
}

const std::string& Module::path() const noexcept {
  return impl_->path;
}

std::string Module::description() const {
  CK_INFO info{};
  if (impl_->functions->C_GetInfo(&info) != CKR_OK) return {};
  return p11::trim_padded(info.manufacturerID, sizeof info.manufacturerID) + " " +
         p11::trim_padded(info.libraryDescription, sizeof info.libraryDescription) + " " +
         std::to_string(info.libraryVersion.major) + "." + std::to_string(info.libraryVersion.minor);
}

Result<std::shared_ptr<Module>> Module::load(const std::string& path) {
  std::lock_guard lock(g_registry_mutex);
  if (auto it = registry().find(path); it != registry().end()) {
    if (auto live = it->second.lock()) return live;
  }

  std::error_code ec;
  if (path.empty() || !std::filesystem::is_regular_file(path, ec)) return load_error(path, "no such file");

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  // RTLD_NODELETE: modules such as SoftHSM2 register atexit handlers (through OpenSSL) that must still
  // be mapped when the process exits, after our dlclose.
  impl->library.reset(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE));
  if (!impl->library) {
    const char* why = dlerror();
    return load_error(path, why != nullptr ? why : "dlopen failed");
  }

  void* symbol = dlsym(impl->library.get(), "C_GetFunctionList");
  if (symbol == nullptr) return load_error(path, "not a PKCS#11 module (no C_GetFunctionList)");
  CK_C_GetFunctionList get_function_list = nullptr;
  static_assert(sizeof get_function_list == sizeof symbol);
  std::memcpy(&get_function_list, &symbol, sizeof symbol);  // POSIX guarantees the object/function round trip

  CK_FUNCTION_LIST* functions = nullptr;
  if (CK_RV rv = get_function_list(&functions); rv != CKR_OK || functions == nullptr) {
    return load_error(path, p11::describe("C_GetFunctionList", rv));
  }
  if (functions->version.major != 2) {
    return load_error(path, "unsupported Cryptoki version " + std::to_string(functions->version.major));
  }

  // CKF_OS_LOCKING_OK: the library may use native locks; we call it from several threads.
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = functions->C_Initialize(&args);
  if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    impl->finalize = false;  // someone else in this process owns the initialisation
  } else if (rv != CKR_OK) {
    return load_error(path, p11::describe("C_Initialize", rv));
  }
  impl->functions = functions;

  std::shared_ptr<Module> module(new Module(std::move(impl)));
  registry()[path] = module;
  log::info("hsm_module_loaded", {{"path", path}, {"library", module->description()}});
  return module;
}

Status reinitialize(Module& module, std::uint64_t seen_generation) {
  Module::Impl& m = module.impl();
  std::lock_guard one_at_a_time(m.reinit_mutex);
  if (m.generation.load() != seen_generation) return {};
  const auto now = std::chrono::steady_clock::now();
  if (now < m.reinit_not_before) {
    const auto wait = std::chrono::ceil<std::chrono::seconds>(m.reinit_not_before - now);
    return make_error(ErrorCode::unavailable, "PKCS#11 module " + m.path + " re-initialisation paused for " +
                                                  std::to_string(wait.count()) + " s after the last attempt");
  }
  if (!m.finalize) {
    return make_error(
        ErrorCode::unavailable,
        "PKCS#11 module " + m.path + " was initialised by someone else in this process: not re-initialised");
  }

  CK_RV rv = CKR_OK;
  {
    std::unique_lock no_call_in_flight(m.calls);
    m.functions->C_Finalize(nullptr);  // CKR_CRYPTOKI_NOT_INITIALIZED after an earlier failed attempt: fine
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    rv = m.functions->C_Initialize(&args);
    if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) rv = CKR_OK;
    // Sessions opened before this point are gone either way: C_Finalize closed them.
    m.generation.fetch_add(1);
  }
  const auto after = std::chrono::steady_clock::now();
  if (after - m.reinit_last > kReinitCalmSpell) m.reinit_delay = kReinitFirstDelay;
  m.reinit_last = after;
  if (rv != CKR_OK) {
    m.reinit_not_before = after + kReinitFirstDelay;
    log::warn("hsm_module_reinit_failed", {{"path", m.path}, {"rv", p11::rv_name(rv)}});
    return make_error(ErrorCode::unavailable,
                      "cannot re-initialise PKCS#11 module " + m.path + ": " + p11::describe("C_Initialize", rv));
  }
  m.reinit_not_before = after + m.reinit_delay;
  m.reinit_delay = std::min(m.reinit_delay * 2, kReinitMaxDelay);
  log::warn("hsm_module_reinitialised", {{"path", m.path}, {"generation", m.generation.load()}});
  return {};
}

}  // namespace firma::hsm
