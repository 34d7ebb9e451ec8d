// Inside a Token: the module, the slot, the session pool, the key index, and the recover-and-retry loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "core/log.h"
#include "hsm/token.h"
#include "hsm_metrics.h"
#include "key_index.h"
#include "module_impl.h"
#include "session_pool.h"
#include "unwrapped_cache.h"

namespace firma::hsm {

using p11::Call;

struct Token::Impl {
  Impl(std::shared_ptr<Module> m, CK_SLOT_ID s, std::string l, const Secret& p, std::size_t sessions);

  std::shared_ptr<Module> module;
  CK_FUNCTION_LIST& f;
  std::atomic<CK_SLOT_ID> slot;               // found again by label after the library was re-initialised
  std::atomic<bool> slot_unconfirmed{false};  // the token was absent then: look for it again
  std::string label;
  Secret pin;  // kept for logging in again after the token dropped every session
  SystemClock clock;
  KeyIndex index;
  // Object handles of private objects are only good for one login: SoftHSM2 drops them at logout, and
  // another module could hand the same numbers to other objects. Every login made by the pool bumps
  // login_epoch; the index is rebuilt before its handles are used under a newer login.
  std::atomic<std::uint64_t> login_epoch{0};
  std::atomic<std::uint64_t> index_epoch{std::numeric_limits<std::uint64_t>::max()};
  std::mutex rebuild_mutex;
  // The module generation (see reinitialize) the pool's sessions and the slot belong to.
  std::atomic<std::uint64_t> module_generation{0};
  std::mutex adopt_mutex;
  // Set once the token refused the PIN: a real HSM counts failed logins and locks the PIN, so it is never
  // tried again; every later call fails with this error until the token is opened anew (a restart).
  mutable std::mutex pin_mutex;
  std::optional<Error> pin_refused;
  // Wrapped custody (token_wrapped.cpp): KEK handles found by search once per login, what the token offers,
  // and the unwrapped citizen keys kept for the next signature.
  struct Kek {
    CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
    bool trusted = false;
    std::uint64_t epoch = 0;
  };
  std::mutex kek_mutex;
  std::unordered_map<KeyId, Kek> keks;
  std::once_flag wrapping_once;
  WrappingSupport wrapping;
  UnwrappedCache unwrapped;
  SessionPool pool;  // last: its sessions close before anything above goes

  // Runs `attempt(Call&)` on a pooled session, after bringing the index up to the current login. A
  // session-class failure (CKR_SESSION_HANDLE_INVALID, CKR_DEVICE_ERROR, CKR_TOKEN_NOT_PRESENT,
  // CKR_USER_NOT_LOGGED_IN, CKR_GENERAL_ERROR, ...) drops the pool's sessions and retries once on a fresh
  // one; when that fails too (or no session can be opened), the library is re-initialised (rate-limited,
  // see reinitialize) and the attempt made once more. A stale object handle runs `refresh` (if given) and
  // retries once. PIN errors and bad requests are returned as they are.
  template <class F>
  auto with_session(F&& attempt, const std::function<Status()>& refresh = {})
      -> decltype(attempt(std::declval<Call&>()));

  // Opens a pooled session and logs in if the process is not logged in yet (the pool's open hook).
  Result<SessionPool::Handle> open_session();
  std::optional<Error> refused_pin() const;
  // After a re-initialisation of the library: forget the old sessions, find the slot again by label,
  // and make the next call rebuild the index (object handles may differ under the new login).
  void adopt_module_generation();
  // Looks for the token by label again; true when it is now in another slot than the one in use.
  bool find_slot_again();

  // The handles of a key: from the index, or (a key created by another process) found by CKA_ID and indexed.
  Result<KeyHandles> locate(const KeyId& id);
  // Looks the key up on the token again and fixes its index entry; not_found (and no entry) when it is gone.
  Status refresh(const KeyId& id);
  // Searches the token for the objects with this CKA_ID. No private key -> nullopt.
  Result<std::optional<KeyHandles>> search(Call& call, const KeyId& id);
  // Rescans the token into the index when a login happened since the last scan (and at the first call).
  Status ensure_index_current(Call& call);
  Status scan_index(Call& call);

