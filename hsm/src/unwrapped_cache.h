// Unwrapped citizen keys kept on the token as session objects between signatures: a bounded LRU of handles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/ids.h"
#include "pkcs11.h"

namespace firma::hsm {

// One unwrapped key on the token. Shared by the signers using it: an entry pushed out of the cache is destroyed on
// the token only once no signer holds it any more (collect), so that a handle is never destroyed under a signature
// (nor, on a module that hands numbers out again, reused for another citizen's key meanwhile).
struct UnwrappedKey {
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  std::uint64_t epoch = 0;  // the login it was made under: handles are good for one login only
};

class UnwrappedCache {
 public:
  void set_capacity(std::size_t keys);
  std::size_t capacity() const;

  // The cached key for `id` made under login `epoch`, freshest first; nullptr when there is none.
  std::shared_ptr<UnwrappedKey> find(const KeyId& id, std::uint64_t epoch);
  // Keeps `key` for `id` (when the capacity allows), pushing the least recently used out.
  void put(const KeyId& id, std::shared_ptr<UnwrappedKey> key);
  // Drops the entry for `id` (a stale handle); the object itself goes at the next collect.
  void drop(const KeyId& id);
  // The keys pushed out that no signer holds any more: the caller destroys those of the current login on a
  // session (an older login's are gone with it).
  std::vector<UnwrappedKey> collect();
  std::size_t size() const;

 private:
  using Order = std::list<KeyId>;
  struct Entry {
    std::shared_ptr<UnwrappedKey> key;
    Order::iterator position;
  };
  void retire(std::shared_ptr<UnwrappedKey> key);  // with mutex_ held

  mutable std::mutex mutex_;
  std::size_t capacity_ = 0;
  Order order_;  // most recently used first
  std::unordered_map<KeyId, Entry> entries_;
  std::vector<std::shared_ptr<UnwrappedKey>> retired_;
};

}  // namespace firma::hsm
