// Key pairs on the token: generation, purposes, public key export, destruction and the operators' inventory.
#include <algorithm>
#include <set>

#include "key_templates.h"
#include "objects.h"
#include "public_key.h"
#include "token_impl.h"

namespace firma::hsm {
namespace {

constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxLabelBytes = 128;

std::string describe(std::optional<KeyPurpose> purpose) {
  return purpose ? std::string(to_string(*purpose)) : std::string("none");
}

}  // namespace

Result<Bytes> Token::generate_key_pair(const KeyId& id, KeyAlgorithm algorithm, KeyPurpose purpose,
                                       std::string_view label) {
  OpTimer timer(Op::generate);
  if (id.empty() || id.str().size() > kMaxIdBytes) {
    return timer.done(Result<Bytes>(make_error(ErrorCode::invalid_request, "a key id has 1 to 128 bytes")));
  }
  if (label.size() > kMaxLabelBytes) {
    return timer.done(Result<Bytes>(make_error(ErrorCode::invalid_request, "a key label has at most 128 bytes")));
  }
  if (impl_->index.find(id)) {
    return timer.done(Result<Bytes>(make_error(ErrorCode::conflict, "key '" + id.str() + "' already exists")));
  }
  Impl& t = *impl_;
  return timer.done(t.with_session([&](Call& call) -> Result<Bytes> {
    const std::string tagged = keys::purpose_label(purpose, label);
    objects::Template public_half = keys::public_template(algorithm, id, tagged);
    objects::Template private_half = keys::private_template(algorithm, id, tagged);
    CK_MECHANISM mechanism{keys::generation_mechanism(algorithm), nullptr, 0};
    KeyHandles handles;
    handles.algorithm = algorithm;
    handles.purpose = purpose;
    CK_RV rv =
        t.f.C_GenerateKeyPair(call.session, &mechanism, public_half.data(), public_half.size(), private_half.data(),
                              private_half.size(), &handles.public_key, &handles.private_key);
    if (rv != CKR_OK) return call.fail("C_GenerateKeyPair", rv);

    auto attributes = objects::read(t.f, call, handles.public_key, keys::kPublicKeyAttributes);
    Result<Bytes> spki = attributes ? keys::subject_public_key_info(algorithm, *attributes)
                                    : Result<Bytes>(std::move(attributes).error());
    if (!spki) {
      // Leave no half-made key behind.
      t.f.C_DestroyObject(call.session, handles.private_key);
      t.f.C_DestroyObject(call.session, handles.public_key);
      return spki;
    }
    t.index.put(id, handles);
    log::info(
        "hsm_key_generated",
        {{"token", t.label}, {"key", id.str()}, {"algorithm", to_string(algorithm)}, {"purpose", to_string(purpose)}});
    return spki;
  }));
}

Result<std::optional<KeyPurpose>> Token::purpose(const KeyId& id) const {
  auto located = impl_->locate(id);
  if (!located) return std::move(located).error();
  if (located->purpose) return located->purpose;
  return impl_->read_purpose(id);
}

Status Token::require_purpose(const KeyId& id, KeyPurpose purpose) const {
  auto located = impl_->locate(id);
  if (!located) return std::move(located).error();
  return impl_->check_purpose(id, *located, purpose, false);
}

Status Token::assign_purpose(const KeyId& id, KeyPurpose purpose) {
  auto located = impl_->locate(id);
  if (!located) return std::move(located).error();
  if (located->purpose == purpose) return {};
  return impl_->record_purpose(id, purpose);
}

Error Token::Impl::purpose_refused(const KeyId& id, std::optional<KeyPurpose> recorded, KeyPurpose wanted) const {
  log::error("hsm_key_purpose_refused",
             {{"token", label}, {"key", id.str()}, {"purpose", describe(recorded)}, {"wanted", to_string(wanted)}});
  return make_error(ErrorCode::internal, "key '" + id.str() + "' is recorded for " + describe(recorded) + ", not for " +
                                             std::string(to_string(wanted)));
}

Result<std::optional<KeyPurpose>> Token::Impl::read_purpose(const KeyId& id) {
  return with_session(
      [&](Call& call) -> Result<std::optional<KeyPurpose>> {
        auto handles = index.find(id);
        if (!handles) return key_not_found(id);
        auto attributes = objects::read(f, call, handles->private_key, {CKA_LABEL});
        if (!attributes) return std::move(attributes).error();
        handles->purpose = keys::parse_label(attributes->text(CKA_LABEL)).purpose;
        index.put(id, *handles);
        return handles->purpose;
      },
      [&] { return refresh(id); });
}

Status Token::Impl::check_purpose(const KeyId& id, const KeyHandles& located, KeyPurpose wanted,
                                  bool claim_unrecorded) {
  std::optional<KeyPurpose> recorded = located.purpose;
  if (!recorded) {
    auto read = read_purpose(id);
    if (!read) return std::move(read).error();
    recorded = *read;
  }
  if (recorded == wanted) return {};
  if (!recorded && claim_unrecorded) return record_purpose(id, wanted);
  return purpose_refused(id, recorded, wanted);
}

Status Token::Impl::record_purpose(const KeyId& id, KeyPurpose purpose) {
  return with_session(
      [&](Call& call) -> Status {
        auto handles = index.find(id);
        if (!handles) return key_not_found(id);
        auto attributes = objects::read(f, call, handles->private_key, {CKA_LABEL});
        if (!attributes) return std::move(attributes).error();
        const keys::LabelParts label_now = keys::parse_label(attributes->text(CKA_LABEL));
        if (label_now.purpose && label_now.purpose != purpose) return purpose_refused(id, label_now.purpose, purpose);
        if (!label_now.purpose) {
          // The private key first: its label is the one that counts.
          objects::Template tagged;
          tagged.add(CKA_LABEL, keys::purpose_label(purpose, label_now.label));
          for (CK_OBJECT_HANDLE h : {handles->private_key, handles->public_key}) {
            if (h == CK_INVALID_HANDLE) continue;
            CK_RV rv = f.C_SetAttributeValue(call.session, h, tagged.data(), tagged.size());
            if (rv != CKR_OK) return call.fail("C_SetAttributeValue", rv);
          }
          log::info("hsm_key_purpose_recorded", {{"token", label}, {"key", id.str()}, {"purpose", to_string(purpose)}});
        }
        handles->purpose = purpose;
        index.put(id, *handles);
        return {};
      },
      [&] { return refresh(id); });
}

Result<Bytes> Token::public_key(const KeyId& id) const {
  OpTimer timer(Op::public_key);
  Impl& t = *impl_;
  auto located = t.locate(id);
  if (!located) return timer.done(Result<Bytes>(std::move(located).error()));
  return timer.done(t.with_session(
      [&](Call& call) -> Result<Bytes> {
        auto handles = t.index.find(id);
        if (!handles) return t.key_not_found(id);
        if (handles->public_key == CK_INVALID_HANDLE) {
          return make_error(ErrorCode::not_found, "key '" + id.str() + "' has no public key object");
        }
        auto attributes = objects::read(t.f, call, handles->public_key, keys::kPublicKeyAttributes);
        if (!attributes) return std::move(attributes).error();
        return keys::subject_public_key_info(handles->algorithm, *attributes);
      },
      [&] { return t.refresh(id); }));
}

Result<KeyAlgorithm> Token::algorithm(const KeyId& id) const {
  auto located = impl_->locate(id);
  if (!located) return std::move(located).error();
  return located->algorithm;
}

bool Token::has_key(const KeyId& id) const {
  return impl_->locate(id).ok();
}

Status Token::destroy_key(const KeyId& id) {
  OpTimer timer(Op::destroy);
  if (id.empty()) return timer.done(Status(make_error(ErrorCode::invalid_request, "empty key id")));
  Impl& t = *impl_;
  // Searched by CKA_ID rather than taken from the index, so that a public key or certificate left
  // without its private key goes too. Destruction is rare.
  // An unwrapped copy of a wrapped key kept for the next signature goes with the cache (destroyed at its next
  // collection, once no signature holds it); the search finds the token's objects only.
  t.unwrapped.drop(id);
  Status st = t.with_session([&](Call& call) -> Status {
    objects::Template match;
    match.add(CKA_ID, std::string_view(id.str())).add(CKA_TOKEN, true);
    auto handles = objects::find(t.f, call, match);
    if (!handles) return std::move(handles).error();
    if (handles->empty()) return t.key_not_found(id);
    for (CK_OBJECT_HANDLE h : *handles) {
      CK_RV rv = t.f.C_DestroyObject(call.session, h);
      if (rv != CKR_OK && p11::classify(rv) != p11::Fault::stale_handle) return call.fail("C_DestroyObject", rv);
    }
    return {};
  });
  t.index.erase(id);
  if (st) log::info("hsm_key_destroyed", {{"token", t.label}, {"key", id.str()}});
  return timer.done(st);
}

Result<std::vector<KeyInfo>> Token::inventory() const {
  OpTimer timer(Op::inventory);
  Impl& t = *impl_;
  return timer.done(t.with_session([&](Call& call) -> Result<std::vector<KeyInfo>> {
    std::set<std::string> certified;
    objects::Template certificates;
    certificates.add(CKA_CLASS, CK_ULONG{CKO_CERTIFICATE}).add(CKA_TOKEN, true);
    auto cert_handles = objects::find(t.f, call, certificates);
    if (!cert_handles) return std::move(cert_handles).error();
    for (CK_OBJECT_HANDLE h : *cert_handles) {
      auto a = objects::read(t.f, call, h, {CKA_ID});
      if (!a) return std::move(a).error();
      certified.insert(a->text(CKA_ID));
    }

    objects::Template private_keys;  // stored keys: not the unwrapped copies of wrapped custody
    private_keys.add(CKA_CLASS, CK_ULONG{CKO_PRIVATE_KEY}).add(CKA_TOKEN, true);
    auto key_handles = objects::find(t.f, call, private_keys);
    if (!key_handles) return std::move(key_handles).error();
    std::vector<KeyInfo> out;
    for (CK_OBJECT_HANDLE h : *key_handles) {
      auto a = objects::read(
          t.f, call, h, {CKA_ID, CKA_LABEL, CKA_KEY_TYPE, CKA_EC_PARAMS, CKA_MODULUS, CKA_SENSITIVE, CKA_EXTRACTABLE});
      if (!a) return std::move(a).error();
      auto algorithm = keys::algorithm_of(*a);
      const std::string id = a->text(CKA_ID);
      if (!algorithm) {
        log::warn("hsm_inventory_unknown_key", {{"token", t.label}, {"key", id}});
        continue;
      }
      // A token that does not report a flag is taken at its least safe value.
      keys::LabelParts label = keys::parse_label(a->text(CKA_LABEL));
      out.push_back(KeyInfo{KeyId(id), std::move(label.label), label.purpose, *algorithm,
                            a->flag(CKA_SENSITIVE).value_or(false), a->flag(CKA_EXTRACTABLE).value_or(true),
                            certified.contains(id)});
    }
    std::ranges::sort(out, [](const KeyInfo& x, const KeyInfo& y) { return x.id < y.id; });
    return out;
  }));
}

}  // namespace firma::hsm
