// Inside a Token: the module, the slot, the session pool, the key index, and the recover-and-retry loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/log.h"
#include "hsm/token.h"
#include "hsm_metrics.h"
#include "key_index.h"
#include "module_impl.h"
#include "session_pool.h"

namespace firma::hsm {

using p11::Call;

struct Token::Impl {
  Impl(std::shared_ptr<Module> m, CK_SLOT_ID s, std::string l, const Secret& p, std::size_t sessions);

  std::shared_ptr<Module> module;
  CK_FUNCTION_LIST& f;
  CK_SLOT_ID slot;
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
  SessionPool pool;  // last: its sessions close before anything above goes

  // Runs `attempt(Call&)` on a pooled session, after bringing the index up to the current login. A
  // session-class failure (CKR_SESSION_HANDLE_INVALID, CKR_DEVICE_ERROR, CKR_TOKEN_NOT_PRESENT,
  // CKR_USER_NOT_LOGGED_IN, ...) drops the pool's sessions and retries once on a fresh one; a stale object
  // handle runs `refresh` (if given) and retries once. PIN errors and bad requests are returned as they are.
  template <class F>
  auto with_session(F&& attempt, const std::function<Status()>& refresh = {}) -> decltype(attempt(std::declval<Call&>()));

  // The handles of a key: from the index, or (a key created by another process) found by CKA_ID and indexed.
  Result<KeyHandles> locate(const KeyId& id);
  // Looks the key up on the token again and fixes its index entry; not_found (and no entry) when it is gone.
  Status refresh(const KeyId& id);
  // Searches the token for the objects with this CKA_ID. No private key -> nullopt.
  Result<std::optional<KeyHandles>> search(Call& call, const KeyId& id);
  // Rescans the token into the index when a login happened since the last scan (and at the first call).
  Status ensure_index_current(Call& call);
  Status scan_index(Call& call);

  Error key_not_found(const KeyId& id) const {
    return make_error(ErrorCode::not_found, "no key '" + id.str() + "' on token '" + label + "'");
  }
};

template <class F>
auto Token::Impl::with_session(F&& attempt, const std::function<Status()>& refresh)
    -> decltype(attempt(std::declval<Call&>())) {
  using R = decltype(attempt(std::declval<Call&>()));
  bool reopened = false, refreshed = false;
  for (;;) {
    Call call;
    auto lease = pool.acquire();
    if (!lease) return std::move(lease).error();
    call.session = lease->handle();
    R result = [&]() -> R {
      if (Status st = ensure_index_current(call); !st) return std::move(st).error();
      return attempt(call);
    }();
    if (result.ok() || call.rv == CKR_OK) return result;

    const p11::Fault fault = p11::classify(call.rv);
    if (fault == p11::Fault::session) {
      lease->discard();
      { auto gone = std::move(*lease); }  // close this session before the others
      pool.discard_all();
      session_reopens().inc();
      log::warn("hsm_session_lost", {{"token", label}, {"rv", p11::rv_name(call.rv)}, {"retry", !reopened}});
      if (!reopened) {
        reopened = true;
        continue;
      }
      return make_error(ErrorCode::unavailable,
                        "HSM token '" + label + "' unavailable after reopening its session: " + result.error().message);
    }
    if (fault == p11::Fault::stale_handle && refresh && !refreshed) {
      refreshed = true;
      { auto done = std::move(*lease); }  // refresh() needs a session of its own
      log::info("hsm_stale_handle", {{"token", label}, {"rv", p11::rv_name(call.rv)}});
      if (Status st = refresh(); !st) return std::move(st).error();
      continue;
    }
    return result;
  }
}

}  // namespace firma::hsm