  // The purpose in the private key's label as the token has it now (another process may have recorded one
  // since the scan), kept in the index. One attribute read by handle: no search.
  Result<std::optional<KeyPurpose>> read_purpose(const KeyId& id);
  // Whether the key may sign for `wanted`: its recorded purpose (read again from the token when the index has
  // none). A key with none is recorded as `wanted` when `claim_unrecorded`, refused otherwise; a key of another
  // purpose is refused and logged.
  Status check_purpose(const KeyId& id, const KeyHandles& located, KeyPurpose wanted, bool claim_unrecorded);
  // Writes `purpose` into the labels of a key that has none (see Token::assign_purpose).
  Status record_purpose(const KeyId& id, KeyPurpose purpose);
  Error purpose_refused(const KeyId& id, std::optional<KeyPurpose> recorded, KeyPurpose wanted) const;
  // The signature itself, once the purpose is checked.
  Result<Signature> sign(const KeyId& id, KeyPurpose wanted, bool claim_unrecorded, DigestAlgorithm digest_algorithm,
                         std::span<const std::uint8_t> digest, RsaPadding padding);

  // The KEK's handle under the current login: remembered, or searched by CKA_ID (a few objects) and remembered.
  Result<Kek> locate_kek(Call& call, const KeyId& kek);
  void forget_kek(const KeyId& kek);
  const WrappingSupport& wrapping_support();

  Error key_not_found(const KeyId& id) const {
    return make_error(ErrorCode::not_found, "no key '" + id.str() + "' on token '" + label + "'");
  }
};

template <class F>
auto Token::Impl::with_session(F&& attempt, const std::function<Status()>& refresh)
    -> decltype(attempt(std::declval<Call&>())) {
  using R = decltype(attempt(std::declval<Call&>()));
  Module::Impl& m = module->impl();
  bool reopened = false, slot_checked = false, reinitialised = false, refreshed = false;
  for (;;) {
    if (auto refused = refused_pin()) return *refused;
    const std::uint64_t generation = m.generation.load();
    std::optional<R> result;
    CK_RV rv = CKR_OK;
    bool no_session = false;  // opening one failed (or is paused after a failure)
    {
      std::shared_lock no_reinit_meanwhile(m.calls);
      if (module_generation.load() != m.generation.load()) adopt_module_generation();
      Call call;
      auto lease = pool.acquire();
      if (!lease) {
        no_session = true;
        result.emplace(std::move(lease).error());
      } else {
        call.session = lease->handle();
        result.emplace([&]() -> R {
          if (Status st = ensure_index_current(call); !st) return std::move(st).error();
          return attempt(call);
        }());
        rv = call.rv;
        if (!result->ok() && p11::classify(rv) == p11::Fault::session) lease->discard();
      }
    }  // the lease went back (or was closed) here, before any recovery below
    if (result->ok()) return std::move(*result);
    if (auto refused = refused_pin()) return *refused;

    // No session could be had (opening failed or is paused), or the call failed as if its session broke.
    const p11::Fault fault =
        no_session && result->error().code == ErrorCode::unavailable ? p11::Fault::session : p11::classify(rv);
    if (!no_session && fault == p11::Fault::session) {
      {
        std::shared_lock no_reinit_meanwhile(m.calls);
        if (m.generation.load() == generation) pool.discard_all();  // else they are gone already
      }
      session_reopens().inc();
      log::warn("hsm_session_lost", {{"token", label}, {"rv", p11::rv_name(rv)}, {"retry", !reopened}});
      if (!reopened) {
        reopened = true;
        continue;
      }
    }
    if (fault == p11::Fault::session) {
      // The token may be back in another slot (a re-initialised library numbers its slots afresh).
      if (no_session && !slot_checked && slot_unconfirmed.load()) {
        slot_checked = true;
        if (find_slot_again()) continue;
      }
      // A fresh session did not cure it: the library itself may have lost its state.
      std::string why = result->error().message;
      if (!reinitialised) {
        reinitialised = true;
        Status st = reinitialize(*module, generation);
        if (st) continue;
        why += "; " + st.error().message;
      }
      return make_error(ErrorCode::unavailable, "HSM token '" + label + "' unavailable: " + why);
    }
    if (fault == p11::Fault::stale_handle && refresh && !refreshed) {
      refreshed = true;
      log::info("hsm_stale_handle", {{"token", label}, {"rv", p11::rv_name(rv)}});
      if (Status st = refresh(); !st) return std::move(st).error();
      continue;
    }
    return std::move(*result);
  }
}

}  // namespace firma::hsm
