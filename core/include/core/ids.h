// Strong types for identifiers, so a citizen id is never passed where a key id is expected.
#pragma once

#include <compare>
#include <functional>
#include <string>
#include <utility>

namespace firma {

template <class Tag>
class StrongId {
 public:
  StrongId() = default;
  explicit StrongId(std::string value) : value_(std::move(value)) {}

  const std::string& str() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }
  auto operator<=>(const StrongId&) const = default;

 private:
  std::string value_;
};

using CitizenId = StrongId<struct CitizenIdTag>;
using KeyId = StrongId<struct KeyIdTag>;
using TransactionId = StrongId<struct TransactionIdTag>;
using CertSerial = StrongId<struct CertSerialTag>;  // upper-case hexadecimal, no separators
using AppId = StrongId<struct AppIdTag>;
using OperatorId = StrongId<struct OperatorIdTag>;
using ChallengeId = StrongId<struct ChallengeIdTag>;

}  // namespace firma

template <class Tag>
struct std::hash<firma::StrongId<Tag>> {
  std::size_t operator()(const firma::StrongId<Tag>& id) const noexcept { return std::hash<std::string>{}(id.str()); }
};
