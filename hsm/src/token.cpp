// Opening a token (slot, login, session pool, index scan), readiness, and keeping the index true.
#include <unordered_map>

#include "key_templates.h"
#include "objects.h"
#include "session.h"
#include "slots.h"
#include "token_impl.h"

namespace firma::hsm {
namespace {

// Attributes that tell what an object is and which key it belongs to.
constexpr std::initializer_list<CK_ATTRIBUTE_TYPE> kIndexAttributes = {CKA_CLASS,     CKA_ID,      CKA_KEY_TYPE,
                                                                       CKA_EC_PARAMS, CKA_MODULUS, CKA_LABEL};

// Folds one object into the handles of its key; objects that are none of ours are left out.
void add_object(std::unordered_map<KeyId, KeyHandles>& keys, std::unordered_map<KeyId, bool>& has_private,
                CK_OBJECT_HANDLE handle, const objects::Attributes& a) {
  auto cls = a.ulong(CKA_CLASS);
  const auto& id_bytes = a.get(CKA_ID);
  if (!cls || !id_bytes || id_bytes->empty()) return;
  KeyId id(std::string(id_bytes->begin(), id_bytes->end()));
  if (*cls == CKO_PRIVATE_KEY) {
    auto algorithm = keys::algorithm_of(a);
    if (!algorithm) return;  // a key type this layer does not sign with
    keys[id].private_key = handle;
    keys[id].algorithm = *algorithm;
    keys[id].purpose = keys::parse_label(a.text(CKA_LABEL)).purpose;
    has_private[id] = true;
  } else if (*cls == CKO_PUBLIC_KEY) {
    keys[id].public_key = handle;
  } else if (*cls == CKO_CERTIFICATE) {
    keys[id].certificate = handle;
  }
}

}  // namespace

Token::Impl::Impl(std::shared_ptr<Module> m, CK_SLOT_ID s, std::string l, const Secret& p, std::size_t sessions)
    : module(std::move(m)),
      f(functions(*module)),
      slot(s),
      label(std::move(l)),
      pin(p),
      module_generation(module->impl().generation.load()),
      pool(
          sessions,
          SessionPool::Hooks{[this] { return open_session(); }, [this](SessionPool::Handle h) { f.C_CloseSession(h); }},
          clock) {}

Result<SessionPool::Handle> Token::Impl::open_session() {
  auto session = Session::open(f, slot.load());
  if (!session) return std::move(session).error();
  Call call{session->handle()};
  auto logged_in = is_user_session(f, call);
  if (!logged_in) return std::move(logged_in).error();
  if (!*logged_in) {
    if (Status st = login(f, session->handle(), CKU_USER, pin, "token '" + label + "'"); !st) {
      if (st.error().code == ErrorCode::unauthorized) {
        std::lock_guard lock(pin_mutex);
        pin_refused = make_error(ErrorCode::unauthorized, st.error().message + "; it is not tried again");
        log::error("hsm_pin_refused", {{"token", label}, {"error", st.error().message}});
      }
      return std::move(st).error();
    }
    ++login_epoch;
  }
  return session->release();
}

std::optional<Error> Token::Impl::refused_pin() const {
  std::lock_guard lock(pin_mutex);
  return pin_refused;
}

bool Token::Impl::find_slot_again() {
  std::shared_lock no_reinit_meanwhile(module->impl().calls);
  auto found = slots::find_token(*module, label);
  if (!found) return false;
  slot_unconfirmed = false;
  if (*found == slot.load()) return false;
  slot = *found;
  pool.discard_all();  // sessions of the old slot, if any are left
  pool.lift_backoff();
  log::info("hsm_token_moved", {{"token", label}, {"slot", static_cast<std::uint64_t>(*found)}});
  return true;
}

void Token::Impl::adopt_module_generation() {
  std::lock_guard lock(adopt_mutex);
  const std::uint64_t generation = module->impl().generation.load();
  if (module_generation.load() == generation) return;
  pool.forget_all();
  // Slot ids may be handed out afresh by C_Initialize; if the token is not back yet, the old id stays and
  // a later failure looks again (find_slot_again).
  auto found = slots::find_token(*module, label);
  if (found) slot = *found;
  slot_unconfirmed = !found;
  ++login_epoch;  // object handles from before are not to be trusted
  module_generation = generation;
  log::info("hsm_token_recovering", {{"token", label}, {"slot", static_cast<std::uint64_t>(slot.load())}});
}

Token::Token(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Token::~Token() {
  if (!impl_) return;
  // The pool closes its sessions: not while the library is being re-initialised.
  std::shared_ptr<Module> module = impl_->module;
  std::shared_lock no_reinit_meanwhile(module->impl().calls);
  impl_.reset();
}

const std::string& Token::label() const noexcept {
  return impl_->label;
}

Result<std::unique_ptr<Token>> Token::open(std::shared_ptr<Module> module, std::string_view token_label,
                                           const Secret& user_pin, std::size_t sessions) {
  OpTimer timer(Op::open);
  if (!module)
    return timer.done(Result<std::unique_ptr<Token>>(make_error(ErrorCode::invalid_request, "no PKCS#11 module")));
  if (sessions == 0) {
    return timer.done(
        Result<std::unique_ptr<Token>>(make_error(ErrorCode::invalid_request, "a token needs at least one session")));
  }
  auto slot = slots::find_token(*module, token_label);
  if (!slot) return std::move(slot).error();

  auto impl = std::make_unique<Impl>(std::move(module), *slot, std::string(token_label), user_pin, sessions);
  // The first session logs in (a wrong PIN stops here) and the first call scans the token into the index.
  if (Status st = impl->with_session([](Call&) -> Status { return {}; }); !st) return std::move(st).error();
  log::info("hsm_token_opened", {{"token", impl->label},
                                 {"slot", static_cast<std::uint64_t>(impl->slot.load())},
                                 {"keys", static_cast<std::uint64_t>(impl->index.size())},
                                 {"sessions", static_cast<std::uint64_t>(sessions)}});
  static_cast<void>(timer.done(Status{}));
  return std::unique_ptr<Token>(new Token(std::move(impl)));
}

Status Token::ping() {
  OpTimer timer(Op::ping);
  return timer.done(impl_->with_session([&](Call& call) -> Status {
    auto user = is_user_session(impl_->f, call);
    if (!user) return std::move(user).error();
    // Logged out under our feet: a fresh session logs in again.
    if (!*user) return call.fail("C_GetSessionInfo", CKR_USER_NOT_LOGGED_IN);
    return {};
  }));
}

Status Token::Impl::ensure_index_current(Call& call) {
  if (index_epoch.load() == login_epoch.load()) return {};
  std::lock_guard lock(rebuild_mutex);  // one scan, however many callers notice the new login
  const std::uint64_t epoch = login_epoch.load();
  if (index_epoch.load() == epoch) return {};
  if (Status st = scan_index(call); !st) return st;
  index_epoch = epoch;  // a login during the scan leaves the epochs apart: the next call scans again
  return {};
}

Status Token::Impl::scan_index(Call& call) {
  // A session that is not logged in sees no private keys: the scan would find an empty token.
  auto user = is_user_session(f, call);
  if (!user) return std::move(user).error();
  if (!*user) return call.fail("C_GetSessionInfo", CKR_USER_NOT_LOGGED_IN);
  // Token objects only: the session objects of wrapped custody (unwrapped copies kept for the next signature) are
  // never keys of the index.
  objects::Template everything;
  everything.add(CKA_TOKEN, true);
  auto handles = objects::find(f, call, everything);
  if (!handles) return std::move(handles).error();
  std::unordered_map<KeyId, KeyHandles> keys;
  std::unordered_map<KeyId, bool> has_private;
  for (CK_OBJECT_HANDLE h : *handles) {
    // One call per object: at 20,000 objects the two-call form costs seconds at start-up. 1 KiB holds
    // any id we write and any RSA modulus up to 8192 bits; a key with a larger attribute is simply not
    // indexed here and is found by CKA_ID on first use.
    auto attributes = objects::read_bounded(f, call, h, kIndexAttributes, 1024);
    if (!attributes && p11::classify(call.rv) == p11::Fault::stale_handle) {
      call.rv = CKR_OK;  // destroyed by another process since the search: not a key any more
      continue;
    }
    if (!attributes) return std::move(attributes).error();
    add_object(keys, has_private, h, *attributes);
  }
  std::erase_if(keys, [&](const auto& entry) { return !has_private.contains(entry.first); });
  const std::size_t count = keys.size();
  index.replace_all(std::move(keys));
  log::info("hsm_index_built", {{"token", label},
                                {"keys", static_cast<std::uint64_t>(count)},
                                {"objects", static_cast<std::uint64_t>(handles->size())}});
  return {};
}

Result<std::optional<KeyHandles>> Token::Impl::search(Call& call, const KeyId& id) {
  // Private keys are invisible to a session that is not logged in (PKCS#11 v2.40 4.1.2): searching there
  // would report a key as gone when the login was what went away.
  auto user = is_user_session(f, call);
  if (!user) return std::move(user).error();
  if (!*user) return call.fail("C_GetSessionInfo", CKR_USER_NOT_LOGGED_IN);
  objects::Template match;
  match.add(CKA_ID, std::string_view(id.str())).add(CKA_TOKEN, true);
  auto handles = objects::find(f, call, match);
  if (!handles) return std::move(handles).error();
  std::unordered_map<KeyId, KeyHandles> keys;
  std::unordered_map<KeyId, bool> has_private;
  for (CK_OBJECT_HANDLE h : *handles) {
    auto attributes = objects::read(f, call, h, kIndexAttributes);
    if (!attributes) return std::move(attributes).error();
    add_object(keys, has_private, h, *attributes);
  }
  if (!has_private.contains(id)) return std::optional<KeyHandles>{};
  return std::optional<KeyHandles>(keys[id]);
}

Status Token::Impl::refresh(const KeyId& id) {
  auto found = with_session([&](Call& call) { return search(call, id); });
  if (!found) return std::move(found).error();
  if (!*found) {
    index.erase(id);
    return key_not_found(id);
  }
  index.put(id, **found);
  return {};
}

Result<KeyHandles> Token::Impl::locate(const KeyId& id) {
  if (id.empty()) return make_error(ErrorCode::invalid_request, "empty key id");
  if (auto hit = index.find(id)) return *hit;
  // Not in the index: another process may have created it since our scan.
  if (Status st = refresh(id); !st) return std::move(st).error();
  if (auto hit = index.find(id)) return *hit;
  return key_not_found(id);
}

}  // namespace firma::hsm
