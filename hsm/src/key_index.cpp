// The key index: an unordered map behind a reader-writer lock.
#include "key_index.h"

#include <mutex>

namespace firma::hsm {

std::optional<KeyHandles> KeyIndex::find(const KeyId& id) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void KeyIndex::put(const KeyId& id, const KeyHandles& handles) {
  std::unique_lock lock(mutex_);
  entries_[id] = handles;
}

void KeyIndex::erase(const KeyId& id) {
  std::unique_lock lock(mutex_);
  entries_.erase(id);
}

void KeyIndex::replace_all(std::unordered_map<KeyId, KeyHandles> entries) {
  std::unique_lock lock(mutex_);
  entries_.swap(entries);
}

std::size_t KeyIndex::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

}  // namespace firma::hsm
