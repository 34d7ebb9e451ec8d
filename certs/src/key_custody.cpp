// Citizens' key custody: token keys or wrapped keys, and the KEKs of wrapped custody.
#include "certs/key_custody.h"

#include "core/log.h"
#include "store/audit_log.h"
#include "store/certificates.h"
#include "store/database.h"
#include "store/wrapped_keys.h"

namespace firma::certs {
namespace {

constexpr std::string_view kCurrent = "current", kRetiring = "retiring", kDestroyed = "destroyed";

hsm::WrappedKey wrapped_key(const store::WrappedKeyRecord& r) {
  return hsm::WrappedKey{r.key_id, r.kek_id, hsm::parse_key_algorithm(r.algorithm).value_or(hsm::KeyAlgorithm::ec_p256),
                         r.public_key, r.wrapped};
}

}  // namespace

std::optional<CustodyMode> parse_custody_mode(std::string_view text) noexcept {
  if (text == "token") return CustodyMode::token;
  if (text == "wrapped") return CustodyMode::wrapped;
  return std::nullopt;
}

KeyCustody::KeyCustody(hsm::Token& token, store::Database& db, const Clock& clock, Random& random, CustodyMode mode)
    : token_(token), db_(db), clock_(clock), random_(random), mode_(mode) {}

Status KeyCustody::prepare() {
  const hsm::WrappingSupport support = token_.wrapping_support();
  log::info("hsm_custody", {{"token", token_.label()},
                            {"key_custody", mode_ == CustodyMode::wrapped ? "wrapped" : "token"},
                            {"key_wrap", support.mechanism_name.empty() ? "none" : support.mechanism_name},
                            {"lacks", support.lacks.empty() ? "nothing" : support.lacks}});
  if (mode_ != CustodyMode::wrapped) return {};
  if (!support.lacks.empty())
    return make_error(ErrorCode::invalid_request, "hsm.key_custody = wrapped needs key wrapping: token '" +
                                                      token_.label() + "' lacks " + support.lacks);
  auto current = db_.transact([](store::Tx& tx) { return store::KekRecords::current(tx); });
  if (!current) return std::move(current).error();
  if (!*current) {
    auto made = create_kek("system", "kek.create", std::nullopt);
    if (made || made.error().code != ErrorCode::conflict) return made ? Status{} : Status(std::move(made).error());
    // Another node made the first KEK meanwhile: use that one.
    current = db_.transact([](store::Tx& tx) { return store::KekRecords::current(tx); });
    if (!current) return std::move(current).error();
    if (!*current) return make_error(ErrorCode::internal, "no current key-encryption key after a conflict");
  }
  auto on_token = token_.has_wrapping_key((*current)->kek_id);
  if (!on_token) return std::move(on_token).error();
  if (!*on_token)
    return make_error(ErrorCode::unavailable, "the current key-encryption key '" + (*current)->kek_id.str() +
                                                  "' is not on token '" + token_.label() +
                                                  "': restore the token from the backup that holds it");
  return {};
}

Result<KeyId> KeyCustody::create_kek(std::string_view actor, std::string_view action,
                                     const std::optional<KeyId>& retiring) {
  const KeyId kek("kek-" + random_.hex_token(8));
  if (Status s = token_.create_wrapping_key(kek); !s) return std::move(s).error();
  const Instant now = clock_.now();
  Status recorded = db_.transact([&](store::Tx& tx) -> Status {
    if (retiring) {
      auto moved = store::KekRecords::move(tx, *retiring, kCurrent, kRetiring, now);
      if (!moved) return std::move(moved).error();
      if (!*moved)
        return make_error(ErrorCode::conflict, "key-encryption key '" + retiring->str() + "' is not current");
    }
    if (Status s = store::KekRecords::insert(tx, {kek, std::string(kCurrent), now, std::nullopt, std::nullopt}); !s)
      return s;
    return store::AuditLog::append(tx,
                                   {std::string(actor), std::string(action), "kek:" + kek.str(), "success",
                                    "token=" + token_.label() + (retiring ? " retiring=" + retiring->str() : "")},
                                   now);
  });
  if (!recorded) {
    (void)token_.destroy_wrapping_key(kek);  // never recorded: no key is wrapped under it
    return std::move(recorded).error();
  }
  log::info("pki.kek_created", {{"kek", kek.str()}, {"retiring", retiring ? retiring->str() : ""}});
  return kek;
}

Result<KeyId> KeyCustody::current_kek() {
  auto current = db_.transact([](store::Tx& tx) { return store::KekRecords::current(tx); });
  if (!current) return std::move(current).error();
  if (!*current) return make_error(ErrorCode::unavailable, "no key-encryption key yet (firmad makes it at start-up)");
  return (*current)->kek_id;
}

Result<NewCitizenKey> KeyCustody::generate(hsm::KeyAlgorithm algorithm) {
  const KeyId id("cit-" + random_.hex_token(16));
  if (mode_ == CustodyMode::token) {
    auto spki = token_.generate_key_pair(id, algorithm, hsm::KeyPurpose::citizen_signing, "Firma citizen key");
    if (!spki) return std::move(spki).error();
    return NewCitizenKey{id, algorithm, std::move(*spki), std::nullopt};
  }
  // Read for every key: after a rotation on another node, new keys go under the new KEK at once.
  auto kek = current_kek();
  if (!kek) return std::move(kek).error();
  auto wrapped = token_.generate_wrapped_key_pair(id, *kek, algorithm);
  if (!wrapped) return std::move(wrapped).error();
  Bytes public_key = wrapped->public_key;
  return NewCitizenKey{id, algorithm, std::move(public_key), std::move(*wrapped)};
}

Status KeyCustody::record(store::Tx& tx, const NewCitizenKey& key, Instant now) const {
  if (!key.wrapped) return {};
  const hsm::WrappedKey& w = *key.wrapped;
  auto held = store::KekRecords::hold(tx, w.kek);
  if (!held) return std::move(held).error();
  // Its KEK went (a rotation finished) between the key's generation and now: the caller issues again.
  if (!*held)
    return make_error(ErrorCode::conflict, "key-encryption key '" + w.kek.str() + "' was destroyed meanwhile");
  return store::WrappedKeyRecords::insert(
      tx, {w.id, w.kek, std::string(hsm::to_string(w.algorithm)), w.public_key, w.wrapped, now, std::nullopt});
}

Result<hsm::KeyAlgorithm> KeyCustody::algorithm(const KeyId& key) {
  auto wrapped = db_.transact([&](store::Tx& tx) { return store::WrappedKeyRecords::find(tx, key); });
  if (!wrapped) return std::move(wrapped).error();
  if (*wrapped) return wrapped_key(**wrapped).algorithm;
  return token_.algorithm(key);
}

Result<KeyId> KeyCustody::rotate(std::string_view actor) {
  if (mode_ != CustodyMode::wrapped)
    return make_error(ErrorCode::invalid_request, "KEK rotation needs hsm.key_custody = wrapped");
  auto current = current_kek();
  if (!current) return std::move(current).error();
  return create_kek(actor, "kek.rotate", *current);
}

Result<std::size_t> KeyCustody::rewrap(std::size_t limit, std::string_view actor) {
  auto listed = db_.transact([](store::Tx& tx) { return store::KekRecords::list(tx); });
  if (!listed) return std::move(listed).error();
  std::optional<KeyId> target;
  std::vector<KeyId> retiring;
  for (const auto& k : *listed) {
    if (k.state == kCurrent) target = k.kek_id;
    if (k.state == kRetiring) retiring.push_back(k.kek_id);
  }
  if (!target || retiring.empty()) return std::size_t{0};
  std::size_t moved = 0;
  for (const KeyId& old : retiring) {
    auto batch = db_.transact([&](store::Tx& tx) { return store::WrappedKeyRecords::under(tx, old, limit - moved); });
    if (!batch) return std::move(batch).error();
    for (const store::WrappedKeyRecord& r : *batch) {
      auto rewrapped = token_.rewrap(wrapped_key(r), *target);
      if (!rewrapped) {
        log::error("pki.kek_rewrap_failed", {{"key_id", r.key_id.str()}, {"error", rewrapped.error().message}});
        return std::move(rewrapped).error();
      }
      const Instant now = clock_.now();
      Status s = db_.transact([&](store::Tx& tx) -> Status {
        auto done = store::WrappedKeyRecords::rewrap(tx, r.key_id, old, *target, rewrapped->wrapped, now);
        if (!done) return std::move(done).error();
        if (!*done) return {};  // destroyed or moved meanwhile
        return store::AuditLog::append(tx,
                                       {std::string(actor), "kek.rewrap", "key:" + r.key_id.str(), "success",
                                        "from=" + old.str() + " to=" + target->str()},
                                       now);
      });
      if (!s) return std::move(s).error();
      ++moved;
    }
    if (moved >= limit) break;
    // Nothing left under it (checked again in the transaction that records it): the KEK can go.
    const Instant now = clock_.now();
    auto empty = db_.transact([&](store::Tx& tx) -> Result<bool> {
      // The KEK's row first (a lock an issuance recording a key under it waits for), then the count.
      auto done = store::KekRecords::move(tx, old, kRetiring, kDestroyed, now);
      if (!done) return std::move(done).error();
      if (!*done) return false;
      auto left = store::WrappedKeyRecords::count_under(tx, old);
      if (!left) return std::move(left).error();
      if (*left > 0) {
        auto back = store::KekRecords::move(tx, old, kDestroyed, kRetiring, now);
        if (!back) return std::move(back).error();
        return false;
      }
      if (Status s = store::AuditLog::append(tx,
                                             {std::string(actor), "kek.destroy", "kek:" + old.str(), "success",
                                              "token=" + token_.label() + " replaced_by=" + target->str()},
                                             now);
          !s)
        return std::move(s).error();
      return true;
    });
    if (!empty) return std::move(empty).error();
    if (*empty) {
      // Recorded first: a KEK recorded destroyed but still on the token is harmless, the reverse loses keys.
      Status destroyed = token_.destroy_wrapping_key(old);
      if (!destroyed && destroyed.error().code != ErrorCode::not_found)
        log::warn("pki.kek_destroy_failed", {{"kek", old.str()}, {"error", destroyed.error().message}});
      log::info("pki.kek_destroyed", {{"kek", old.str()}});
    }
  }
  return moved;
}

Result<std::vector<KekInfo>> KeyCustody::keks() {
  return db_.transact([](store::Tx& tx) -> Result<std::vector<KekInfo>> {
    auto listed = store::KekRecords::list(tx);
    if (!listed) return std::move(listed).error();
    std::vector<KekInfo> out;
    for (const auto& k : *listed) {
      auto count = store::WrappedKeyRecords::count_under(tx, k.kek_id);
      if (!count) return std::move(count).error();
      out.push_back({k.kek_id, k.state, k.created_at, *count});
    }
    return out;
  });
}

}  // namespace firma::certs
