// The bounded LRU of unwrapped citizen keys.
#include "unwrapped_cache.h"

#include <algorithm>

namespace firma::hsm {

void UnwrappedCache::set_capacity(std::size_t keys) {
  std::lock_guard lock(mutex_);
  capacity_ = keys;
  while (entries_.size() > capacity_) {
    auto it = entries_.find(order_.back());
    retire(std::move(it->second.key));
    entries_.erase(it);
    order_.pop_back();
  }
}

std::size_t UnwrappedCache::capacity() const {
  std::lock_guard lock(mutex_);
  return capacity_;
}

std::shared_ptr<UnwrappedKey> UnwrappedCache::find(const KeyId& id, std::uint64_t epoch) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return nullptr;
  if (it->second.key->epoch != epoch) {  // made under an older login: its handle means nothing now
    retire(std::move(it->second.key));
    order_.erase(it->second.position);
    entries_.erase(it);
    return nullptr;
  }
  order_.splice(order_.begin(), order_, it->second.position);
  return it->second.key;
}

void UnwrappedCache::put(const KeyId& id, std::shared_ptr<UnwrappedKey> key) {
  std::lock_guard lock(mutex_);
  if (capacity_ == 0) {
    retire(std::move(key));
    return;
  }
  if (auto it = entries_.find(id); it != entries_.end()) {  // another signer unwrapped it meanwhile
    retire(std::move(it->second.key));
    order_.erase(it->second.position);
    entries_.erase(it);
  }
  while (entries_.size() >= capacity_) {
    auto oldest = entries_.find(order_.back());
    retire(std::move(oldest->second.key));
    entries_.erase(oldest);
    order_.pop_back();
  }
  order_.push_front(id);
  entries_.emplace(id, Entry{std::move(key), order_.begin()});
}

void UnwrappedCache::drop(const KeyId& id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  retire(std::move(it->second.key));
  order_.erase(it->second.position);
  entries_.erase(it);
}

std::vector<UnwrappedKey> UnwrappedCache::collect() {
  std::lock_guard lock(mutex_);
  std::vector<UnwrappedKey> out;
  // Only the cache hands out references, and a retired key is in it no more: a count of one stays one.
  std::erase_if(retired_, [&](const std::shared_ptr<UnwrappedKey>& key) {
    if (key.use_count() > 1) return false;
    out.push_back(*key);
    return true;
  });
  return out;
}

std::size_t UnwrappedCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void UnwrappedCache::retire(std::shared_ptr<UnwrappedKey> key) {
  if (key) retired_.push_back(std::move(key));
}

}  // namespace firma::hsm
